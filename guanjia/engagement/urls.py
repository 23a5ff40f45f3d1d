from django.urls import include, path

from . import views

app_name = "engagement"

urlpatterns = [
    path("", include("guanjia.engagement.urls_surveys")),  # SV-1, SV-2: set up, draw, issue, paper entry
    path("", include("guanjia.engagement.urls_results")),  # SV-3, SV-4, SV-6: results, published version
    path("", include("guanjia.engagement.urls_import")),  # SV-2/SV-3: Excel import of answers
    path("", include("guanjia.engagement.urls_panel")),  # QA-4 dashboard panel
    path("visits/", views.VisitListView.as_view(), name="visits"),
    path("visits/new/", views.VisitCreateView.as_view(), name="visit_new"),
    path("visits/summary/", views.VisitSummaryView.as_view(), name="visit_summary"),
    path("visits/<int:pk>/", views.VisitDetailView.as_view(), name="visit"),
    path("visits/<int:pk>/ticket/", views.VisitTicketView.as_view(), name="visit_ticket"),
    path("visits/<int:pk>/feedback/", views.VisitFeedbackView.as_view(), name="visit_feedback"),
]
