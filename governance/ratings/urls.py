from django.urls import path

from . import views

app_name = "ratings"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/survey/", views.survey, name="survey"),
    path("scores/<int:pk>/", views.score_detail, name="score"),
]
