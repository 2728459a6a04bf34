"""What a refused call must leave untouched: the loop's tables, one issue's row, the media files."""

import os

from django.conf import settings

from governance.accounts.models import Notification
from governance.issues.models import DeadlineExtension, Issue, IssueEvent, IssuePhoto, IssueSupport, Summons


def media_files() -> list[str]:
    root = str(settings.MEDIA_ROOT)
    found = []
    for dirpath, _dirs, files in os.walk(root):
        found.extend(os.path.relpath(os.path.join(dirpath, f), root) for f in files)
    return sorted(found)


def tables() -> dict:
    return {
        "issues": list(Issue.objects.order_by("pk").values()),
        "photos": IssuePhoto.objects.count(),
        "events": IssueEvent.objects.count(),
        "supports": IssueSupport.objects.count(),
        "extensions": list(DeadlineExtension.objects.order_by("pk").values()),
        "summonses": list(Summons.objects.order_by("pk").values()),
        "notifications": Notification.objects.count(),
        "media": media_files(),
    }


def row(issue) -> dict:
    return Issue.objects.values().get(pk=issue.pk)
