"""Open311 GeoReport v2 at /open311/v2/: every route needs its format suffix (.json or .xml)."""

from django.urls import path, register_converter

from . import open311

app_name = "open311"

register_converter(open311.FormatConverter, "open311fmt")

urlpatterns = [
    path("discovery.<open311fmt:format>", open311.discovery, name="discovery"),
    path("services.<open311fmt:format>", open311.service_list, name="services"),
    path("services/<slug:service_code>.<open311fmt:format>", open311.service_definition, name="service"),
    path("requests.<open311fmt:format>", open311.requests_view, name="requests"),
    path("requests/<int:service_request_id>.<open311fmt:format>", open311.request_detail, name="request"),
]
