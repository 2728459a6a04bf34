"""Every write of the issue loop: filing, routing, dispatch, claim, resolution, rating, reopening,
escalation, summons, extensions, comments and "me too".

State changes go through ``_transition``: it checks the action against ``states.TRANSITIONS`` and
moves the row with one compare-and-set UPDATE on (state, version), so of two people acting at once
exactly one wins and the other gets ``IllegalTransition`` (409 in the API). Each change is an event
on the timeline. Notifications are rows written in the same transaction; their e-mails leave after
commit (``notification_send``).
"""

import functools
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.models import BodyKind, Committee, ContractStatus, PropertyContract
from compounds.models import Building, Community, Compound, Household, RoleAssignment
from governance.accounts.roles import Role
from governance.accounts.services import notification_send, notifications_send
from governance.compiled import Compiled, CompiledInsert, first_of
from governance.party.models import BranchCoverage, PartyMember, ResponsibilityZone, ZoneHousehold

from . import generations, permissions
from . import notifications as kinds
from .images import clean_image
from .models import (
    DESCRIPTION_MAX,
    PHOTOS_MAX,
    Category,
    Channel,
    ContactPreference,
    DeadlineExtension,
    ExtensionStatus,
    HandlerKind,
    Issue,
    IssueEvent,
    IssueKind,
    IssuePhoto,
    IssuePolicy,
    IssueSupport,
    Level,
    PhotoStage,
    Rating,
    Summons,
)
from .states import OPEN_STATES, TRANSITIONS, Action, IllegalTransition, State

__all__ = ["IllegalTransition"]


# --- helpers ----------------------------------------------------------------------------------


def _now():
    return timezone.now()


def _url(issue: Issue) -> str:
    return reverse("issues:detail", args=[issue.pk])


def _params(issue: Issue, **extra) -> dict:
    return {"ref": issue.reference, "compound": issue.compound.name, **extra}


def _users_with(roles, **scope):
    return (
        RoleAssignment.objects.filter(role__in=roles, ended_at__isnull=True, **scope)
        .select_related("user")
        .order_by("user_id", "pk")
    )


# Who stands behind each handler kind (for notifications): the roles, and the issue's field that
# scopes them.
_PEOPLE_ROLES = {
    HandlerKind.PROPERTY: ((Role.PROPERTY_STAFF,), "compound_id"),
    HandlerKind.COMMITTEE: ((Role.COMMITTEE_MEMBER,), "compound_id"),
    HandlerKind.BRANCH: ((Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE), "compound_id"),
    HandlerKind.COMMUNITY: ((Role.COMMUNITY_OFFICER,), "community_id"),
    HandlerKind.SUBDISTRICT: ((Role.SUBDISTRICT_ADMIN,), "subdistrict_id"),
    HandlerKind.DEPARTMENT: ((Role.DEPARTMENT_RESPONDER,), "handler_department_id"),
}


@functools.cache
def _people_query(kind: str) -> Compiled:
    """The role assignments of the people behind ``kind``, taking (its roles, the scope's id, and
    for the property company the company's id), in the order the SQL takes them: every filing and
    most transitions read it."""
    roles, field = _PEOPLE_ROLES[kind]
    scope = "department_id" if field == "handler_department_id" else field

    def build(*values):
        assignments = _users_with(values[: len(roles)], **{scope: values[len(roles)]})
        if kind == HandlerKind.PROPERTY:
            # Only the staff of the company the issue is with (not a successor at the compound).
            assignments = assignments.filter(user__property_jobs__company_id=values[-1], user__property_jobs__ended_on__isnull=True)
        return assignments

    company = (-2,) if kind == HandlerKind.PROPERTY else ()
    return Compiled(build, *(f"role {i}" for i in range(len(roles))), -1, *company)


def _people(issue: Issue, handler_kind: str | None = None) -> list:
    """The people behind a handler kind at the issue's compound (for notifications): one query."""
    kind = handler_kind or issue.handler_kind
    if kind == HandlerKind.MEMBER and issue.handler_member_id:
        return [issue.handler_member.user]
    if kind not in _PEOPLE_ROLES:
        return []
    roles, field = _PEOPLE_ROLES[kind]
    company = (issue.handler_company_id,) if kind == HandlerKind.PROPERTY else ()
    values = (*roles, getattr(issue, field), *company)
    query = _people_query(kind)
    # A missing id (no department yet) asks IS NULL, which compiled SQL cannot: the ORM asks it.
    assignments = list(query.build(*values)) if None in values else query.objects(*values)
    return list({assignment.user_id: assignment.user for assignment in assignments}.values())


def _dispatchers(issue: Issue) -> list:
    """Whoever dispatches at the issue's level: the branch, else the community; the subdistrict."""
    if issue.level >= Level.SUBDISTRICT:
        return _people(issue, HandlerKind.SUBDISTRICT)
    if issue.level >= Level.COMMUNITY or issue.branch_id is None:
        return _people(issue, HandlerKind.COMMUNITY)
    return _people(issue, HandlerKind.BRANCH) or _people(issue, HandlerKind.COMMUNITY)


def _notify(users, kind: str, issue: Issue, *, skip=None, **params) -> None:
    skip_pk = getattr(skip, "pk", None)
    users = [user for user in users if skip_pk is None or user.pk != skip_pk]
    if users:
        notifications_send(users=users, kind=kind, params=_params(issue, **params), url=_url(issue))


def _tell_reporter(issue: Issue, action: str, actor=None) -> None:
    if issue.reporter_id and issue.reporter_id != getattr(actor, "pk", None):
        _notify([issue.reporter], kinds.ISSUE_UPDATE, issue, action=action)


def _fmt(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def _escalation_due(issue: Issue, policy: IssuePolicy | None = None):
    """When the escalation job must next look at the issue (None: nothing can become overdue).
    The policy is read only for the states it times (returned, escalated)."""
    state = issue.state
    if state in (State.SUBMITTED, State.DISPATCHED, State.REOPENED):
        return issue.response_due
    if state == State.IN_PROGRESS:
        return issue.resolution_due
    if state == State.RETURNED:
        policy = policy or IssuePolicy.current()
        return (issue.updated_at or _now()) + timedelta(hours=policy.escalation_hours)
    if state == State.ESCALATED and issue.level < Level.SUBDISTRICT:
        policy = policy or IssuePolicy.current()
        return issue.escalated_at + timedelta(hours=policy.escalation_hours)
    return None


def _record(issue, action, *, actor, from_state="", to_state="", note="", public=True, data=None, at=None):
    event = _event(issue, action, actor=actor, from_state=from_state, to_state=to_state, note=note, public=public, data=data, at=at)
    event.save()
    return event


def _event(issue, action, *, actor, from_state="", to_state="", note="", public=True, data=None, at=None) -> IssueEvent:
    """A timeline event, not yet saved."""
    return IssueEvent(
        issue=issue,
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=at or _now(),
        from_state=from_state,
        to_state=to_state,
        note=note,
        public=public,
        data=data or {},
    )


# Actions after which a pending request for more time has nothing left to extend.
_ENDS_EXTENSIONS = {
    Action.DISPATCH, Action.SUMMON, Action.RESOLVE, Action.MEETING_RESOLVE, Action.RETURN, Action.CANCEL, Action.MERGE, Action.REOPEN,
}


def _transition(issue: Issue, action: str, *, actor, note="", public=True, data=None, now=None, **fields) -> IssueEvent:
    sources, target = TRANSITIONS[action]
    if issue.state not in sources:
        raise IllegalTransition(action, issue.state)
    now = now or _now()
    seen_state, seen_version = issue.state, issue.version
    for name, value in fields.items():
        setattr(issue, name, value)
    issue.state = target
    issue.updated_at = now
    issue.version = seen_version + 1
    issue.escalation_due = _escalation_due(issue)
    changed = {**fields, "state": target, "updated_at": now, "version": issue.version, "escalation_due": issue.escalation_due}
    # Compare-and-set: only if nobody moved the issue since we read it.
    updated = Issue.objects.filter(pk=issue.pk, state=seen_state, version=seen_version).update(**changed)
    if not updated:
        issue.refresh_from_db()
        raise IllegalTransition(action, issue.state)
    if action in _ENDS_EXTENSIONS:
        DeadlineExtension.objects.filter(issue=issue, status=ExtensionStatus.PENDING).update(
            status=ExtensionStatus.WITHDRAWN, decided_at=now
        )
    return _record(issue, action, actor=actor, from_state=seen_state, to_state=target, note=note, public=public, data=data, at=now)


def _save_photos(issue: Issue, photos, *, stage: str, actor, event=None) -> None:
    for cleaned in photos:
        IssuePhoto.objects.create(
            issue=issue, event=event, stage=stage, image=cleaned, uploaded_by=actor if actor and actor.is_authenticated else None
        )


def clean_photos(photos) -> list:
    """Check and re-encode uploads before anything is written (so a bad photo stores nothing)."""
    photos = [p for p in (photos or []) if p]
    if len(photos) > PHOTOS_MAX:
        raise ValidationError({"photos": _("At most %(n)s photos.") % {"n": PHOTOS_MAX}})
    cleaned, errors = [], []
    for photo in photos:
        try:
            cleaned.append(clean_image(photo))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"photos": errors})
    return cleaned


# --- routing ----------------------------------------------------------------------------------


# Routing's reads, compiled once (``governance.compiled``): every filing makes them.
_HOUSEHOLD_ZONE = Compiled(
    lambda household_id: first_of(
        ZoneHousehold.objects.filter(household_id=household_id, zone__ended_on__isnull=True).select_related("zone__member__user")
    ),
    -1,
)
_ACTIVE_ZONE = Compiled(
    lambda pk: first_of(ResponsibilityZone.objects.filter(ended_on__isnull=True, pk=pk).select_related("member__user")), -1
)
_ACTIVE_CONTRACT = Compiled(
    lambda compound_id, status: first_of(
        PropertyContract.objects.filter(compound_id=compound_id, status=status).select_related("company")
    ),
    -1,
    "status",
)
_COVERAGE = Compiled(
    lambda compound_id: first_of(BranchCoverage.objects.filter(compound_id=compound_id).select_related("branch")), -1
)


# A filing's three inserts (the issue, its events, the notifications: ``notifications_send``),
# compiled once and prepared: Django's insert path built each one's SQL every time (issue, full
# city: 0.70 ms through save(), 0.41 ms prepared; two events 0.48 -> 0.30 ms).
_NEW_ISSUE = CompiledInsert(Issue)
_NEW_EVENTS = CompiledInsert(IssueEvent)


def zone_for(*, household: Household | None, building: Building | None) -> ResponsibilityZone | None:
    """The active zone covering the location: the household's zone, or for a building the zone
    covering most of its households (ties: the oldest zone); with the zone's member and their user
    (whom routing hands the issue to and notifies)."""
    if household is not None:
        row = _HOUSEHOLD_ZONE.first(household.pk)
        return row.zone if row else None
    if building is None:
        return None
    # Which zone that is takes counting the building's households (hundreds in a tower block: ~4 ms
    # on the city-scale dataset), so the answer is kept under the stamp of the people and places,
    # which saving or ending a zone drops (its households are written in the same transaction).
    kept = generations.cached("building-zone", [generations.PEOPLE], [building.pk], lambda: _building_zone_id(building))
    zone = _ACTIVE_ZONE.first(kept) if kept else None
    if kept and zone is None:  # ended since: count again
        kept = _building_zone_id(building)
        zone = _ACTIVE_ZONE.first(kept) if kept else None
    return zone


def _building_zone_id(building: Building) -> int:
    """The id of the active zone covering most of the building's households (0: none)."""
    row = (
        ZoneHousehold.objects.filter(household__building=building, zone__ended_on__isnull=True)
        .values("zone_id")
        .annotate(n=Count("id"))
        .order_by("-n", "zone_id")
        .first()
    )
    return row["zone_id"] if row else 0


def _active_member(zone: ResponsibilityZone | None) -> PartyMember | None:
    if zone is None or zone.member.left_on is not None:
        return None
    return zone.member


def _contract(compound: Compound) -> PropertyContract | None:
    return _ACTIVE_CONTRACT.first(compound.pk, ContractStatus.ACTIVE.value)


def _committee(compound: Compound, today=None) -> Committee | None:
    today = today or timezone.localdate()
    return (
        Committee.objects.filter(
            compound=compound,
            kind__in=[BodyKind.OWNERS_COMMITTEE, BodyKind.INTERIM_COMMITTEE],
            dissolved_on__isnull=True,
            term_start__lte=today,
            term_end__gt=today,
        )
        .order_by("kind")
        .first()
    )


def _route(issue: Issue) -> None:
    """Set the first handler from the category: the property company or committee if the compound
    has one, else (and for "branch") the member of the zone covering the location, else the branch
    itself, else (no branch) the community. A concrete handler gets it dispatched at once."""
    wanted = issue.category.default_handler
    issue.handler_member = issue.handler_company = issue.handler_committee = None
    if wanted == HandlerKind.PROPERTY and (contract := _contract(issue.compound)):
        issue.handler_kind, issue.handler_company = HandlerKind.PROPERTY, contract.company
    elif wanted == HandlerKind.COMMITTEE and (committee := _committee(issue.compound)):
        issue.handler_kind, issue.handler_committee = HandlerKind.COMMITTEE, committee
    elif wanted == HandlerKind.COMMUNITY:
        issue.handler_kind = HandlerKind.COMMUNITY
    elif member := _active_member(issue.zone):
        issue.handler_kind, issue.handler_member = HandlerKind.MEMBER, member
    elif issue.branch_id:
        issue.handler_kind = HandlerKind.BRANCH
    else:
        issue.handler_kind = HandlerKind.COMMUNITY
    concrete = issue.handler_kind in (HandlerKind.MEMBER, HandlerKind.PROPERTY, HandlerKind.COMMITTEE, HandlerKind.COMMUNITY)
    issue.state = State.DISPATCHED if concrete else State.SUBMITTED
    issue.dispatched_at = issue.created_at if concrete else None


# --- filing -----------------------------------------------------------------------------------


def _check_location(*, compound: Compound, building, household, common_area: str, own_households=None) -> dict:
    errors = {}
    if household is not None:
        if household.building.compound_id != compound.pk:
            errors["household"] = _("This household is not in %(compound)s.") % {"compound": compound.name}
        elif own_households is not None and household.pk not in own_households:
            errors["household"] = _("You can name your own household only; choose the building or a common area.")
        elif building is not None and household.building_id != building.pk:
            errors["household"] = _("This household is not in the building you chose.")
    if building is not None and building.compound_id != compound.pk:
        errors["building"] = _("This building is not in %(compound)s.") % {"compound": compound.name}
    if household is None and building is None and not common_area.strip():
        errors["common_area"] = _("Say where: a building, your household, or a common area.")
    return errors


@transaction.atomic
def issue_file(
    *,
    actor,
    compound: Compound,
    category: Category,
    description: str,
    kind: str = IssueKind.SNAPSHOT,
    building: Building | None = None,
    household: Household | None = None,
    common_area: str = "",
    anonymous: bool = False,
    private: bool | None = None,
    contact_preference: str = ContactPreference.IN_APP,
    photos=(),
    reporter=None,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    channel: str = Channel.WEB,
    latitude=None,
    longitude=None,
    client=None,
    now=None,
) -> Issue:
    """File an issue. A resident files for a compound they live in; staff, branch and members of
    the compound may file on behalf of a resident who phoned or came by (``reporter`` or a name
    and phone), and Open311 clients file with ``client`` set and no actor."""
    now = now or _now()
    # On behalf: staff, the branch or a member files what a resident phoned in or came to say.
    on_behalf = channel in (Channel.PHONE, Channel.VISIT)
    if client is None:
        if actor is None or not actor.is_authenticated:
            raise PermissionDenied
        if on_behalf:
            if not permissions.can_file_on_behalf(actor, compound):
                raise PermissionDenied
        else:
            if compound.pk not in permissions.scopes_for(actor).resident_compounds:
                raise PermissionDenied
            reporter = actor
    errors = {}
    if not category.active:
        errors["category"] = _("This category is no longer in use.")
    description = (description or "").strip()
    if not description:
        errors["description"] = _("Describe the problem.")
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = _("At most %(n)s characters (you wrote %(m)s).") % {"n": DESCRIPTION_MAX, "m": len(description)}
    if kind not in IssueKind.values:
        errors["kind"] = _("Unknown kind of issue.")
    if contact_preference not in ContactPreference.values:
        errors["contact_preference"] = _("Unknown contact preference.")
    own = None
    if household is not None and reporter is not None and not on_behalf and client is None:
        own = set(
            Household.objects.filter(
                residencies__user=reporter, residencies__status="verified", building__compound=compound
            ).values_list("pk", flat=True)
        )
    if household is not None and building is None:
        building = household.building
    errors.update(
        _check_location(compound=compound, building=building, household=household, common_area=common_area, own_households=own)
    )
    if on_behalf and reporter is None and not (reporter_name.strip() or reporter_phone.strip()):
        errors["reporter_name"] = _("Name the resident you are filing for, or give their phone number.")
    if errors:
        raise ValidationError(errors)
    cleaned = clean_photos(photos)

    if not (Compound.community.is_cached(compound) and Community.subdistrict.is_cached(compound.community)):
        compound = Compound.objects.select_related("community__subdistrict").get(pk=compound.pk)
    coverage = _COVERAGE.first(compound.pk)
    zone = zone_for(household=household, building=building)
    issue = Issue(
        compound=compound,
        community=compound.community,
        subdistrict=compound.community.subdistrict,
        building=building,
        household=household,
        common_area=common_area.strip(),
        latitude=latitude,
        longitude=longitude,
        zone=zone,
        kind=kind,
        category=category,
        description=description,
        reporter=reporter,
        reporter_name=reporter_name.strip(),
        reporter_phone=reporter_phone.strip(),
        reporter_email=reporter_email.strip(),
        filed_by=actor if on_behalf else None,
        channel=channel,
        client=client,
        anonymous=anonymous,
        private=category.private_by_default if private is None else private,
        contact_preference=contact_preference,
        branch=coverage.branch if coverage and coverage.branch.dissolved_on is None else None,
        created_at=now,
        response_due=now + timedelta(hours=category.response_hours),
        resolution_due=now + timedelta(hours=category.resolution_hours),
    )
    _route(issue)
    issue.updated_at = now
    issue.escalation_due = _escalation_due(issue)
    # Field checks (choices, lengths) only: every related row was loaded and checked above, so
    # re-selecting each foreign key (8 queries) and re-running the check constraints in Python
    # (3 more) would only repeat what the database enforces on INSERT anyway.
    issue.full_clean(exclude=[f.name for f in Issue._meta.concrete_fields if f.is_relation], validate_constraints=False)
    _NEW_ISSUE.create([issue], signals=True)  # as issue.save() (its signals drop the kept pages)
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    events = [
        _event(issue, Action.FILE, actor=actor_user, to_state=State.SUBMITTED, at=now, data={"channel": channel, "on_behalf": on_behalf})
    ]
    if issue.state == State.DISPATCHED:
        events.append(
            _event(
                issue,
                Action.ROUTE,
                actor=None,
                from_state=State.SUBMITTED,
                to_state=State.DISPATCHED,
                at=now,
                data={"handler_kind": issue.handler_kind, "handler": issue.handler_label},
            )
        )
    _NEW_EVENTS.create(events)
    _save_photos(issue, cleaned, stage=PhotoStage.FILED, actor=actor_user, event=events[0])
    if issue.state == State.DISPATCHED:
        _notify(_people(issue), kinds.ISSUE_ASSIGNED, issue, skip=actor_user, due=_fmt(issue.response_due))
    else:
        _notify(_dispatchers(issue), kinds.ISSUE_TO_DISPATCH, issue, skip=actor_user, action=Action.FILE)
    return issue


# --- the handler's side -----------------------------------------------------------------------


def dispatch_targets(issue: Issue) -> dict:
    """Who the issue can be dispatched to: the branch's active members, the contracted company,
    the owners' committee, the community."""
    members = []
    if issue.branch_id:
        members = list(
            PartyMember.objects.filter(branch_id=issue.branch_id, left_on__isnull=True)
            .select_related("user")
            .order_by("user__display_name", "pk")
        )
    contract = _contract(issue.compound)
    return {
        "members": members,
        "company": contract.company if contract else None,
        "committee": _committee(issue.compound),
    }


def _end_summons(issue: Issue, now) -> None:
    Summons.objects.filter(issue=issue, ended_at__isnull=True).update(ended_at=now)


@transaction.atomic
def issue_dispatch(*, actor, issue: Issue, to: str, member: PartyMember | None = None, note: str = "", now=None) -> Issue:
    """Hand the issue to a member, the property company, the owners' committee or the community."""
    if not permissions.can_dispatch(actor, issue):
        raise PermissionDenied
    now = now or _now()
    targets = dispatch_targets(issue)
    fields = {"handler_member": None, "handler_company": None, "handler_committee": None, "handler_department": None}
    if to == HandlerKind.MEMBER:
        if member is None or member.pk not in {m.pk for m in targets["members"]}:
            raise ValidationError({"member": _("Choose an active member of the compound's branch.")})
        fields["handler_member"] = member
    elif to == HandlerKind.PROPERTY:
        if targets["company"] is None:
            raise ValidationError({"to": _("The compound has no property company under contract.")})
        fields["handler_company"] = targets["company"]
    elif to == HandlerKind.COMMITTEE:
        if targets["committee"] is None:
            raise ValidationError({"to": _("The compound has no owners' committee in office.")})
        fields["handler_committee"] = targets["committee"]
    elif to != HandlerKind.COMMUNITY:
        raise ValidationError({"to": _("Choose who handles the issue.")})
    category = issue.category
    response_window = timedelta(hours=category.response_hours)
    if issue.state == State.SUBMITTED:
        # The first dispatch keeps the resolution clock that started at filing, but the handler
        # gets its full response window: a slow dispatch is the dispatcher's delay, not theirs.
        fields["response_due"] = max(issue.response_due, now + response_window)
        fields["resolution_due"] = max(issue.resolution_due, fields["response_due"])
    else:
        fields["response_due"] = now + response_window
        fields["resolution_due"] = now + timedelta(hours=category.resolution_hours)
    if issue.handler_kind == HandlerKind.DEPARTMENT:
        _end_summons(issue, now)
    event = _transition(
        issue,
        Action.DISPATCH,
        actor=actor,
        note=note,
        now=now,
        handler_kind=to,
        holder=None,
        acknowledged_at=None,
        dispatched_at=now,
        data={"handler_kind": to},
        **fields,
    )
    event.data["handler"] = issue.handler_label
    event.save(update_fields=["data"])
    _notify(_people(issue), kinds.ISSUE_ASSIGNED, issue, skip=actor, due=_fmt(issue.response_due))
    _tell_reporter(issue, Action.DISPATCH, actor)
    return issue


def issues_dispatch_many(*, actor, issues, to: str, note: str = "", now=None) -> dict:
    """Dispatch several issues to the same kind of handler (the desk's bulk action). Each issue is
    its own transaction: those that cannot go (wrong state, no contract, not the caller's to
    dispatch) are reported with the reason and the rest go."""
    dispatched, refused = [], []
    for issue in issues:
        try:
            issue_dispatch(actor=actor, issue=issue, to=to, note=note, now=now)
            dispatched.append(issue)
        except IllegalTransition as exc:
            refused.append((issue, exc.message))
        except PermissionDenied:
            refused.append((issue, _("You cannot dispatch this issue.")))
        except ValidationError as exc:
            refused.append((issue, " ".join(exc.messages)))
    return {"dispatched": dispatched, "refused": refused}


@transaction.atomic
def issue_acknowledge(*, actor, issue: Issue, now=None) -> Issue:
    """Claim the issue: of two people claiming at once exactly one becomes its holder."""
    if not permissions.is_handler(actor, issue):
        raise PermissionDenied
    now = now or _now()
    _transition(issue, Action.ACKNOWLEDGE, actor=actor, now=now, holder=actor, acknowledged_at=now)
    if issue.handler_kind == HandlerKind.DEPARTMENT:
        Summons.objects.filter(issue=issue, ended_at__isnull=True, responded_at__isnull=True).update(responded_at=now)
    _tell_reporter(issue, Action.ACKNOWLEDGE, actor)
    return issue


@transaction.atomic
def issue_resolve(*, actor, issue: Issue, note: str, photos=(), now=None) -> Issue:
    if not permissions.is_holder(actor, issue):
        raise PermissionDenied
    if not (note or "").strip():
        raise ValidationError({"note": _("Say what was done.")})
    cleaned = clean_photos(photos)
    now = now or _now()
    event = _transition(issue, Action.RESOLVE, actor=actor, note=note.strip(), now=now, resolved_at=now, resolution_note=note.strip())
    _save_photos(issue, cleaned, stage=PhotoStage.RESOLUTION, actor=actor, event=event)
    if issue.handler_kind == HandlerKind.DEPARTMENT:
        Summons.objects.filter(issue=issue, ended_at__isnull=True).update(resolved_at=now)
    _tell_reporter(issue, Action.RESOLVE, actor)
    return issue


@transaction.atomic
def issue_resolve_by_meeting(*, actor, issue: Issue, note: str, meeting_title: str, now=None) -> Issue:
    """A joint meeting's action item was carried out: the issues it was about are resolved, with
    the decision as the note, by the dispatcher who convened it (the reporter still rates)."""
    if not permissions.can_dispatch(actor, issue):
        raise PermissionDenied
    if not (note or "").strip():
        raise ValidationError({"note": _("Say what was done.")})
    now = now or _now()
    if issue.handler_kind == HandlerKind.DEPARTMENT:
        Summons.objects.filter(issue=issue, ended_at__isnull=True).update(ended_at=now)
    _transition(
        issue,
        Action.MEETING_RESOLVE,
        actor=actor,
        note=note.strip(),
        now=now,
        resolved_at=now,
        resolution_note=note.strip(),
        data={"meeting": meeting_title},
    )
    _tell_reporter(issue, Action.RESOLVE, actor)
    return issue


@transaction.atomic
def issue_return(*, actor, issue: Issue, reason: str, now=None) -> Issue:
    """The handler gives the issue back (wrong handler, not theirs): it waits for the dispatcher.
    Before anyone took it on, anyone of the handling organisation may; once held, only the holder."""
    held = issue.state == State.IN_PROGRESS or issue.holder_id is not None
    if not (permissions.is_holder(actor, issue) if held else permissions.is_handler(actor, issue)):
        raise PermissionDenied
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why you return it.")})
    now = now or _now()
    if issue.handler_kind == HandlerKind.DEPARTMENT:
        _end_summons(issue, now)
    _transition(issue, Action.RETURN, actor=actor, note=reason.strip(), now=now, holder=None, acknowledged_at=None)
    _notify(_dispatchers(issue), kinds.ISSUE_TO_DISPATCH, issue, skip=actor, action=Action.RETURN)
    return issue


# --- the reporter's side ----------------------------------------------------------------------


def within_rating_window(issue: Issue, now=None) -> bool:
    deadline = issue.rating_deadline()
    return deadline is not None and (now or _now()) <= deadline


@transaction.atomic
def issue_rate(*, actor, issue: Issue, rating: str, comment: str = "", now=None) -> Issue:
    if issue.reporter_id != getattr(actor, "pk", None):
        raise PermissionDenied
    now = now or _now()
    if rating not in Rating.values:
        raise ValidationError({"rating": _("Choose satisfied, basically satisfied or dissatisfied.")})
    if issue.state == State.RESOLVED and not within_rating_window(issue, now):
        raise ValidationError({"rating": _("The time to rate this issue has passed.")})
    _transition(
        issue,
        Action.RATE,
        actor=actor,
        note=comment.strip(),
        now=now,
        rating=rating,
        rating_comment=comment.strip()[:500],
        rated_at=now,
        closed_at=now,
        data={"rating": rating},
    )
    return issue


@transaction.atomic
def issue_reopen(*, actor, issue: Issue, reason: str, now=None) -> Issue:
    if issue.reporter_id != getattr(actor, "pk", None):
        raise PermissionDenied
    now = now or _now()
    if not issue.category.reopen_allowed:
        raise ValidationError({"reason": _("Issues of this category cannot be reopened; file a new one.")})
    if issue.state == State.RESOLVED and not within_rating_window(issue, now):
        raise ValidationError({"reason": _("The time to reopen this issue has passed; file a new one.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say what is still wrong.")})
    category = issue.category
    _transition(
        issue,
        Action.REOPEN,
        actor=actor,
        note=reason.strip(),
        now=now,
        reopen_count=issue.reopen_count + 1,
        resolved_at=None,
        # The handler acknowledges again (and is measured on it); nobody holds it until then.
        holder=None,
        acknowledged_at=None,
        response_due=now + timedelta(hours=category.response_hours),
        resolution_due=now + timedelta(hours=category.resolution_hours),
    )
    _notify(_people(issue), kinds.ISSUE_ASSIGNED, issue, due=_fmt(issue.response_due))
    return issue


@transaction.atomic
def issue_cancel(*, actor, issue: Issue, reason: str = "", now=None) -> Issue:
    if issue.reporter_id != getattr(actor, "pk", None):
        raise PermissionDenied
    now = now or _now()
    _transition(issue, Action.CANCEL, actor=actor, note=(reason or "").strip(), now=now, closed_at=now)
    return issue


@transaction.atomic
def issue_merge(*, actor, issue: Issue, into: Issue, note: str = "", now=None) -> Issue:
    if not permissions.can_dispatch(actor, issue):
        raise PermissionDenied
    if into.pk == issue.pk or into.compound_id != issue.compound_id:
        raise ValidationError({"into": _("Choose another issue of the same compound.")})
    if into.state in (State.CANCELLED, State.MERGED):
        raise ValidationError({"into": _("That issue was itself withdrawn or merged.")})
    now = now or _now()
    _transition(
        issue, Action.MERGE, actor=actor, note=note, now=now, duplicate_of=into, closed_at=now, data={"into": into.pk}
    )
    if issue.reporter_id and issue.reporter_id != into.reporter_id:
        # The duplicate's reporter now follows the issue it was merged into.
        IssueSupport.objects.get_or_create(issue=into, user_id=issue.reporter_id)
        _recount_supporters(into)
    _tell_reporter(issue, Action.MERGE, actor)
    return issue


def _recount_supporters(issue: Issue) -> None:
    Issue.objects.filter(pk=issue.pk).update(supporters_count=issue.supports.count())


@transaction.atomic
def issue_support(*, actor, issue: Issue) -> bool:
    """A neighbour's "me too" on a public issue of their compound. Returns False if already said."""
    if issue.compound_id not in permissions.scopes_for(actor).resident_compounds or issue.private:
        raise PermissionDenied
    if issue.reporter_id == actor.pk:
        raise ValidationError(_("This is your own issue."))
    if issue.state not in OPEN_STATES:
        raise ValidationError(_("This issue is no longer open."))
    try:
        with transaction.atomic():
            IssueSupport.objects.create(issue=issue, user=actor)
    except IntegrityError:
        return False
    Issue.objects.filter(pk=issue.pk).update(supporters_count=F("supporters_count") + 1)
    return True


@transaction.atomic
def issue_comment(*, actor, issue: Issue, text: str, public: bool = True) -> IssueEvent:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write something.")})
    if len(text) > 2000:
        raise ValidationError({"text": _("At most 2,000 characters.")})
    internal_ok = permissions.sees_internal(actor, issue)
    if not (internal_ok or issue.reporter_id == actor.pk):
        raise PermissionDenied
    if not public and not internal_ok:
        raise PermissionDenied
    event = _record(issue, Action.COMMENT, actor=actor, note=text, public=public)
    if public:
        _tell_reporter(issue, Action.COMMENT, actor)
    return event


# --- deadlines: extensions, escalation, summons, auto-close -----------------------------------


@transaction.atomic
def extension_request(*, actor, issue: Issue, new_due, reason: str, now=None) -> DeadlineExtension:
    if not permissions.is_holder(actor, issue) or issue.state not in (State.IN_PROGRESS, State.ESCALATED):
        raise PermissionDenied
    now = now or _now()
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for more time.")})
    if new_due is None or new_due <= max(now, issue.resolution_due):
        raise ValidationError({"new_due": _("The new deadline must be later than the current one.")})
    if new_due > issue.resolution_due + timedelta(days=30):
        raise ValidationError({"new_due": _("At most 30 days more at a time.")})
    try:
        with transaction.atomic():
            ext = DeadlineExtension.objects.create(
                issue=issue, requested_by=actor, requested_at=now, reason=reason.strip(), new_due=new_due
            )
    except IntegrityError:
        raise ValidationError(_("A request for more time is already waiting for approval.")) from None
    _record(
        issue, Action.EXTENSION_REQUEST, actor=actor, note=reason.strip(), public=False, at=now,
        data={"new_due": new_due.isoformat()},
    )
    _notify(_dispatchers(issue), kinds.EXTENSION_REQUESTED, issue, skip=actor)
    return ext


@transaction.atomic
def extension_decide(*, actor, extension: DeadlineExtension, approve: bool, note: str = "", now=None) -> DeadlineExtension:
    issue = extension.issue
    if not permissions.can_dispatch(actor, issue):
        raise PermissionDenied
    now = now or _now()
    status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    # Requests are withdrawn when the issue moves on; this guards a request decided from a page
    # that was opened before that happened.
    if issue.state not in (State.IN_PROGRESS, State.ESCALATED) or issue.holder_id != extension.requested_by_id:
        raise ValidationError(_("The issue has moved on since this request; nothing to decide."))
    if not DeadlineExtension.objects.filter(pk=extension.pk, status=ExtensionStatus.PENDING).update(
        status=status, decided_by=actor, decided_at=now, decision_note=note[:300]
    ):
        raise ValidationError(_("This request was already decided."))
    extension.refresh_from_db()
    if approve:
        seen = issue.version
        issue.resolution_due = extension.new_due
        issue.escalation_due = _escalation_due(issue)
        # Compare-and-set: if the issue changed meanwhile, the whole decision is rolled back.
        if not Issue.objects.filter(pk=issue.pk, version=seen, state=issue.state, holder_id=extension.requested_by_id).update(
            resolution_due=extension.new_due, escalation_due=issue.escalation_due, version=seen + 1, updated_at=now
        ):
            raise ValidationError(_("The issue has moved on since this request; nothing to decide."))
        issue.refresh_from_db()
    _record(
        issue, Action.EXTENSION_DECIDE, actor=actor, note=note, public=approve, at=now,
        data={"status": status, "new_due": extension.new_due.isoformat()},
    )
    notification_send(
        user=extension.requested_by, kind=kinds.EXTENSION_DECIDED, params=_params(issue, status=status), url=_url(issue)
    )
    return extension


@transaction.atomic
def issue_summon(*, actor, issue: Issue, department, reason: str, now=None) -> Summons:
    """The subdistrict whistles a department (吹哨报到): the department becomes the handler, on
    its own deadlines, and sees this issue (and only the issues summoned to it)."""
    if not permissions.can_summon(actor, issue):
        raise PermissionDenied
    s = issue.subdistrict
    if not (department.subdistrict_id == s.pk or department.district_id == s.district_id):
        raise ValidationError({"department": _("Choose a department of this subdistrict or its district.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say what the department must do.")})
    now = now or _now()
    policy = IssuePolicy.current()
    _end_summons(issue, now)
    summons = Summons.objects.create(
        issue=issue,
        department=department,
        summoned_by=actor,
        summoned_at=now,
        reason=reason.strip(),
        response_due=now + timedelta(hours=policy.summons_response_hours),
        resolution_due=now + timedelta(hours=policy.summons_resolution_hours),
    )
    _transition(
        issue,
        Action.SUMMON,
        actor=actor,
        note=reason.strip(),
        now=now,
        handler_kind=HandlerKind.DEPARTMENT,
        handler_department=department,
        handler_member=None,
        handler_company=None,
        handler_committee=None,
        holder=None,
        acknowledged_at=None,
        dispatched_at=now,
        level=max(issue.level, Level.SUBDISTRICT),
        response_due=summons.response_due,
        resolution_due=summons.resolution_due,
        data={"department": department.name},
    )
    _notify(_people(issue), kinds.ISSUE_SUMMONED, issue, skip=actor, due=_fmt(summons.response_due))
    _tell_reporter(issue, Action.SUMMON, actor)
    return summons


def issues_escalate_overdue(*, now=None, batch: int = 500) -> dict:
    """Escalate every open issue whose deadline passed, one level (branch → community →
    subdistrict), and notify that level. Idempotent: each issue moves with a compare-and-set on
    its version, so a second run, or a second worker at the same time, finds nothing to do."""
    now = now or _now()
    escalated = skipped = 0
    last_pk = 0
    while True:
        ids = list(
            Issue.objects.filter(escalation_due__lte=now, state__in=OPEN_STATES, pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        last_pk = ids[-1]
        # Reload with the same conditions: another run may have escalated some of these since we
        # listed them, and an escalated issue could otherwise be escalated again right away.
        due = Issue.objects.filter(pk__in=ids, escalation_due__lte=now, state__in=OPEN_STATES)
        for issue in due.select_related("compound", "category", "handler_member__user"):
            try:
                with transaction.atomic():
                    _escalate(issue, now)
                escalated += 1
            except IllegalTransition:
                skipped += 1
    return {"escalated": escalated, "skipped": skipped}


def _escalate(issue: Issue, now) -> None:
    overdue_for = "response" if issue.acknowledged_at is None else "resolution"
    new_level = min(issue.level + 1, Level.SUBDISTRICT)
    _transition(
        issue,
        Action.ESCALATE,
        actor=None,
        now=now,
        response_missed=issue.response_missed or overdue_for == "response",
        level=new_level,
        escalated_at=now,
        escalation_count=issue.escalation_count + 1,
        data={"level": new_level, "overdue": overdue_for, "from_state": issue.state},
    )
    _notify(_dispatchers(issue), kinds.ISSUE_ESCALATED, issue)
    _tell_reporter(issue, Action.ESCALATE)


def issues_close_unrated(*, now=None, batch: int = 500) -> int:
    """Close resolved issues whose reporter did not rate them within the window. Idempotent."""
    now = now or _now()
    policy = IssuePolicy.current()
    cutoff = now - timedelta(days=policy.rating_window_days)
    closed = 0
    while True:
        issues = list(Issue.objects.filter(state=State.RESOLVED, resolved_at__lt=cutoff).select_related("compound")[:batch])
        if not issues:
            break
        for issue in issues:
            try:
                with transaction.atomic():
                    _transition(issue, Action.AUTO_CLOSE, actor=None, now=now, closed_at=now)
                closed += 1
            except IllegalTransition:
                continue
        if len(issues) < batch:
            break
    return closed
