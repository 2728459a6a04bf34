"""Reads of the yearly ratings, scoped to the caller.

- campaigns: the admins of their place (system, district, subdistrict) and the officers of the
  communities they cover see a campaign in full;
- subjects (and their scores): besides those, the rated party (the company's staff for its
  projects, the committee's seat holders), the compound's branch secretary and the subject's
  inspector; residents of the compound see the published result;
- scores are shown to the rated party and residents only once published;
- everyone else: the campaign, subject or score does not exist (404).
"""

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from committees.models import PropertyStaff, Seat
from compounds.scopes import scopes_for
from governance.accounts.roles import Role

from .models import Campaign, Phase, Scope, Score, Subject

PUBLISHED = (Phase.PUBLICATION, Phase.FINAL)
# A score of the snapshot its campaign publishes (not an earlier or abandoned run).
CURRENT = F("snapshot__campaign__snapshot")


def campaign_q(user, prefix: str = "") -> Q:
    """Campaigns the caller oversees (admins and officers of places they cover)."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    s = scopes_for(user)
    if s.system_admin:
        return Q()
    q = Q(pk__in=[])
    if s.districts:
        q |= Q(**{f"{prefix}district_id__in": s.districts})
    if s.subdistricts:
        q |= Q(**{f"{prefix}subdistrict_id__in": s.subdistricts})
        # A district campaign covers the subdistrict's compounds too.
        from compounds.models import Subdistrict

        districts = set(Subdistrict.objects.filter(pk__in=s.subdistricts).values_list("district_id", flat=True))
        q |= Q(**{f"{prefix}scope": Scope.DISTRICT, f"{prefix}district_id__in": districts})
    if s.communities:
        from compounds.models import Community

        rows = Community.objects.filter(pk__in=s.communities).values_list("subdistrict_id", "subdistrict__district_id")
        q |= Q(**{f"{prefix}subdistrict_id__in": {r[0] for r in rows}})
        q |= Q(**{f"{prefix}scope": Scope.DISTRICT, f"{prefix}district_id__in": {r[1] for r in rows}})
    return q


def campaigns_overseen(user) -> QuerySet[Campaign]:
    return Campaign.objects.filter(campaign_q(user))


def oversees(user, campaign: Campaign) -> bool:
    return campaigns_overseen(user).filter(pk=campaign.pk).exists()


def _staff_q(user, s) -> Q:
    """Subjects the caller oversees as admin or officer (their part of the campaign's scope)."""
    if s.system_admin:
        return Q()
    q = Q(pk__in=[])
    if s.districts:
        q |= Q(campaign__district_id__in=s.districts)
    if s.subdistricts:
        q |= Q(compound__community__subdistrict_id__in=s.subdistricts) & campaign_q(user, "campaign__")
    if s.communities:
        q |= Q(compound__community_id__in=s.communities) & campaign_q(user, "campaign__")
    return q


def subject_q(user, *, published_only_for_public: bool = True) -> Q:
    """Subjects the caller may see at all (the score page applies the publication rule)."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    s = scopes_for(user)
    q = _staff_q(user, s)
    if s.system_admin:
        return q
    q |= Q(inspector=user)
    q |= Exists(PropertyStaff.objects.filter(company_id=OuterRef("company_id"), user=user, ended_on__isnull=True))
    q |= Exists(Seat.objects.filter(committee_id=OuterRef("committee_id"), user=user, ended_on__isnull=True))
    secretary = s.compounds_with(Role.BRANCH_SECRETARY)
    if secretary:
        q |= Q(compound_id__in=secretary)
    if s.resident_compounds:
        q |= Q(compound_id__in=s.resident_compounds, campaign__phase__in=PUBLISHED)
    return q


def subjects_visible(user) -> QuerySet[Subject]:
    return Subject.objects.filter(subject_q(user))


def sees_unpublished(user, subject: Subject) -> bool:
    """Admins and officers see scores before publication; parties, secretaries, inspectors and
    residents only once published."""
    s = scopes_for(user)
    return s.system_admin or Subject.objects.filter(_staff_q(user, s), pk=subject.pk).exists()


def scores_visible(user) -> QuerySet[Score]:
    """Scores of the published snapshot of visible subjects (plus, for admins and officers, every
    snapshot of the campaigns they oversee)."""
    s = scopes_for(user)
    staff = Q(subject__in=Subject.objects.filter(_staff_q(user, s))) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    public = Q(
        subject__in=subjects_visible(user),
        snapshot__campaign__phase__in=PUBLISHED,
    ) & Q(snapshot_id=CURRENT)
    return Score.objects.filter(staff | public)


def published_for_compound(compound_id: int) -> QuerySet[Score]:
    """The latest published results rated at a compound (for its public page)."""
    return (
        Score.objects.filter(
            subject__compound_id=compound_id,
            snapshot__campaign__phase__in=PUBLISHED,
        )
        .filter(snapshot_id=CURRENT)
        .select_related("subject__company", "snapshot__campaign")
        .order_by("-snapshot__campaign__year", "subject__kind")
    )


def history_of_company(company_id: int) -> QuerySet[Score]:
    return (
        Score.objects.filter(subject__company_id=company_id, snapshot__campaign__phase__in=PUBLISHED)
        .filter(snapshot_id=CURRENT)
        .select_related("subject__compound", "snapshot__campaign")
        .order_by("snapshot__campaign__year", "subject__compound__name")
    )


def history_of_committees(compound_id: int) -> QuerySet[Score]:
    return (
        Score.objects.filter(subject__compound_id=compound_id, subject__kind="committee", snapshot__campaign__phase__in=PUBLISHED)
        .filter(snapshot_id=CURRENT)
        .select_related("snapshot__campaign")
        .order_by("snapshot__campaign__year")
    )
