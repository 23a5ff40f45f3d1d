from . import urls_desk, urls_followup, urls_kpi, urls_pricelist

app_name = "servicedesk"

urlpatterns = [
    *urls_desk.urlpatterns,
    *urls_followup.urlpatterns,
    *urls_kpi.urlpatterns,
    *urls_pricelist.urlpatterns,
]
