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
    # Every action of the ticket's state machine, one view: …/dispatch/, …/arrive/, …/check/, …
    path("tickets/<int:pk>/<slug:transition>/", v.TicketTransitionView.as_view(), name="ticket_action"),
    path("photos/<int:pk>/", v.PhotoView.as_view(), name="photo"),
    path("calls/", v.CallLogListView.as_view(), name="calls"),
]
