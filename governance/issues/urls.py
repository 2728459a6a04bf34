from django.urls import path

from . import views

app_name = "issues"

urlpatterns = [
    path("new/", views.issue_new, name="new"),
    path("new/on-behalf/", views.issue_new_on_behalf, name="new-on-behalf"),
    path("similar/", views.similar, name="similar"),
    path("mine/", views.my_issues, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("queue/dispatch/", views.queue_dispatch, name="queue-dispatch"),
    path("compound/<int:pk>/", views.board, name="board"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("<int:pk>/", views.issue_detail, name="detail"),
    path("<int:pk>/support/", views.support, name="support"),
    # One POST route per action, each calling its service (views.ACTION_ORDER).
    *[
        path(f"<int:pk>/{slug}/", views.issue_action, {"action": action}, name=slug)
        for action, slug in views.ACTION_URL.items()
    ],
]
