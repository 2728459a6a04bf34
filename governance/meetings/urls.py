from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
    path("series/new/", views.series_create, name="series-create"),
    path("actions/", views.my_actions, name="actions"),
    path("actions/<int:pk>/done/", views.action_done, name="action-done"),
    path("compound/<int:compound_pk>/", views.compound_summaries, name="summaries"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/summary/", views.meeting_summary, name="summary"),
    path("<int:pk>/calendar.ics", views.meeting_calendar, name="calendar"),
    path("<int:pk>/reply/", views.meeting_reply, name="reply"),
    path("<int:pk>/invite/", views.meeting_invite, name="invite"),
    path("<int:pk>/agenda/pick/", views.agenda_pick, name="agenda-pick"),
    path("<int:pk>/agenda/add/", views.agenda_add, name="agenda-add"),
    path("<int:pk>/sign-in/", views.meeting_sign_in, name="sign-in"),
    path("<int:pk>/attendance/", views.meeting_attendance, name="attendance"),
    path("<int:pk>/minutes/", views.meeting_minutes, name="minutes"),
    path("<int:pk>/decide/", views.meeting_decide, name="decide"),
    path("<int:pk>/close/", views.meeting_close, name="close"),
    path("<int:pk>/move/", views.meeting_move, name="move"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
]
