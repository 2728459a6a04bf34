"""Reads of issues, always scoped to a user.

Visibility is one SQL filter built from the caller's role assignments (loaded once per request):
- reporters (and staff who filed on their behalf) see their own issues;
- a party member sees the issues routed or dispatched to them, and what they hold;
- the branch (secretary and committee) sees every issue of the compounds it covers: it dispatches;
- property staff see the issues handed to the property company at their compounds; owners'
  committee members those handed to the committee;
- community officers and subdistrict/district admins see every issue in their places;
- a department sees only the issues it was summoned to.
Everything else does not exist for the caller (404). Residents see their compound's public list
through ``issues_public``, which carries no personal data.
"""

from datetime import timedelta

from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, When
from django.utils import timezone

from committees.models import PropertyStaff
from compounds.models import RoleAssignment
from compounds.scopes import scopes_for
from governance.accounts.roles import Role
from governance.party.models import PartyMember

from .models import Category, HandlerKind, Issue, IssueEvent, Summons
from .states import AWAITING_DISPATCH, OPEN_STATES, VOID_STATES, State

PUBLIC_RECENT_DAYS = 30
# Above this many compounds a role's places go into SQL as a subquery, not a list of ids.
MANY_COMPOUNDS = 50


def categories_active() -> QuerySet[Category]:
    return Category.objects.filter(active=True)


def companies_of(user) -> QuerySet:
    """The property companies the person works for now, as a subquery (no query of its own).
    Property staff handle only their own company's issues: after a contract changes hands, the old
    company's open issues do not move to the new company's queue."""
    return PropertyStaff.objects.filter(user=user, ended_on__isnull=True).values("company_id")


def _handed_to_my_organisation(user, s) -> Q:
    """Issues handed to the property company the caller works for, or to the owners' committee
    they sit on, at the compounds where they hold that role."""
    q = Q(pk__in=[])
    property_at = s.compounds_with(Role.PROPERTY_STAFF)
    if property_at:
        if len(property_at) > MANY_COMPOUNDS:
            # A company serving hundreds of compounds: the same set as a subquery on the role rows
            # (the company's index narrows the rows first), rather than hundreds of parameters
            # compiled and planned in each of a page's queries.
            property_at = RoleAssignment.objects.filter(
                user=user, role=Role.PROPERTY_STAFF, ended_at__isnull=True, compound__isnull=False
            ).values("compound_id")
        q |= Q(handler_kind=HandlerKind.PROPERTY, compound_id__in=property_at, handler_company_id__in=_companies(user))
    committee_at = s.compounds_with(Role.COMMITTEE_MEMBER)
    if committee_at:
        q |= Q(handler_kind=HandlerKind.COMMITTEE, compound_id__in=committee_at)
    return q


def _memberships(user) -> list[int]:
    """The person's party memberships, loaded once per request (memoised on the user like the
    scopes). As a literal list, ``handler_member_id IN (…)`` is a condition the planner can answer
    from the (handler_member, state) index inside an OR; as a subquery it became a filter run over
    every open issue of the city (the queue: 10 ms per query on two million issues)."""
    if "_linli_memberships" not in user.__dict__:
        # Roles follow the records: without a party_member role anywhere there is no membership
        # to look up (officers, residents and staff pay no query for it).
        held = scopes_for(user).party_member
        user.__dict__["_linli_memberships"] = (
            list(PartyMember.objects.filter(user=user).values_list("pk", flat=True)) if held else []
        )
    return user.__dict__["_linli_memberships"]


def _companies(user) -> list[int]:
    """``companies_of`` as a list, loaded once per request, for the same reason."""
    if "_linli_companies" not in user.__dict__:
        user.__dict__["_linli_companies"] = list(companies_of(user).values_list("company_id", flat=True))
    return user.__dict__["_linli_companies"]


def visibility_q(user) -> Q:
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    s = scopes_for(user)
    if s.system_admin:
        return Q()
    q = Q(reporter=user) | Q(filed_by=user) | Q(holder=user) | Q(handler_member_id__in=_memberships(user))
    branch = s.compounds_with(Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE)
    if branch:
        q |= Q(compound_id__in=branch)
    q |= _handed_to_my_organisation(user, s)
    if s.communities:
        q |= Q(community_id__in=s.communities)
    if s.subdistricts:
        q |= Q(subdistrict_id__in=s.subdistricts)
    if s.districts:
        q |= Q(subdistrict__district_id__in=s.districts)
    if s.departments:
        q |= Exists(Summons.objects.filter(issue=OuterRef("pk"), department_id__in=s.departments))
    return q


def issues_visible(user) -> QuerySet[Issue]:
    return Issue.objects.filter(visibility_q(user))


def issues_of_reporter(user) -> QuerySet[Issue]:
    return Issue.objects.filter(reporter=user).select_related("category", "compound", "building")


def issues_public_history(compound) -> QuerySet[Issue]:
    """Every public issue the compound has had (not private, not withdrawn, not merged), newest
    first: what was raised and done over the years. Callers render only public fields (no
    reporter, no room)."""
    return (
        Issue.objects.filter(compound=compound, private=False)
        .exclude(state__in=VOID_STATES)
        .select_related("category", "building")
        .order_by("-created_at", "-id")
    )


def issues_public(compound, *, now=None) -> QuerySet[Issue]:
    """The compound's public list by default: of ``issues_public_history``, the open issues and
    those closed in the last 30 days."""
    now = now or timezone.now()
    return issues_public_history(compound).filter(
        Q(state__in=OPEN_STATES | {State.RESOLVED}) | Q(closed_at__gte=now - timedelta(days=PUBLIC_RECENT_DAYS))
    )


def similar_open(*, compound, category, building=None) -> QuerySet[Issue]:
    """Open public issues of the same category in the same building (or the compound's common
    areas), shown before filing so a resident can say "me too" instead of filing a duplicate."""
    qs = Issue.objects.filter(compound=compound, category=category, state__in=OPEN_STATES, private=False)
    qs = qs.filter(building=building) if building is not None else qs.filter(building__isnull=True)
    return qs.select_related("category", "building").order_by("-created_at")[:5]


def queue_q(user) -> Q:
    """What is the caller's to act on: routed or dispatched to them (or their organisation at the
    compound), held by them, or waiting for them to dispatch."""
    s = scopes_for(user)
    q = Q(holder=user) | Q(handler_kind=HandlerKind.MEMBER, handler_member_id__in=_memberships(user))
    branch = s.compounds_with(Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE)
    if branch:
        q |= Q(compound_id__in=branch, level=0) & (Q(state__in=AWAITING_DISPATCH) | Q(handler_kind=HandlerKind.BRANCH))
    q |= _handed_to_my_organisation(user, s)
    if s.communities:
        q |= Q(community_id__in=s.communities) & (
            Q(handler_kind=HandlerKind.COMMUNITY) | Q(level__gte=1, state__in=AWAITING_DISPATCH)
        )
    if s.subdistricts:
        q |= Q(subdistrict_id__in=s.subdistricts) & (
            Q(handler_kind=HandlerKind.SUBDISTRICT) | Q(level__gte=2, state__in=AWAITING_DISPATCH)
        )
    if s.departments:
        q |= Q(handler_kind=HandlerKind.DEPARTMENT, handler_department_id__in=s.departments)
    return q


def load_roles(user) -> None:
    """The caller's scopes, memberships and companies (``scopes_for``, ``_memberships``,
    ``_companies``) from the page cache when they are kept, else from the database and kept: for
    pages that need all three on every request. A company's staff may hold a role at each of
    hundreds of compounds: reading them took ~1 ms per request. Kept under the roles' stamp, which
    any change to a role, a company's staff or a party member drops (``generations.ROLES``)."""
    from governance import caching

    from . import generations

    if not generations.enabled() or not getattr(user, "is_authenticated", False) or "_linli_scopes" in user.__dict__:
        return
    key = caching.key("roles", user.pk, user.is_superuser)
    stamps, kept = generations.kept(key, [generations.ROLES])  # the stamp first, then the data
    if kept is None:
        s = scopes_for(user)
        # Companies only for their staff (the only callers of ``_companies``): no query for others.
        companies = _companies(user) if s.compounds_with(Role.PROPERTY_STAFF) else None
        generations.store(key, stamps, (s, _memberships(user), companies))
        return
    user._linli_scopes, user.__dict__["_linli_memberships"], companies = kept
    if companies is not None:
        user.__dict__["_linli_companies"] = companies


def queue_stamps(user) -> tuple[list, tuple]:
    """What a kept work queue is keyed by: the generation stamps (``generations``) that every issue
    entering or leaving the caller's queue drops, one per part of ``queue_q`` (held by them, a
    membership's, a branch's or committee's compound, the company's, the community's, the
    subdistrict's, the department's), plus the people named in its rows; and the parts
    themselves, since the caller's roles, memberships and companies decide which issues those are."""
    from . import generations

    s = scopes_for(user)
    members = sorted(_memberships(user))
    branch = sorted(s.compounds_with(Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE))
    committee_at = sorted(s.compounds_with(Role.COMMITTEE_MEMBER))
    property_at = sorted(s.compounds_with(Role.PROPERTY_STAFF))
    companies = sorted(_companies(user)) if property_at else []
    places = (sorted(s.communities), sorted(s.subdistricts), sorted(s.departments))
    scopes = [("holder", user.pk), generations.PEOPLE]
    scopes += [("member", pk) for pk in members]
    scopes += [("compound", pk) for pk in sorted({*branch, *committee_at})]
    scopes += [("company", pk) for pk in companies]
    scopes += [("community", pk) for pk in places[0]] + [("subdistrict", pk) for pk in places[1]]
    scopes += [("department", pk) for pk in places[2]]
    return scopes, (user.pk, members, branch, committee_at, property_at, companies, *places)


def work_queue(user, *, include_done: bool = False, state: str | None = None) -> QuerySet[Issue]:
    """The caller's work queue, soonest deadline first. Filter further by category, compound and
    overdue (see ``filter_queue``); ``state`` narrows it to one open state.

    One state replaces the open-states filter rather than adding to it: ANDing ``state = X`` with
    ``state IN (open)`` made PostgreSQL multiply the two selectivities, expect ~3 rows where a
    big company's queue has 155, and scan every issue of that state in the city (queue page on
    the full city: 9.3 → 1.7 ms for the page's ids)."""
    if not getattr(user, "is_authenticated", False):
        return Issue.objects.none()
    # Every part of queue_q is a part of visibility_q narrowed further (tests/issues/
    # test_scale_paths.py checks the queue never holds an issue its owner cannot see), so the
    # queue does not AND the two: compiling both filters into each of the queue page's queries
    # cost more Python than anything else on the page.
    qs = Issue.objects.filter(queue_q(user))
    if state:
        qs = qs.filter(state=state) if include_done or state in OPEN_STATES else qs.none()
    elif not include_done:
        qs = qs.filter(state__in=OPEN_STATES)
    return (
        qs.select_related("category", "compound", "building", "handler_member__user", "holder")
        .annotate(due=current_due())
        .order_by("due", "id")
    )


def current_due():
    """The deadline that matters now, as SQL (``Issue.current_due`` in Python): the response
    deadline until someone acknowledges, then the resolution deadline."""
    return Case(
        When(acknowledged_at__isnull=True, state__in=OPEN_STATES - {State.IN_PROGRESS}, then=F("response_due")),
        default=F("resolution_due"),
    )


def overdue_open_q(now) -> Q:
    """Overdue, for a queryset that holds only open issues (see ``filter_queue``)."""
    return Q(resolution_due__lt=now) | (Q(acknowledged_at__isnull=True, response_due__lt=now) & ~Q(state=State.IN_PROGRESS))


def filter_queue(
    qs: QuerySet[Issue], *, state=None, category=None, compound=None, overdue=None, now=None, open_only=False
):
    """``open_only``: ``qs`` already holds only open issues (a work queue), so the overdue test
    need not repeat the open states; repeating them made PostgreSQL misjudge the row count and
    read every issue of the state in the city (overdue count of a big queue: 11.6 → ~1 ms)."""
    now = now or timezone.now()
    if state:
        qs = qs.filter(state=state)
    if category:
        qs = qs.filter(category__code=category) if isinstance(category, str) else qs.filter(category=category)
    if compound:
        qs = qs.filter(compound_id=compound)
    if overdue and open_only:
        qs = qs.filter(overdue_open_q(now))
    elif overdue:
        qs = qs.filter(
            Q(acknowledged_at__isnull=True, response_due__lt=now, state__in=OPEN_STATES - {State.IN_PROGRESS})
            | Q(resolution_due__lt=now, state__in=OPEN_STATES)
        )
    return qs


def timeline(issue: Issue, *, internal: bool) -> QuerySet[IssueEvent]:
    qs = issue.events.select_related("actor").prefetch_related("photos").order_by("at", "id")
    return qs if internal else qs.filter(public=True)
