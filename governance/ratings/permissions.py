"""One access helper per object kind of the ratings: the object, or 404 when not visible."""

from governance.http import get_or_404

from . import selectors
from .models import Campaign, Score, Subject


def access_campaign(user, campaign_id) -> Campaign:
    """Admins and officers who oversee the campaign."""
    return get_or_404(
        selectors.campaigns_overseen(user).select_related("subdistrict", "district", "project_template", "committee_template", "snapshot"),
        campaign_id,
    )


def access_subject(user, subject_id) -> Subject:
    return get_or_404(
        selectors.subjects_visible(user).select_related("campaign", "compound__community", "company", "committee", "inspector"),
        subject_id,
    )


def access_score(user, score_id) -> Score:
    return get_or_404(
        selectors.scores_visible(user).select_related(
            "snapshot__campaign", "subject__compound__community", "subject__company", "subject__committee", "subject__campaign"
        ),
        score_id,
    )
