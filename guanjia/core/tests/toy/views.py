from django.http import HttpResponse
from django.views import View

from guanjia.core.console import ActionView, TransitionView

from . import services
from .forms import NoteForm
from .models import Parcel


class ParcelView(View):
    def get(self, request, pk):
        return HttpResponse(f"parcel {pk}")


class ParcelActionView(TransitionView):
    model = Parcel
    action = "toy.view"
    services = services


class ParcelNoteView(ActionView):
    """Every gatehouse role reads the page; only the supervisor writes the note (`perform_action`)."""

    model = Parcel
    action = "toy.view"
    perform_action = "toy.supervise"
    form_class = NoteForm
    title = "备注"

    def perform(self, form):
        return services.parcel_note(parcel=self.get_object(), actor=self.request.user, **form.cleaned_data)
