from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from committees import api as committees_api
from compounds import api as compounds_api
from governance.accounts.views import set_language
from governance.dashboards.views import home
from governance.health import healthz
from governance.issues import api as issues_api
from governance.meetings import api as meetings_api
from governance.party import api as party_api

router = DefaultRouter()
router.register("compounds", compounds_api.CompoundViewSet, basename="compound")
router.register("buildings", compounds_api.BuildingViewSet, basename="building")
router.register("households", compounds_api.HouseholdViewSet, basename="household")
committees_api.register(router)
party_api.register(router)
issues_api.register(router)
meetings_api.register(router)

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("governance.accounts.urls")),
    path("places/", include("compounds.urls")),
    path("committees/", include("committees.urls")),
    path("party/", include("governance.party.urls")),
    path("issues/", include("governance.issues.urls")),
    path("meetings/", include("governance.meetings.urls")),
    path("ratings/", include("governance.ratings.urls")),
    path("figures/", include("governance.dashboards.urls")),
    path("open311/v2/", include("governance.issues.open311_urls")),
    path("api/v1/", include(router.urls)),
    path("api/v1/auth/token/", obtain_auth_token, name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

if settings.LINLI_BENCH_ENDPOINTS:
    urlpatterns += [path("bench/", include("governance.bench"))]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
