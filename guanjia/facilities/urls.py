"""The console pages of the equipment ledger (FM-1), under console/facilities/."""

from django.urls import path

from . import views as v

app_name = "facilities"

urlpatterns = [
    path("devices/", v.DeviceListView.as_view(), name="devices"),
    path("devices/new/", v.DeviceFormView.as_view(), name="device_new"),
    path("devices/import/", v.DeviceImportView.as_view(), name="import"),
    path("devices/import/template/", v.DeviceImportTemplateView.as_view(), name="import_template"),
    path("devices/<int:pk>/", v.DeviceDetailView.as_view(), name="device"),
    path("devices/<int:pk>/edit/", v.DeviceFormView.as_view(), name="device_edit"),
    path("devices/<int:pk>/tag/", v.DeviceTagView.as_view(), name="device_tag"),
    path("devices/<int:pk>/records/new/", v.RecordAddView.as_view(), name="device_record_add"),
    path("devices/<int:pk>/documents/new/", v.DocumentAddView.as_view(), name="device_document_add"),
    path("devices/<int:pk>/tickets/link/", v.TicketLinkView.as_view(), name="device_ticket_link"),
    path(
        "devices/<int:pk>/tickets/<int:ticket_link_pk>/unlink/",
        v.TicketUnlinkView.as_view(),
        name="device_ticket_unlink",
    ),
    path("documents/<int:pk>/", v.DocumentDownloadView.as_view(), name="document"),
    path("contractors/", v.ContractorListView.as_view(), name="contractors"),
    path("contractors/new/", v.ContractorFormView.as_view(), name="contractor_new"),
    path("contractors/<int:pk>/edit/", v.ContractorFormView.as_view(), name="contractor_edit"),
    path("checkpoints/<str:token>/", v.CheckpointView.as_view(), name="checkpoint"),
    path("checkpoints/<str:token>/tag/", v.CheckpointTagView.as_view(), name="checkpoint_tag"),
    path("tasks/", v.PlanTaskListView.as_view(), name="tasks"),
    path("annual-plan/", v.AnnualPlanView.as_view(), name="annual_plan"),
    path("types/", v.TypeTreeView.as_view(), name="types"),
]
