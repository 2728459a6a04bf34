"""Who may do what with an issue. Visibility is ``selectors.issues_visible`` (SQL); the checks here
answer, for one issue already visible, which actions the caller may take (403 when not).

One helper returns the issue or raises 404 (``access_issue``), as for every object kind.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from compounds.scopes import scopes_for
from governance.accounts.roles import Role
from governance.http import get_or_404

from . import selectors, states
from .models import HandlerKind, Issue, Level
from .states import OPEN_STATES, Action, State

BRANCH_ROLES = (Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE)
# Those who may file on a resident's behalf in a compound (a resident who phoned or came by).
ON_BEHALF_ROLES = (Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE, Role.PARTY_MEMBER)


def _roles_at(user, compound_id) -> set[str]:
    return scopes_for(user).compound_roles.get(compound_id, set())


def manages_place(user, issue: Issue) -> bool:
    """An officer or admin whose scope covers the issue's compound."""
    s = scopes_for(user)
    return (
        s.system_admin
        or issue.community_id in s.communities
        or issue.subdistrict_id in s.subdistricts
        or (bool(s.districts) and issue.subdistrict.district_id in s.districts)
    )


def is_branch(user, issue: Issue) -> bool:
    return bool(_roles_at(user, issue.compound_id).intersection(BRANCH_ROLES))


def can_dispatch(user, issue: Issue) -> bool:
    """The branch dispatches while the issue is at branch level; the community, the subdistrict
    and above may always (escalation hands the issue to them)."""
    if not user.is_authenticated:
        return False
    if manages_place(user, issue):
        return True
    return issue.level == Level.BRANCH and is_branch(user, issue)


def can_summon(user, issue: Issue) -> bool:
    s = scopes_for(user)
    return s.system_admin or issue.subdistrict_id in s.subdistricts or (
        bool(s.districts) and issue.subdistrict.district_id in s.districts
    )


def is_handler(user, issue: Issue) -> bool:
    """Whether the caller belongs to the issue's current handler (and so may acknowledge it)."""
    if not user.is_authenticated:
        return False
    kind = issue.handler_kind
    roles = _roles_at(user, issue.compound_id)
    if kind == HandlerKind.MEMBER:
        return issue.handler_member is not None and issue.handler_member.user_id == user.pk
    if kind == HandlerKind.PROPERTY:
        return Role.PROPERTY_STAFF in roles and selectors.companies_of(user).filter(company_id=issue.handler_company_id).exists()
    if kind == HandlerKind.COMMITTEE:
        return Role.COMMITTEE_MEMBER in roles
    if kind == HandlerKind.BRANCH:
        return bool(roles.intersection(BRANCH_ROLES))
    if kind == HandlerKind.COMMUNITY:
        return issue.community_id in scopes_for(user).communities
    if kind == HandlerKind.SUBDISTRICT:
        return issue.subdistrict_id in scopes_for(user).subdistricts
    if kind == HandlerKind.DEPARTMENT:
        return issue.handler_department_id in scopes_for(user).departments
    return False


def is_holder(user, issue: Issue) -> bool:
    return user.is_authenticated and issue.holder_id == user.pk


def can_file_on_behalf(user, compound) -> bool:
    if not user.is_authenticated:
        return False
    s = scopes_for(user)
    if s.compound_roles.get(compound.pk, set()).intersection(ON_BEHALF_ROLES):
        return True
    if not (s.system_admin or s.communities or s.subdistricts or s.districts):
        # Only officers' and admins' roles carry the object permissions checked below: a resident
        # is answered without asking guardian (six queries on every filing page).
        return False
    from compounds.permissions import can_manage_compound

    return can_manage_compound(user, compound)


def sees_internal(user, issue: Issue) -> bool:
    """Handlers, dispatchers and staff see internal comments; reporters and neighbours do not."""
    return manages_place(user, issue) or is_branch(user, issue) or is_handler(user, issue) or is_holder(user, issue)


def actions_for(user, issue: Issue, *, within_rating_window: bool = True) -> set[str]:
    """The actions the caller may take on the issue now (for the page's buttons and the checks)."""
    allowed: set[str] = set()
    if not user.is_authenticated:
        return allowed
    state = issue.state
    reporter = issue.reporter_id == user.pk
    if reporter and state in (State.SUBMITTED, State.DISPATCHED, State.RETURNED):
        allowed.add("cancel")
    if reporter and state == State.RESOLVED and within_rating_window:
        allowed.add("rate")
        if issue.category.reopen_allowed:
            allowed.add("reopen")
    if can_dispatch(user, issue):
        if states.allowed(Action.DISPATCH, state):
            allowed.add("dispatch")
        if states.allowed(Action.MERGE, state):
            allowed.add("merge")
        allowed.add("decide_extension")
    if can_summon(user, issue) and state in OPEN_STATES:
        allowed.add("summon")
    if is_handler(user, issue) and state in (State.DISPATCHED, State.REOPENED):
        allowed.add("acknowledge")
        allowed.add("return")
    if is_holder(user, issue) and state in (State.IN_PROGRESS, State.ESCALATED):
        allowed.add("resolve")
        allowed.add("request_extension")
        if state == State.IN_PROGRESS:
            allowed.add("return")
    if sees_internal(user, issue) or reporter:
        allowed.add("comment")
    return allowed


def require(user, issue: Issue, action: str, **kwargs) -> None:
    if action not in actions_for(user, issue, **kwargs):
        raise PermissionDenied


# What a page or API response about one issue (or a list of them) shows beside the issue itself.
ISSUE_RELATED = (
    "category",
    "compound",
    "community",
    "subdistrict",
    "building",
    "household__building",
    "branch",
    "handler_member__user",
    "handler_company",
    "handler_committee__compound",
    "handler_department",
    "holder",
    "reporter",
)


def access_issue(user, issue_id) -> Issue:
    return get_or_404(selectors.issues_visible(user).select_related(*ISSUE_RELATED, "zone"), issue_id)


RELATED_NAMES = sorted({name.split("__")[0] for name in ISSUE_RELATED} | {"zone"})


def access_issue_kept(user, issue_id) -> Issue:
    """``access_issue`` for the issue page: the issue's own row (read from its table alone) and
    the rows around it (compound, building, handler, reporter…) come from the cache, kept under
    the issue's stamps (``generations.issue_stamp``: any write to the issue drops them) and,
    for the rows around it, under their ids; then the caller is checked against the visibility
    filter. The fifteen-table join took PostgreSQL ~4 ms to plan on every request for a few
    names. The stamps read are left on the issue (``_stamps``) for the page's other kept parts."""
    from . import generations

    if not generations.enabled():
        return access_issue(user, issue_id)
    stamps = generations.issue_stamp(issue_id)  # before the data
    seen: dict[int, bool] = {}

    def visible(issue) -> bool:
        # Everyone sees the issues they reported, filed or hold (the first terms of visibility_q);
        # anyone else is checked against the whole filter (once per request).
        if issue.pk not in seen:
            mine = user.is_authenticated and user.pk in (issue.reporter_id, issue.filed_by_id, issue.holder_id)
            seen[issue.pk] = mine or selectors.issues_visible(user).filter(pk=issue.pk).exists()
        return seen[issue.pk]

    def load() -> Issue:
        issue = get_or_404(Issue.objects.all(), issue_id)
        if not visible(issue):
            raise Http404  # before anything is kept: a caller refused keeps nothing in the cache
        ids = tuple(getattr(issue, f.attname) for f in Issue._meta.concrete_fields if f.is_relation)
        related = generations.cached("issue-related", [generations.PEOPLE], (ids,), lambda: _related_rows(issue.pk))
        for name, obj in related.items():
            Issue._meta.get_field(name).set_cached_value(issue, obj)
        return issue

    issue = generations.cached("issue-row", [], (issue_id,), load, stamps=stamps)
    if not visible(issue):  # kept by someone who may see it: this caller is checked too
        raise Http404
    issue._stamps = stamps
    return issue


def _related_rows(issue_id) -> dict:
    # Never a password hash in the cache: the people's rows without it (and it is never shown).
    people = ("reporter", "holder", "handler_member__user")
    loaded = Issue.objects.select_related(*ISSUE_RELATED, "zone").defer(*(f"{p}__password" for p in people)).get(pk=issue_id)
    return {name: getattr(loaded, name) for name in RELATED_NAMES}
