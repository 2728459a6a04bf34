from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("compounds/<int:pk>/who-serves-us/", views.who_serves_us, name="who-serves-us"),
    path("coverage/", views.coverage, name="coverage"),
]
