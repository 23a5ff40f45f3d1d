from django.urls import path

from . import views_desk as v
from . import views_intake as intake

urlpatterns = [
    path("", intake.DeskView.as_view(), name="desk"),
    path("search/", intake.DeskSearchView.as_view(), name="desk_search"),
    path("clock/", intake.DeskClockView.as_view(), name="desk_clock"),  # RC-2, RC-3, RC-8: before saving
    path("tickets/", v.TicketListView.as_view(), name="tickets"),
    path("tickets/mine/", v.MyTicketsView.as_view(), name="my_tickets"),
    path("tickets/<int:pk>/", v.TicketDetailView.as_view(), name="ticket"),
    path("tickets/<int:pk>/dispatch/", v.DispatchView.as_view(), name="ticket_dispatch"),
    path("tickets/<int:pk>/arrive/", v.ArriveView.as_view(), name="ticket_arrive"),
    path("tickets/<int:pk>/complete/", v.CompleteView.as_view(), name="ticket_complete"),
    path("tickets/<int:pk>/check/", v.CheckView.as_view(), name="ticket_check"),
    path("tickets/<int:pk>/reply/", v.ReplyView.as_view(), name="ticket_reply"),
    path("tickets/<int:pk>/escalate/", v.EscalateView.as_view(), name="ticket_escalate"),
    path("tickets/<int:pk>/cancel/", v.CancelView.as_view(), name="ticket_cancel"),
    path("tickets/<int:pk>/work-order.pdf", v.WorkOrderPdfView.as_view(), name="ticket_work_order"),
    path("photos/<int:pk>/", v.PhotoView.as_view(), name="photo"),
    path("calls/", v.CallLogListView.as_view(), name="calls"),
]
