from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import TemplateView

from guanjia.core.console import StaffMixin
from guanjia.core.errors import ServiceError

from . import services
from .models import BoxOpening


class BoxView(StaffMixin, TemplateView):
    action = "contactbox.view"
    template_name = "contactbox/box.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["openings"] = self.in_community(BoxOpening.objects.order_by("-opened_at"))[:31]
        return context

    def post(self, request):
        try:
            services.box_open(community=request.community, actor=request.user, letters=int(request.POST["letters"]))
        except ServiceError as error:
            messages.error(request, error.message)
        return redirect("contactbox:box")
