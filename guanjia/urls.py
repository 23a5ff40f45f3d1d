from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from guanjia.core.api_views import MeView, TokenView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="core:dashboard", permanent=False)),
    path("console/", include("guanjia.core.urls")),
    path("console/estates/", include("guanjia.estates.urls")),
    path("console/desk/", include("guanjia.servicedesk.urls")),
    path("console/engagement/", include("guanjia.engagement.urls")),
    path("console/quality/", include("guanjia.quality.urls")),
    path("console/billing/", include("guanjia.billing.urls")),
    path("console/facilities/", include("guanjia.facilities.urls")),
    # FE-1 明码标价: the public price board of each community, no sign-in
    path("fees/", include("guanjia.billing.urls_public")),
    path("m/", include("guanjia.portal.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/auth/token/", TokenView.as_view(), name="api-token"),
    path("api/me/", MeView.as_view(), name="api-me"),
    path("api/imports/", include("guanjia.core.importing.api")),
    path("api/", include("guanjia.servicedesk.api.urls")),
    path("api/", include("guanjia.estates.api.urls")),
    path("api/", include("guanjia.engagement.api.urls")),
    path("api/", include("guanjia.quality.api.urls")),
    path("api/billing/", include("guanjia.billing.api.urls")),
    path("api/facilities/", include("guanjia.facilities.api.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler404 = "guanjia.core.api.not_found"
handler500 = "guanjia.core.api.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
