"""What every console view uses: staff sign-in, the current community, scoped querysets,
turning ServiceError into a message beside the form (DESIGN.md §1, §8), and the one view of an
action on one object (`ActionView`; `TransitionView` when the action is a state machine's)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from django.views.generic import ListView, TemplateView

from . import transitions
from .access import has_perm, is_staff_member, scoped, visible_communities
from .errors import Forbidden, ServiceError


class CommunityFromLinkMixin:
    """?community=<id> (links in the inbox, 待我审批 and reminders) opens the page in that community
    for this request, whichever community the switcher holds; one the user may not see is a 404."""

    def dispatch(self, request, *args, **kwargs):
        wanted = request.GET.get("community")
        if wanted and request.user.is_authenticated and str(getattr(request.community, "pk", "")) != wanted:
            community = visible_communities(request.user).filter(pk=wanted if wanted.isdigit() else None).first()
            if community is None:
                raise Http404
            request.community = community
        return super().dispatch(request, *args, **kwargs)


class StaffMixin(LoginRequiredMixin):
    """Signed-in staff only; `action` is the permission the page needs in the current community."""

    action: str = ""  # every page names the permission it needs; there is no default

    def dispatch(self, request, *args, **kwargs):
        if not self.action:
            raise ImproperlyConfigured(f"{type(self).__name__} must declare action")
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not is_staff_member(request.user):
            raise PermissionDenied
        if not request.community:
            raise Http404
        if not has_perm(request.user, self.action, request.community):
            raise PermissionDenied
        try:
            return super().dispatch(request, *args, **kwargs)
        except Forbidden:  # a service refused: the same 403 as a page the role may not open
            raise PermissionDenied from None

    def scoped(self, queryset, action: str | None = None):
        """Only rows the user may see (any community in scope)."""
        return scoped(queryset, self.request.user, action or self.action)

    def in_community(self, queryset, action: str | None = None):
        """Only rows of the current community, within the user's scope."""
        return self.scoped(queryset, action).filter(community=self.request.community)


class CommunityListView(StaffMixin, ListView):
    """A list of one model in the current community, filtered and paginated."""

    paginate_by = 50
    filterset_class = None

    def base_queryset(self):
        return self.model.objects.all()

    def get_queryset(self):
        queryset = self.in_community(self.base_queryset())
        if self.filterset_class:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=queryset, request=self.request)
            queryset = self.filterset.qs
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = getattr(self, "filterset", None)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context


def apply_service_error(form, error: ServiceError) -> None:
    """Show a ServiceError beside the field it names, or at the top of the form."""
    field = error.field if error.field in getattr(form, "fields", {}) else None
    form.add_error(field, str(error.message))


def flash_service_error(request, error: ServiceError) -> None:
    messages.error(request, str(error.message))


def safe_next(request) -> str | None:
    """The page to go back to (`next`), if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


def form_errors(form) -> list[str]:
    return list(form.non_field_errors()) or [e for errors in form.errors.values() for e in errors]


class ActionView(StaffMixin, TemplateView):
    """One action on one object, the console's one shape for it (DESIGN.md house style).

    The object comes from `get_queryset()` through the user's scope: another community's is a 404.
    GET shows the action's form, or why it cannot be taken now (`refusal()`, at its status).
    POST refuses the same, then validates the form and hands it to `perform()`, which calls exactly
    one service (which checks again: the view only spares it a form it would refuse); a
    ServiceError is shown beside the field it names (or above the form) on the page re-rendered
    at the error's status: 400 invalid, 403 Forbidden, 409 Conflict. Nothing is half-saved: the
    page shows the object as the database has it. Success: a message, then `next` (a page of
    this site: a technician's phone list) or the object's page. With `next`, a refusal goes back
    there too, as a message.

    The subject need not be a row: a page of a community's month (a monthly summary) overrides
    `get_object()` to build it from the current community and the request, and `get_success_url()`.
    Where more may read the page than take its action (the summary's figures are for whoever may
    read the month, its form for the one who writes it), `action` is what reading needs and
    `perform_action` what POST needs, in the current community; without it POST is a 403 before
    anything is read, and the page has `may_perform` to leave the form out.
    """

    model = None
    perform_action: str = ""  # the permission POST needs, when it is more than `action`
    form_class = forms.Form
    template_name = "core/action.html"
    title = ""
    submit_label = gettext_lazy("提交")
    success_message = gettext_lazy("已保存。")
    pk_url_kwarg = "pk"

    def get_queryset(self):
        return self.model.objects.all()

    def get_object(self):
        """The action's subject, read once a request (again after a refused service, see `failed`)."""
        if getattr(self, "object", None) is None:
            self.object = get_object_or_404(self.scoped(self.get_queryset()), pk=self.kwargs[self.pk_url_kwarg])
        return self.object

    def get_initial(self) -> dict:
        return {}

    def get_form_class(self):
        return self.form_class

    def get_form_kwargs(self) -> dict:
        kwargs = {"initial": self.get_initial()}
        if self.request.method == "POST":
            kwargs.update(data=self.request.POST, files=self.request.FILES)
        return kwargs

    def get_form(self):
        return self.get_form_class()(**self.get_form_kwargs())

    def refusal(self) -> ServiceError | None:
        """Why the action cannot be taken on the object now (GET shows it instead of the form)."""
        return None

    def perform(self, form):
        """Call the one service of this action with the form's data; return what it returns."""
        raise NotImplementedError

    def may_perform(self) -> bool:
        return not self.perform_action or has_perm(self.request.user, self.perform_action, self.request.community)

    def get_title(self) -> str:
        return str(self.title)

    def get_submit_label(self) -> str:
        return str(self.submit_label)

    def get_success_message(self, result) -> str:
        return str(self.success_message)

    def get_success_url(self, result) -> str:
        return self.get_object().get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.get_object(),
            title=self.get_title(),
            submit_label=self.get_submit_label(),
            may_perform=self.may_perform(),
            next=safe_next(self.request) or "",
        )
        return context

    def render_form(self, form, status: int = 200, refusal: ServiceError | None = None):
        return self.render_to_response(self.get_context_data(form=form, refusal=refusal), status=status)

    def refused(self, error: ServiceError):
        return self.render_form(self.get_form(), status=error.status, refusal=error)

    def succeeded(self, result):
        messages.success(self.request, self.get_success_message(result))
        return redirect(safe_next(self.request) or self.get_success_url(result))

    def failed(self, form, status: int):
        target = safe_next(self.request)
        if target:
            for error in form_errors(form):
                messages.error(self.request, error)
            return redirect(target)
        self.object = None  # a refused service may have changed the object in memory: show the stored one
        return self.render_form(form, status=status)

    def get(self, request, *args, **kwargs):
        self.get_object()
        error = self.refusal()
        if error is not None:
            return self.refused(error)
        return self.render_form(self.get_form())

    def post(self, request, *args, **kwargs):
        if not self.may_perform():
            raise PermissionDenied
        self.get_object()
        form = self.get_form()
        error = self.refusal()  # what GET would not have offered is not handed to the service either
        if error is not None:
            apply_service_error(form, error)
            return self.failed(form, error.status)
        if not form.is_valid():
            return self.failed(form, 400)
        try:
            result = self.perform(form)
        except ServiceError as error:  # Forbidden included: the page again, at 403, saying why
            apply_service_error(form, error)
            return self.failed(form, error.status)
        return self.succeeded(result)


class TransitionView(ActionView):
    """An ActionView whose action is a transition of the model's state machine (core.transitions).

    The URL names the action (`<slug:transition>`): one the model does not offer to people is a 404.
    Its `custom=ui(...)` gives the form, heading, button and message; GET refuses what the machine
    refuses for this user now; POST calls `<entity>_<action>(<entity>=obj, actor=user, **form data)`
    in `services` (DESIGN.md §7), which checks again and moves the object."""

    field = "status"
    services = None  # the module (or object) holding the services
    entity = ""  # the services' entity name; the model's name by default ("ticket")
    transition_url_kwarg = "transition"

    def get_offer(self) -> transitions.Offer:
        if getattr(self, "offer", None) is None:
            found = transitions.offer(self.get_object(), self.kwargs[self.transition_url_kwarg], field=self.field)
            if found is None:
                raise Http404
            self.offer = found
        return self.offer

    def get_form_class(self):
        return self.get_offer().form_class

    def get_initial(self) -> dict:
        return dict(self.get_offer().initial)

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs.update({name: getattr(self.get_object(), name) for name in self.get_offer().form_kwargs})
        return kwargs

    def get_title(self) -> str:
        return self.get_offer().title

    def get_submit_label(self) -> str:
        return self.get_offer().label

    def get_success_message(self, result) -> str:
        return self.get_offer().done or super().get_success_message(result)

    def refusal(self) -> ServiceError | None:
        return transitions.action_refusal(
            self.get_object(), self.get_offer().action, self.request.user, field=self.field
        )

    def service(self):
        entity = self.entity or self.model._meta.model_name
        return entity, getattr(self.services, f"{entity}_{self.get_offer().action}")

    def perform(self, form):
        entity, service = self.service()
        return service(**{entity: self.get_object()}, actor=self.request.user, **form.cleaned_data)
