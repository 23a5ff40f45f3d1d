"""Bank statement lines in the console (FE-1), for the cashier on a phone or at the counter: the
import (template, upload to core's importer, recent batches), the list of what waits (matched and
ignored lines on request), matching a waiting line to a room by hand, ignoring one with a reason, putting an ignored one back.
Thin: each write is one service; another community's line is a 404."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanjia.core.access import has_perm
from guanjia.core.console import ActionView, CommunityListView
from guanjia.core.errors import Conflict
from guanjia.core.importing.views import ImportTemplateView, ImportUploadView

from . import selectors_bank as sel
from .choices import StatementLineStatus
from .forms_bank import IgnoreForm, MatchForm, StatementFilter
from .models import BankStatementLine
from .services import bank as services
from .services import bank_import

COLLECT = "billing.collect"


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("银行流水文件"),
        help_text=gettext_lazy("网银导出的 Excel（.xlsx）或 CSV；上传后先预览，确认无误才会入账。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class StatementLineListView(CommunityListView):
    """银行流水: what waits for the cashier (by default), or every line by status."""

    action = COLLECT
    model = BankStatementLine
    filterset_class = StatementFilter
    template_name = "billing/bank_list.html"
    context_object_name = "lines"

    def base_queryset(self):
        return sel.statement_lines()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for line in context["lines"]:
            line.account_shown = sel.mask_account(line.counterparty_account)
        context["waiting"] = sel.waiting_totals(self.request.community)
        context["WAITING"] = StatementLineStatus.WAITING
        context["IGNORED"] = StatementLineStatus.IGNORED
        return context


class _LineAction(ActionView):
    """The line is looked up first (another community's: 404), then the window's permission (403)."""

    action = "billing.view"
    model = BankStatementLine
    template_name = "billing/bank_action.html"

    def get_queryset(self):
        return BankStatementLine.objects.select_related("community", "room")

    def get_object(self):
        line = super().get_object()
        if not has_perm(self.request.user, COLLECT, line.community):
            raise PermissionDenied
        return line

    def refusal(self):
        line = self.get_object()
        if line.status != StatementLineStatus.WAITING:
            return Conflict(
                "not_waiting", _("该银行流水当前状态为“%(s)s”，不能再处理。") % {"s": line.get_status_display()}
            )
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["account_shown"] = sel.mask_account(self.get_object().counterparty_account)
        return context

    def get_success_url(self, result):
        return reverse("billing:bank_lines")


class StatementLineMatchView(_LineAction):
    """人工匹配: the room the credit is for → statement_line_match (oldest first)."""

    form_class = MatchForm
    title = gettext_lazy("匹配到房屋")
    submit_label = gettext_lazy("入账并开具收据")

    def get_initial(self):
        line = self.get_object()
        return {"room_code": line.room.code if line.room_id else ""}

    def perform(self, form):
        return services.statement_line_match(line=self.get_object(), actor=self.request.user, **form.cleaned_data)

    def get_success_message(self, result):
        return _("已入账 %(a)s 元，收据 %(n)s。") % {"a": result.amount, "n": result.payment.number}


class StatementLineIgnoreView(_LineAction):
    """忽略: not a fee (a supplier's refund, the office's own transfer), with the reason."""

    form_class = IgnoreForm
    title = gettext_lazy("忽略银行流水")
    submit_label = gettext_lazy("忽略")

    def perform(self, form):
        return services.statement_line_ignore(line=self.get_object(), actor=self.request.user, **form.cleaned_data)

    def get_success_message(self, result):
        return _("已忽略银行流水 %(t)s。") % {"t": result.transaction_id}


class StatementLineReopenView(_LineAction):
    """恢复待处理: an ignored line set aside by mistake waits again for the cashier."""

    title = gettext_lazy("恢复待处理")
    submit_label = gettext_lazy("恢复待处理")

    def refusal(self):
        line = self.get_object()
        if line.status != StatementLineStatus.IGNORED:
            return Conflict(
                "not_ignored",
                _("状态：该银行流水当前为“%(s)s”，只有已忽略的流水才能恢复待处理。") % {"s": line.get_status_display()},
            )
        return None

    def perform(self, form):
        return services.statement_line_reopen_ignored(line=self.get_object(), actor=self.request.user)

    def get_success_message(self, result):
        return _("银行流水 %(t)s 已恢复待处理。") % {"t": result.transaction_id}


class StatementImportView(ImportUploadView):
    """导入银行流水: the template, the upload (a CSV made a workbook first, then core's importer),
    the recent batches."""

    action = COLLECT
    kind = bank_import.KIND
    form_class = StatementUploadForm
    template_name = "billing/bank_import.html"

    def upload(self, file):
        return bank_import.statement_upload(community=self.request.community, actor=self.request.user, file=file)


class StatementTemplateView(ImportTemplateView):
    action = COLLECT
    template = staticmethod(bank_import.template)
    filename = "bank-statement-template.xlsx"
