"""The in-app inbox (站内消息): reminders and hand-overs sent by `core.notify`, unread first."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from guanjia.core import clock

from .models import Notification


def notification_read(*, notification: Notification, actor) -> Notification:
    """Mark one of the actor's own notifications read (not an ActivityLog event: nothing in the domain changes)."""
    if notification.read_at is None:
        notification.read_at = clock.now()
        Notification.objects.filter(pk=notification.pk, user=actor, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_read_all(*, actor) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=clock.now())


class InboxMixin(LoginRequiredMixin):
    def mine(self):
        """Only the signed-in user's own notifications: anyone else's is a 404."""
        return Notification.objects.filter(user=self.request.user)


class InboxView(InboxMixin, ListView):
    template_name = "core/inbox.html"
    paginate_by = 30
    context_object_name = "notifications"

    def get_queryset(self):
        queryset = self.mine().select_related("community")
        if self.request.GET.get("unread"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset.order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["only_unread"] = bool(self.request.GET.get("unread"))
        context["query_string"] = "unread=1" if context["only_unread"] else ""
        return context


class NotificationOpenView(InboxMixin, View):
    """Follow a notification's link, marking it read on the way."""

    model = Notification

    def post(self, request, pk):
        note = get_object_or_404(self.mine(), pk=pk)
        notification_read(notification=note, actor=request.user)
        if note.url and url_has_allowed_host_and_scheme(note.url, {request.get_host()}):
            return redirect(note.url)
        return redirect("core:inbox")

    get = post


class NotificationReadView(InboxMixin, View):
    model = Notification

    def post(self, request, pk):
        notification_read(notification=get_object_or_404(self.mine(), pk=pk), actor=request.user)
        return redirect(request.POST.get("next") if _safe(request) else "core:inbox")


class NotificationReadAllView(InboxMixin, View):
    def post(self, request):
        count = notifications_read_all(actor=request.user)
        messages.success(request, _("已将 %(n)s 条消息标为已读。") % {"n": count})
        return redirect("core:inbox")


def _safe(request) -> bool:
    target = request.POST.get("next")
    return bool(target) and url_has_allowed_host_and_scheme(target, {request.get_host()})
