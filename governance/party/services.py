"""Every write to the Party organisation: branches and the compounds they cover, committee
seats, members, groups, building leaders, responsibility zones, check-ins and posts.

Roles follow the records: membership grants ``party_member`` over each compound the branch
covers; a secretary's seat grants ``branch_secretary``, other seats ``branch_committee``.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from compounds.models import Building, Community, Compound, Household, RoleAssignment
from compounds.permissions import can_manage_compound
from compounds.services import role_grant, role_revoke
from governance.accounts.roles import Role
from governance.accounts.services import notification_send

from . import notifications as kinds
from .models import (
    BranchCoverage,
    BranchRole,
    BranchSeat,
    BuildingLeader,
    CheckInStatus,
    MemberCheckIn,
    PartyBranch,
    PartyGroup,
    PartyMember,
    PostClaim,
    ResponsibilityZone,
    ServicePost,
    ZoneHousehold,
)

CHECKIN_TERM_DAYS = 182  # "renewed every 6 months"
CHECKIN_REMIND_DAYS = 14


def _require_community(actor, community: Community) -> None:
    if actor is not None and not can_manage_compound(actor, Compound(community=community)):
        raise PermissionDenied


def _compounds(branch: PartyBranch) -> list[Compound]:
    return [c.compound for c in branch.coverage.select_related("compound")]


def _seat_role(seat_role: str) -> str:
    return Role.BRANCH_SECRETARY if seat_role == BranchRole.SECRETARY else Role.BRANCH_COMMITTEE


def _sync_roles(user, actor) -> None:
    """Make the user's party roles equal what their membership and seats imply, everywhere."""
    wanted: set[tuple[str, int]] = set()
    member = PartyMember.objects.filter(user=user, left_on__isnull=True).select_related("branch").first()
    if member is not None:
        compound_ids = list(member.branch.coverage.values_list("compound_id", flat=True))
        wanted |= {(Role.PARTY_MEMBER, c) for c in compound_ids}
        for seat in member.branch_seats.filter(ended_on__isnull=True):
            wanted |= {(_seat_role(seat.role), c) for c in compound_ids}
    party_roles = [Role.PARTY_MEMBER, Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE]
    held = {
        (a.role, a.compound_id): a
        for a in RoleAssignment.objects.filter(user=user, role__in=party_roles, ended_at__isnull=True)
    }
    for key, assignment in held.items():
        if key not in wanted:
            role_revoke(assignment=assignment, actor=actor)
    compounds = {c.pk: c for c in Compound.objects.filter(pk__in={c for _r, c in wanted - set(held)})}
    for role, compound_id in wanted - set(held):
        role_grant(user=user, role=role, scope=compounds[compound_id], actor=actor)


def _sync_branch(branch: PartyBranch, actor) -> None:
    for member in branch.members.filter(left_on__isnull=True).select_related("user"):
        _sync_roles(member.user, actor)


# --- Branches ---------------------------------------------------------------------------------


def _set_coverage(branch: PartyBranch, compounds) -> None:
    compounds = list(compounds)
    for compound in compounds:
        if compound.community_id != branch.community_id:
            raise ValidationError({"compounds": _("%(c)s is not in %(community)s.") % {"c": compound, "community": branch.community}})
    taken = BranchCoverage.objects.filter(compound__in=compounds).exclude(branch=branch).select_related("branch", "compound")
    if taken:
        first = taken[0]
        raise ValidationError(
            {"compounds": _("%(c)s is already covered by %(b)s.") % {"c": first.compound, "b": first.branch}}
        )
    left_with_zones = (
        ResponsibilityZone.objects.filter(branch=branch, ended_on__isnull=True)
        .exclude(compound__in=compounds).select_related("compound").first()
    )
    if left_with_zones is not None:
        # Its zones would go on routing issues to this branch's members from a compound it no
        # longer covers (and whose party roles were just revoked).
        raise ValidationError(
            {"compounds": _("End the zones in %(c)s before the branch stops covering it.") % {"c": left_with_zones.compound}}
        )
    BranchCoverage.objects.filter(branch=branch).exclude(compound__in=compounds).delete()
    have = set(BranchCoverage.objects.filter(branch=branch).values_list("compound_id", flat=True))
    try:
        with transaction.atomic():
            for compound in compounds:
                if compound.pk not in have:
                    BranchCoverage.objects.create(branch=branch, compound=compound)
    except IntegrityError:
        raise ValidationError({"compounds": _("A compound was just given to another branch; reload and retry.")}) from None


@transaction.atomic
def branch_create(*, actor, community: Community, name: str, kind: str, founded_on: date, compounds, grid=None) -> PartyBranch:
    _require_community(actor, community)
    branch = PartyBranch(community=community, name=name.strip(), kind=kind, founded_on=founded_on, grid=grid)
    branch.full_clean()
    branch.save()
    _set_coverage(branch, compounds)
    return branch


@transaction.atomic
def branch_update(*, actor, branch: PartyBranch, name: str, kind: str, founded_on: date, compounds, grid=None) -> PartyBranch:
    _require_community(actor, branch.community)
    branch.name, branch.kind, branch.founded_on, branch.grid = name.strip(), kind, founded_on, grid
    branch.full_clean()
    branch.save()
    _set_coverage(branch, compounds)
    _sync_branch(branch, actor)
    return branch


@transaction.atomic
def branch_dissolve(*, actor, branch: PartyBranch, on: date | None = None) -> PartyBranch:
    _require_community(actor, branch.community)
    if branch.dissolved_on:
        raise ValidationError(_("This branch has already been dissolved."))
    branch.dissolved_on = on or timezone.localdate()
    branch.save()
    for seat in branch.seats.filter(ended_on__isnull=True):
        seat.ended_on = branch.dissolved_on
        seat.save()
    for zone in branch.zones.filter(ended_on__isnull=True):
        zone_end(actor=actor, zone=zone)
    users = [m.user for m in branch.members.filter(left_on__isnull=True).select_related("user")]
    branch.members.filter(left_on__isnull=True).update(left_on=branch.dissolved_on)
    BranchCoverage.objects.filter(branch=branch).delete()
    for user in users:
        _sync_roles(user, actor)
    return branch


# --- Members and seats ------------------------------------------------------------------------


@transaction.atomic
def member_add(*, actor, branch: PartyBranch, user, kind: str, employer: str = "", employer_party_organisation: str = "") -> PartyMember:
    _require_community(actor, branch.community)
    member = PartyMember(
        branch=branch, user=user, kind=kind, employer=employer.strip(),
        employer_party_organisation=employer_party_organisation.strip(), joined_on=timezone.localdate(),
    )
    if kind == "in_service" and not member.employer:
        raise ValidationError({"employer": _("An in-service member reports from an employer: name it.")})
    member.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        raise ValidationError({"user": _("%(name)s is already registered with a branch.") % {"name": user.name}}) from None
    _sync_roles(user, actor)
    return member


@transaction.atomic
def member_update(*, actor, member: PartyMember, kind: str, employer: str = "", employer_party_organisation: str = "") -> PartyMember:
    _require_community(actor, member.branch.community)
    member.kind, member.employer, member.employer_party_organisation = kind, employer.strip(), employer_party_organisation.strip()
    if kind == "in_service" and not member.employer:
        raise ValidationError({"employer": _("An in-service member reports from an employer: name it.")})
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def member_leave(*, actor, member: PartyMember, on: date | None = None) -> PartyMember:
    _require_community(actor, member.branch.community)
    if member.left_on:
        raise ValidationError(_("This member has already left."))
    if member.zones.filter(ended_on__isnull=True).exists():
        raise ValidationError(_("Hand this member's responsibility zones to someone else first."))
    member.left_on = on or timezone.localdate()
    member.save()
    for seat in member.branch_seats.filter(ended_on__isnull=True):
        seat.ended_on = member.left_on
        seat.save()
    member.led_buildings.filter(ended_on__isnull=True).update(ended_on=member.left_on)
    _sync_roles(member.user, actor)
    return member


@transaction.atomic
def branch_seat_add(*, actor, branch: PartyBranch, member: PartyMember, role: str, term_start: date, term_end=None) -> BranchSeat:
    _require_community(actor, branch.community)
    if member.branch_id != branch.pk or member.left_on:
        raise ValidationError({"member": _("Only a current member of this branch can hold its seats.")})
    seat = BranchSeat(branch=branch, member=member, role=role, term_start=term_start, term_end=term_end)
    seat.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            seat.save()
    except IntegrityError:
        raise ValidationError(_("The branch already has a secretary, or this member already holds a seat.")) from None
    _sync_roles(member.user, actor)
    return seat


@transaction.atomic
def branch_seat_end(*, actor, seat: BranchSeat, on: date | None = None) -> BranchSeat:
    _require_community(actor, seat.branch.community)
    if seat.ended_on:
        raise ValidationError(_("This seat has already ended."))
    seat.ended_on = on or timezone.localdate()
    seat.save()
    _sync_roles(seat.member.user, actor)
    return seat


# --- Groups, building leaders, zones ----------------------------------------------------------


def _buildings_of_branch(branch: PartyBranch, buildings) -> list[Building]:
    covered = set(branch.coverage.values_list("compound_id", flat=True))
    buildings = list(buildings)
    for building in buildings:
        if building.compound_id not in covered:
            raise ValidationError({"buildings": _("%(b)s is not in a compound this branch covers.") % {"b": building}})
    return buildings


@transaction.atomic
def group_save(*, actor, branch: PartyBranch, name: str, buildings, leader: PartyMember | None = None, group: PartyGroup | None = None) -> PartyGroup:
    _require_community(actor, branch.community)
    if leader is not None and (leader.branch_id != branch.pk or leader.left_on):
        raise ValidationError({"leader": _("The group leader must be a current member of the branch.")})
    group = group or PartyGroup(branch=branch)
    group.name, group.leader = name.strip(), leader
    group.full_clean()
    group.save()
    group.buildings.set(_buildings_of_branch(branch, buildings))
    return group


@transaction.atomic
def building_leader_set(*, actor, building: Building, member: PartyMember, household: Household | None = None) -> BuildingLeader:
    _require_community(actor, building.compound.community)
    if member.left_on or not member.branch.coverage.filter(compound=building.compound).exists():
        raise ValidationError({"member": _("The building leader must be a current member of the branch covering the compound.")})
    if household is not None and household.building.compound_id != building.compound_id:
        raise ValidationError({"household": _("The member's household must be in the same compound.")})
    today = timezone.localdate()
    BuildingLeader.objects.filter(building=building, ended_on__isnull=True).update(ended_on=today)
    leader = BuildingLeader(building=building, member=member, household=household, started_on=today)
    leader.full_clean(validate_constraints=False)
    leader.save()
    return leader


def _zone_households(compound: Compound, buildings, households) -> list[Household]:
    ids = {h.pk for h in households}
    ids |= set(Household.objects.filter(building__in=list(buildings)).values_list("pk", flat=True))
    found = list(Household.objects.filter(pk__in=ids).select_related("building"))
    for household in found:
        if household.building.compound_id != compound.pk:
            raise ValidationError({"households": _("%(h)s is not in %(c)s.") % {"h": household, "c": compound}})
    return found


@transaction.atomic
def zone_save(
    *, actor, branch: PartyBranch, compound: Compound, member: PartyMember, name: str,
    buildings=(), households=(), zone: ResponsibilityZone | None = None,
) -> ResponsibilityZone:
    """Create or change a zone; a household already in another active zone is refused by name."""
    _require_community(actor, branch.community)
    if not branch.coverage.filter(compound=compound).exists():
        raise ValidationError({"compound": _("This branch does not cover %(c)s.") % {"c": compound}})
    if member.branch_id != branch.pk or member.left_on:
        raise ValidationError({"member": _("The zone's member must be a current member of the branch.")})
    wanted = _zone_households(compound, buildings, households)
    if not wanted:
        raise ValidationError({"households": _("Choose at least one building or household.")})
    zone = zone or ResponsibilityZone(branch=branch, compound=compound)
    if zone.ended_on:
        raise ValidationError(_("This zone has ended."))
    if zone.compound_id != compound.pk:
        # The households were checked against ``compound``; saving them into a zone of another
        # compound would let a zone cover households outside its own compound.
        raise ValidationError({"compound": _("A zone stays in its compound; end it and create one in %(c)s.") % {"c": compound}})
    zone.member, zone.name = member, name.strip()
    zone.full_clean()
    zone.save()
    clash = (
        ZoneHousehold.objects.filter(household__in=wanted).exclude(zone=zone).select_related("zone", "household__building")
    )
    if clash:
        sample = ", ".join(str(c.household) for c in clash[:5])
        raise ValidationError(
            {"households": _("Already in another zone (%(zone)s): %(households)s.") % {"zone": clash[0].zone, "households": sample}}
        )
    ZoneHousehold.objects.filter(zone=zone).exclude(household__in=wanted).delete()
    have = set(ZoneHousehold.objects.filter(zone=zone).values_list("household_id", flat=True))
    try:
        with transaction.atomic():
            ZoneHousehold.objects.bulk_create([ZoneHousehold(zone=zone, household=h) for h in wanted if h.pk not in have])
    except IntegrityError:
        raise ValidationError({"households": _("A household was just put into another zone; reload and retry.")}) from None
    _zones_changed()
    return zone


@transaction.atomic
def zone_end(*, actor, zone: ResponsibilityZone) -> ResponsibilityZone:
    _require_community(actor, zone.branch.community)
    if zone.ended_on:
        raise ValidationError(_("This zone has ended."))
    zone.ended_on = timezone.localdate()
    zone.save()
    ZoneHousehold.objects.filter(zone=zone).delete()
    _zones_changed()
    return zone


def _zones_changed() -> None:
    """Which zone covers a building is kept for filing (``issues.services.zone_for``) under the
    people's stamp. Saving the zone drops it already; dropped again here for the zone's households,
    which are written without a signal, so this holds whatever order the writes come in."""
    from governance.issues import generations

    generations.people_changed()


# --- In-service members: check-ins and posts -------------------------------------------------


def _claim_posts(member: PartyMember, community: Community, posts, note: str, today: date) -> None:
    for post in posts:
        if not PostClaim.objects.filter(member=member, post=post, released_on__isnull=True).exists():
            PostClaim.objects.create(member=member, post=post, community=community, note=note.strip(), claimed_on=today)


@transaction.atomic
def checkin_register(*, actor, member: PartyMember, community: Community, posts, note: str = "", today=None) -> MemberCheckIn:
    """An in-service member registers where they live, placed in their branch, with ≥ 1 post."""
    if actor is not None and actor.pk != member.user_id:
        _require_community(actor, community)
    if member.kind != "in_service":
        raise ValidationError(_("Only in-service members check in with their home community."))
    posts = [p for p in posts if p.active]
    if not posts:
        raise ValidationError({"posts": _("Claim at least one service post.")})
    if member.branch.community_id != community.pk:
        raise ValidationError({"community": _("The member's branch is in another community.")})
    today = today or timezone.localdate()
    checkin = MemberCheckIn(
        member=member, community=community, branch=member.branch, checked_in_on=today,
        expires_on=today + timedelta(days=CHECKIN_TERM_DAYS),
    )
    try:
        with transaction.atomic():
            checkin.save()
    except IntegrityError:
        raise ValidationError(_("This member is already checked in; renew the check-in instead.")) from None
    _claim_posts(member, community, posts, note, today)
    return checkin


@transaction.atomic
def checkin_renew(*, actor, checkin: MemberCheckIn, today=None) -> MemberCheckIn:
    if actor is not None and actor.pk != checkin.member.user_id:
        _require_community(actor, checkin.community)
    today = today or timezone.localdate()
    if not MemberCheckIn.objects.filter(pk=checkin.pk, status__in=[CheckInStatus.ACTIVE, CheckInStatus.LAPSED]).update(
        status=CheckInStatus.RENEWED
    ):
        raise ValidationError(_("This check-in has already been renewed or ended."))
    if not checkin.member.post_claims.filter(released_on__isnull=True).exists():
        raise ValidationError({"posts": _("Claim at least one service post before renewing.")})
    # Renewed early, the new term runs on from the old expiry; lapsed, it starts today.
    expires_from = max(today, checkin.expires_on) if checkin.status == CheckInStatus.ACTIVE else today
    return MemberCheckIn.objects.create(
        member=checkin.member, community=checkin.community, branch=checkin.member.branch,
        checked_in_on=today, expires_on=expires_from + timedelta(days=CHECKIN_TERM_DAYS), previous=checkin,
    )


@transaction.atomic
def post_claim(*, actor, member: PartyMember, post: ServicePost, note: str = "") -> PostClaim:
    if actor is not None and actor.pk != member.user_id:
        _require_community(actor, member.branch.community)
    if not post.active:
        raise ValidationError({"post": _("This post is no longer offered.")})
    try:
        with transaction.atomic():
            return PostClaim.objects.create(
                member=member, post=post, community=member.branch.community, note=note.strip(), claimed_on=timezone.localdate()
            )
    except IntegrityError:
        raise ValidationError(_("You have already claimed this post.")) from None


@transaction.atomic
def post_release(*, actor, claim: PostClaim) -> PostClaim:
    if actor is not None and actor.pk != claim.member.user_id:
        _require_community(actor, claim.community)
    if claim.released_on:
        raise ValidationError(_("This post has already been released."))
    if MemberCheckIn.objects.filter(member=claim.member, status=CheckInStatus.ACTIVE).exists() and (
        claim.member.post_claims.filter(released_on__isnull=True).count() <= 1
    ):
        raise ValidationError(_("A checked-in member keeps at least one post; claim another first."))
    claim.released_on = timezone.localdate()
    claim.save()
    return claim


def checkins_scan(*, today: date | None = None) -> dict:
    """Remind members 14 days before their check-in expires and mark expired ones lapsed.

    Both steps are compare-and-set updates (``reminded_at`` null → now; status active → lapsed),
    so a repeated or concurrent run reminds and lapses each check-in once.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    reminded = lapsed = 0
    due = MemberCheckIn.objects.filter(
        status=CheckInStatus.ACTIVE, reminded_at__isnull=True,
        expires_on__lte=today + timedelta(days=CHECKIN_REMIND_DAYS), expires_on__gt=today,
    ).select_related("member__user", "community")
    for checkin in due:
        with transaction.atomic():
            if MemberCheckIn.objects.filter(pk=checkin.pk, reminded_at__isnull=True).update(reminded_at=now):
                notification_send(
                    user=checkin.member.user,
                    kind=kinds.CHECKIN_EXPIRING,
                    params={"community": str(checkin.community), "date": checkin.expires_on.isoformat()},
                    url=reverse("party:my-checkin"),
                )
                reminded += 1
    for checkin in MemberCheckIn.objects.filter(status=CheckInStatus.ACTIVE, expires_on__lte=today).select_related(
        "member__user", "community"
    ):
        with transaction.atomic():
            if MemberCheckIn.objects.filter(pk=checkin.pk, status=CheckInStatus.ACTIVE).update(status=CheckInStatus.LAPSED):
                notification_send(
                    user=checkin.member.user,
                    kind=kinds.CHECKIN_LAPSED,
                    params={"community": str(checkin.community)},
                    url=reverse("party:my-checkin"),
                )
                lapsed += 1
    return {"reminded": reminded, "lapsed": lapsed}
