from django.urls import path

from . import views

app_name = "party"

urlpatterns = [
    path("branches/", views.branch_list, name="branch-list"),
    path("branches/new/", views.branch_create, name="branch-create"),
    path("branches/<int:pk>/", views.branch_detail, name="branch-detail"),
    path("branches/<int:pk>/edit/", views.branch_edit, name="branch-edit"),
    path("branches/<int:pk>/dissolve/", views.branch_dissolve, name="branch-dissolve"),
    path("branches/<int:pk>/members/new/", views.member_add, name="member-add"),
    path("branches/<int:pk>/seats/new/", views.seat_add, name="seat-add"),
    path("branches/<int:pk>/groups/new/", views.group_create, name="group-create"),
    path("branches/<int:pk>/leaders/new/", views.leader_set, name="leader-set"),
    path("branches/<int:pk>/zones/new/", views.zone_create, name="zone-create"),
    path("members/", views.member_list, name="member-list"),
    path("members/<int:pk>/", views.member_detail, name="member-detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member-edit"),
    path("members/<int:pk>/leave/", views.member_leave, name="member-leave"),
    path("members/<int:pk>/record.xlsx", views.member_record, name="member-record"),
    path("seats/<int:pk>/end/", views.seat_end, name="seat-end"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group-edit"),
    path("zones/<int:pk>/edit/", views.zone_edit, name="zone-edit"),
    path("zones/<int:pk>/end/", views.zone_end, name="zone-end"),
    path("checkins/", views.checkin_list, name="checkin-list"),
    path("me/", views.my_checkin, name="my-checkin"),
    path("me/check-in/", views.my_checkin_register, name="my-checkin-register"),
    path("me/renew/", views.my_checkin_renew, name="my-checkin-renew"),
    path("me/posts/", views.my_post_claim, name="my-post-claim"),
    path("claims/<int:pk>/release/", views.post_release, name="post-release"),
]
