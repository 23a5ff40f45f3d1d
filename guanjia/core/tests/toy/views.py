from django.http import HttpResponse
from django.views import View

from guanjia.core.console import TransitionView

from . import services
from .models import Parcel


class ParcelView(View):
    def get(self, request, pk):
        return HttpResponse(f"parcel {pk}")


class ParcelActionView(TransitionView):
    model = Parcel
    action = "toy.view"
    services = services
