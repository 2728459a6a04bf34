from django.urls import path

from . import views

app_name = "compounds"

urlpatterns = [
    path("compounds/", views.compound_list, name="compound-list"),
    path("compounds/new/", views.compound_create, name="compound-create"),
    path("compounds/<int:pk>/", views.compound_detail, name="compound-detail"),
    path("compounds/<int:pk>/edit/", views.compound_edit, name="compound-edit"),
    path("compounds/<int:pk>/history/", views.compound_history, name="compound-history"),
    path("compounds/<int:pk>/households/", views.compound_households, name="compound-households"),
    path("compounds/<int:pk>/import/", views.compound_import, name="compound-import"),
    path("compounds/<int:pk>/buildings/new/", views.building_create, name="building-create"),
    path("buildings/<int:pk>/edit/", views.building_edit, name="building-edit"),
    path("buildings/<int:pk>/households/new/", views.household_create, name="household-create"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household-edit"),
    path("residents/", views.resident_list, name="resident-list"),
    path("verifications/", views.verification_queue, name="verification-queue"),
    path("residencies/<int:pk>/", views.residency_detail, name="residency-detail"),
    path("residencies/<int:pk>/verify/", views.residency_verify, name="residency-verify"),
    path("residencies/<int:pk>/reject/", views.residency_reject, name="residency-reject"),
    path("residencies/<int:pk>/end/", views.residency_end, name="residency-end"),
    path("claim/", views.claim_start, name="claim-start"),
    path("claim/<int:pk>/", views.claim, name="claim"),
    path("claim/<int:pk>/households/", views.claim_households, name="claim-households"),
]
