from django.urls import path

from . import views

app_name = "committees"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("compounds/<int:pk>/", views.compound, name="compound"),
    path("compounds/<int:pk>/committees/new/", views.committee_create, name="committee-create"),
    path("compounds/<int:pk>/contracts/new/", views.contract_create, name="contract-create"),
    path("committees/<int:pk>/edit/", views.committee_edit, name="committee-edit"),
    path("committees/<int:pk>/dissolve/", views.committee_dissolve, name="committee-dissolve"),
    path("committees/<int:pk>/seats/new/", views.seat_add, name="seat-add"),
    path("seats/<int:pk>/end/", views.seat_end, name="seat-end"),
    path("companies/", views.company_list, name="company-list"),
    path("companies/new/", views.company_create, name="company-create"),
    path("companies/<int:pk>/", views.company_detail, name="company-detail"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company-edit"),
    path("companies/<int:pk>/staff/new/", views.staff_add, name="staff-add"),
    path("staff/<int:pk>/end/", views.staff_end, name="staff-end"),
    path("contracts/<int:pk>/end/", views.contract_end, name="contract-end"),
]
