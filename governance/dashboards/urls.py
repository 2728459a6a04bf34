from django.urls import path

from . import meetings_views, rates_views, views

app_name = "dashboards"

urlpatterns = [
    path("compounds/<int:pk>/who-serves-us/", views.who_serves_us, name="who-serves-us"),
    path("coverage/", views.coverage, name="coverage"),
    path("rates/", rates_views.rates_index, name="rates"),
    path("rates/ranking/", rates_views.rates_ranking, name="rates-ranking"),
    path("rates/compound/<int:pk>/", rates_views.rates_compound, name="rates-compound"),
    path("meetings/", meetings_views.meetings_figures, name="meetings"),
]
