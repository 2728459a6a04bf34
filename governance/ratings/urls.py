from django.urls import path

from . import views

app_name = "ratings"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/score/", views.score_now, name="score-now"),
    path("<int:pk>/inspector/", views.inspector_assign, name="inspector"),
    path("<int:pk>/lists/", views.lists_print, name="lists"),
    path("<int:pk>/export.xlsx", views.export, name="export"),
    path("<int:pk>/survey/", views.survey, name="survey"),
    path("subjects/<int:pk>/entries/", views.entries, name="entries"),
    path("scores/<int:pk>/", views.score_detail, name="score"),
    path("scores/<int:pk>/appeal/", views.appeal_file, name="appeal"),
    path("appeals/<int:pk>/decide/", views.appeal_decide, name="appeal-decide"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("companies/<int:pk>/", views.company_history, name="company-history"),
    path("committees/<int:pk>/", views.committee_history, name="committee-history"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<int:pk>/", views.template_detail, name="template"),
    path("templates/<int:pk>/new-version/", views.template_new_version, name="template-new-version"),
]
