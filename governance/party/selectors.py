"""Reads of the Party organisation, scoped to the caller and filtered in SQL."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import CharField, Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from compounds.models import Household
from compounds.scopes import scopes_for
from compounds.selectors import _subcount

from .models import (
    BranchCoverage,
    BranchRole,
    BranchSeat,
    CheckInStatus,
    MemberCheckIn,
    PartyBranch,
    PartyGroup,
    PartyMember,
    PostClaim,
    ResponsibilityZone,
    ZoneHousehold,
)
from .services import CHECKIN_REMIND_DAYS


def branches_managed(user) -> QuerySet[PartyBranch]:
    if not getattr(user, "is_authenticated", False):
        return PartyBranch.objects.none()
    scopes = scopes_for(user)
    if not scopes.is_staff:
        return PartyBranch.objects.none()
    return PartyBranch.objects.filter(scopes.community_q("community__")).select_related("community")


def branches_with_figures(qs: QuerySet[PartyBranch]) -> QuerySet[PartyBranch]:
    """Members, zones, households (covered by the branch / by its zones) and the secretary's
    name per branch, plus the compounds covered: two queries whatever the number of rows."""
    secretary = BranchSeat.objects.filter(
        branch=OuterRef("pk"), role=BranchRole.SECRETARY, ended_on__isnull=True
    ).values("member__user__display_name")[:1]
    return qs.annotate(
        n_members=_subcount(PartyMember, "branch", Q(left_on__isnull=True)),
        n_zones=_subcount(ResponsibilityZone, "branch", Q(ended_on__isnull=True)),
        n_households=_subcount(Household, "building__compound__party_coverage__branch"),
        n_zoned=_subcount(ZoneHousehold, "zone__branch"),
        secretary_name=Subquery(secretary, output_field=CharField()),
    ).prefetch_related(Prefetch("coverage", queryset=BranchCoverage.objects.select_related("compound").order_by("compound__name")))


def members_managed(user) -> QuerySet[PartyMember]:
    return PartyMember.objects.filter(branch__in=branches_managed(user)).select_related("user", "branch")


def groups_managed(user) -> QuerySet[PartyGroup]:
    return PartyGroup.objects.filter(branch__in=branches_managed(user)).select_related("branch", "leader__user")


def zones_managed(user) -> QuerySet[ResponsibilityZone]:
    return ResponsibilityZone.objects.filter(branch__in=branches_managed(user)).select_related(
        "branch", "compound", "member__user"
    )


def checkins_managed(user) -> QuerySet[MemberCheckIn]:
    return MemberCheckIn.objects.filter(branch__in=branches_managed(user)).select_related(
        "member__user", "community", "branch"
    )


CHECKIN_STATES = ("active", "expiring", "lapsed")


def checkins_in_state(qs: QuerySet[MemberCheckIn], state: str, today: date | None = None) -> QuerySet[MemberCheckIn]:
    today = today or timezone.localdate()
    soon = today + timedelta(days=CHECKIN_REMIND_DAYS)
    if state == "active":
        return qs.filter(status=CheckInStatus.ACTIVE, expires_on__gt=soon)
    if state == "expiring":
        return qs.filter(status=CheckInStatus.ACTIVE, expires_on__lte=soon)
    if state == "lapsed":
        return qs.filter(status=CheckInStatus.LAPSED)
    return qs.filter(status__in=[CheckInStatus.ACTIVE, CheckInStatus.LAPSED])


def checkin_counts(qs: QuerySet[MemberCheckIn], today: date | None = None) -> dict:
    today = today or timezone.localdate()
    soon = today + timedelta(days=CHECKIN_REMIND_DAYS)
    return qs.aggregate(
        active=Count("pk", filter=Q(status=CheckInStatus.ACTIVE, expires_on__gt=soon)),
        expiring=Count("pk", filter=Q(status=CheckInStatus.ACTIVE, expires_on__lte=soon)),
        lapsed=Count("pk", filter=Q(status=CheckInStatus.LAPSED)),
    )


def membership_of(user) -> PartyMember | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        PartyMember.objects.filter(user=user, left_on__isnull=True)
        .select_related("branch__community", "user")
        .first()
    )


def current_checkin(member: PartyMember) -> MemberCheckIn | None:
    return (
        member.checkins.filter(status__in=[CheckInStatus.ACTIVE, CheckInStatus.LAPSED])
        .select_related("community")
        .order_by("-checked_in_on", "-pk")
        .first()
    )


def claims_of(member: PartyMember) -> QuerySet[PostClaim]:
    return member.post_claims.filter(released_on__isnull=True).select_related("post").order_by("post__position")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        """``2026Q4`` → Quarter(2026, 4); ValueError otherwise."""
        year, sep, number = text.strip().upper().partition("Q")
        if not sep or not year.isdigit() or number not in {"1", "2", "3", "4"}:
            raise ValueError(text)
        return cls(int(year), int(number))

    @classmethod
    def of(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        if self.number == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.number + 1, 1) - timedelta(days=1)

    def __str__(self):
        return f"{self.year}Q{self.number}"


def member_record(member: PartyMember, quarter: Quarter) -> dict:
    """The posts held and check-ins valid at any time during the quarter."""
    claims = (
        member.post_claims.filter(claimed_on__lte=quarter.end)
        .filter(Q(released_on__isnull=True) | Q(released_on__gte=quarter.start))
        .select_related("post", "community")
        .order_by("claimed_on", "pk")
    )
    checkins = (
        member.checkins.filter(checked_in_on__lte=quarter.end, expires_on__gte=quarter.start)
        .select_related("community", "branch")
        .order_by("checked_in_on", "pk")
    )
    return {"claims": list(claims), "checkins": list(checkins)}
