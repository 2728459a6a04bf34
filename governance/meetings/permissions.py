"""One access helper for meetings: the meeting and whether the caller sees it in full, or 404."""

from governance.http import get_or_404

from . import selectors
from .models import Meeting


def access_meeting(user, meeting_id) -> tuple[Meeting, bool]:
    meeting = get_or_404(
        selectors.meetings_visible(user).select_related("compound__community", "branch", "convenor", "series"), meeting_id
    )
    return meeting, selectors.sees_in_full(user, meeting)
