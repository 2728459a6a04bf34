"""``manage.py seed_scale`` on a tiny city, against PostgreSQL: the counts follow the options, the
generated records hang together as the services would have left them, and the pages load for a
generated resident and a generated zone member. Transactional (the command vacuums outside a
transaction); the data migrations' rows are put back by tests/conftest.py."""

import io
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DataError, connection, transaction
from django.db.models import Count, F, Max, Q
from django.urls import reverse
from django.utils import timezone

from compounds.models import Building, Compound, Household, Residency, RoleAssignment
from compounds.permissions import can_manage_compound
from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.dashboards import scale
from governance.issues.models import Issue, IssueEvent, Summons
from governance.issues.rates import rates_for
from governance.issues.states import OPEN_STATES, State
from governance.party.models import PartyMember, ZoneHousehold

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SIZES = dict(
    compounds=12, subdistricts=2, households=1500, users=1200, members=60, companies=4, issues=2000, years=2
)


def seed(**extra):
    call_command("seed_scale", **SIZES, **extra, stdout=io.StringIO())


def states():
    return dict(Counter(Issue.objects.values_list("state", flat=True)))


def keys_and_indexes():
    """The issue tables' constraints and indexes as the catalog defines them."""
    tables = list(scale.ScaleSeeder.ISSUE_TABLES)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[])",
            [tables],
        )
        keys = set(cur.fetchall())
        cur.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables])
        return keys, set(cur.fetchall())


def test_a_tiny_city_is_consistent(client):
    before = keys_and_indexes()
    seed()
    # The issue step drops the issue tables' foreign keys and secondary indexes while it writes;
    # all of them are back, validated, as the migrations made them.
    after = keys_and_indexes()
    assert (after[0] ^ before[0], after[1] ^ before[1]) == (set(), set())
    assert len([k for k in before[0] if "FOREIGN KEY" in k[2]]) >= 20

    # Counts follow the options.
    assert Compound.objects.count() == 12
    assert Household.objects.count() == 1500
    assert User.objects.count() == 1200
    assert PartyMember.objects.count() == 60
    assert Issue.objects.count() == 2000
    assert not Compound.objects.annotate(n=Count("buildings__households")).filter(n=0).exists()
    assert not User.objects.filter(password__regex=r"^[^!]").exists()

    # Every issue sits where its compound is; building and household are the compound's, the
    # household the reporter's own.
    issues = Issue.objects.all()
    assert not issues.exclude(community_id=F("compound__community_id")).exists()
    assert not issues.exclude(subdistrict_id=F("compound__community__subdistrict_id")).exists()
    assert not issues.filter(building__isnull=False).exclude(building__compound_id=F("compound_id")).exists()
    assert (
        not issues.filter(household__isnull=False).exclude(household__building_id=F("building_id")).exists()
    )
    for issue in issues.filter(household__isnull=False)[:200]:
        assert Residency.objects.filter(
            user_id=issue.reporter_id, household_id=issue.household_id, status="verified"
        ).exists()

    # Every state; timestamps in order; ratings only on closed issues.
    assert set(states()) == set(State.values)
    assert not issues.filter(dispatched_at__lt=F("created_at")).exists()
    assert not issues.filter(acknowledged_at__lt=F("dispatched_at")).exists()
    assert not issues.filter(resolved_at__lt=F("acknowledged_at")).exists()
    assert not issues.filter(closed_at__lt=F("resolved_at")).exists()
    assert not issues.filter(closed_at__lt=F("created_at")).exists()
    assert not issues.exclude(rating="").exclude(state=State.CLOSED).exists()
    assert not issues.filter(state=State.CLOSED, closed_at__isnull=True).exists()
    assert not issues.filter(state=State.RESOLVED, resolved_at__isnull=True).exists()
    assert not issues.filter(state__in=[State.IN_PROGRESS], acknowledged_at__isnull=True).exists()
    assert not issues.filter(state=State.ESCALATED, escalated_at__isnull=True).exists()
    assert (
        not issues.filter(state=State.MERGED)
        .filter(
            Q(duplicate_of__isnull=True)
            | ~Q(duplicate_of__compound_id=F("compound_id"))
            | Q(duplicate_of__created_at__gt=F("created_at"))
        )
        .exists()
    )
    rated = Counter(issues.exclude(rating="").values_list("rating", flat=True))
    assert rated["satisfied"] > rated["basic"] > rated["dissatisfied"] > 0
    assert issues.filter(reopen_count__gt=0).exists() and issues.filter(response_missed=True).exists()
    # Nothing the escalation or auto-close jobs would act on is left waiting.
    now = timezone.now()
    assert not issues.filter(state__in=OPEN_STATES, escalation_due__lt=now - timedelta(minutes=15)).exists()
    assert not issues.filter(state=State.RESOLVED, resolved_at__lt=now - timedelta(days=7)).exists()
    assert Summons.objects.filter(issue__handler_kind="department").exists()

    # The timeline: one event per step (version counts the steps after filing and routing), each
    # starting where the last one ended, the last one ending in the issue's state.
    steps = dict(
        IssueEvent.objects.exclude(action__in=["file", "route"])
        .values("issue_id")
        .annotate(n=Count("id"))
        .values_list("issue_id", "n")
    )
    for issue_id, version in issues.values_list("id", "version"):
        assert steps.get(issue_id, 0) == version
    previous = {}
    for issue_id, from_state, to_state, at in IssueEvent.objects.order_by("issue_id", "at", "id").values_list(
        "issue_id", "from_state", "to_state", "at"
    ):
        if issue_id in previous:
            assert previous[issue_id][0] == from_state and previous[issue_id][1] <= at
        previous[issue_id] = (to_state, at)
    for issue_id, state in issues.values_list("id", "state"):
        assert previous[issue_id][0] == state
    assert not issues.annotate(last=Max("events__at")).exclude(last=F("updated_at")).exists()

    # Zones: each household in at most one zone (a constraint), most households covered.
    assert ZoneHousehold.objects.count() > 0.75 * Household.objects.count()
    assert not ZoneHousehold.objects.values("household_id").annotate(n=Count("id")).filter(n__gt=1).exists()

    # Roles mirror the records.
    active = RoleAssignment.objects.filter(ended_at__isnull=True)
    assert active.filter(role=Role.RESIDENT).count() == Residency.objects.filter(status="verified").count()
    assert active.filter(role=Role.PARTY_MEMBER).count() == PartyMember.objects.count()
    assert (
        active.filter(role=Role.BRANCH_SECRETARY).count()
        == PartyMember.objects.filter(branch_seats__role="secretary").count()
    )
    for role in (
        Role.PROPERTY_STAFF,
        Role.COMMUNITY_OFFICER,
        Role.SUBDISTRICT_ADMIN,
        Role.DISTRICT_ADMIN,
        Role.DEPARTMENT_RESPONDER,
        Role.COMMITTEE_MEMBER,
    ):
        assert active.filter(role=role).exists(), role
    assert (
        not active.filter(role=Role.PARTY_MEMBER)
        .exclude(user__party_memberships__branch__coverage__compound_id=F("compound_id"))
        .exists()
    )

    # The object permissions role_grant gives go with the roles (officers manage their compounds).
    officer = active.filter(role=Role.COMMUNITY_OFFICER).select_related("community").first()
    officers_compound = Compound.objects.filter(community=officer.community).first()
    assert can_manage_compound(officer.user, officers_compound)
    some_resident = active.filter(role=Role.RESIDENT).select_related("user", "compound").first()
    assert some_resident.user.has_perm("compounds.view_compound", some_resident.compound)
    assert not can_manage_compound(some_resident.user, some_resident.compound)

    # The rates of a subdistrict are rates.
    sub = Issue.objects.values_list("subdistrict_id", flat=True).first()
    today = timezone.localdate()
    r = rates_for("subdistrict", sub, today - timedelta(days=800), today)
    assert r.counted > 0
    for value in (r.response_rate, r.resolution_rate, r.satisfaction_rate, r.composite):
        assert value is not None and 0 <= value <= 1

    # A generated resident and a generated zone member see their pages.
    member = (
        PartyMember.objects.filter(zones__isnull=False, issues_handled__isnull=False)
        .select_related("user")
        .first()
    )
    compound_id = member.zones.first().compound_id
    resident = User.objects.filter(issues_reported__compound_id=compound_id).first()
    for user, names in (
        (resident, ["issues:mine", "home"]),
        (member.user, ["issues:queue", "home", "issues:mine"]),
    ):
        client.force_login(user)
        for name in names:
            assert client.get(reverse(name)).status_code == 200, (user, name)
        assert client.get(reverse("issues:board", args=[compound_id])).status_code == 200
    assert Building.objects.filter(compound_id=compound_id).exists()

    # Refuses to write over data; the same seed gives the same city after --reset.
    with pytest.raises(CommandError, match="--reset"):
        seed()
    before = states()
    seed(reset=True)
    assert states() == before
    assert Issue.objects.count() == 2000


def test_an_interrupted_issue_step_leaves_keys_and_indexes(monkeypatch):
    # Four slices: the second connection is still planning (or waiting to hand over) the next
    # ones when this one fails; it is stopped and its tables dropped.
    monkeypatch.setattr(scale, "CHUNK_ROWS", 500)
    before = keys_and_indexes()

    written = []

    def broken(self, plan):
        # The first chunk's issues are written; its events fail.
        written.append(self.val("SELECT count(*) FROM issues_issue"))
        raise RuntimeError("disk full")

    monkeypatch.setattr(scale.ScaleSeeder, "_events_sql", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        seed()
    assert written[0] > 0
    assert keys_and_indexes() == before
    assert not Issue.objects.exists()
    assert scale.ScaleSeeder._planner_tables() == []


def issue_rows():
    return (
        list(Issue.objects.order_by("pk").values_list("pk", "state", "created_at", "handler_kind", "duplicate_of_id")),
        list(IssueEvent.objects.order_by("issue_id", "at", "pk").values_list("issue_id", "action", "at", "data")),
    )


def test_plans_computed_ahead_by_a_second_connection_write_the_same_city(monkeypatch):
    # Four slices: a second connection plans each while this one writes the one before. Inside a
    # caller's transaction (which a second connection could not see into) one connection does
    # both, one slice after the other; the city is the same.
    monkeypatch.setattr(scale, "CHUNK_ROWS", 500)
    # Both cities as of the same minute (times are relative to the run), whenever each runs.
    frozen = timezone.now().replace(second=0, microsecond=0)
    init = scale.ScaleSeeder.__init__

    def as_of_frozen(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.now, self.today = frozen, timezone.localdate(frozen)

    monkeypatch.setattr(scale.ScaleSeeder, "__init__", as_of_frozen)
    planned_by = set()
    plan_sql = scale.ScaleSeeder._plan_sql

    def spied(self, *args, **kwargs):
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            planned_by.add(cur.fetchone()[0])
        return plan_sql(self, *args, **kwargs)

    monkeypatch.setattr(scale.ScaleSeeder, "_plan_sql", spied)
    seed()
    ahead = issue_rows()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        assert planned_by and cur.fetchone()[0] not in planned_by
    assert len(ahead[0]) == 2000 and {state for _, state, *_ in ahead[0]} >= {"closed", "merged", "escalated"}
    assert scale.ScaleSeeder._planner_tables() == []

    planned_by.clear()
    with transaction.atomic():
        seed(reset=True)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        assert planned_by == {cur.fetchone()[0]}
    assert issue_rows() == ahead


def test_a_failing_plan_stops_the_step_and_leaves_keys_and_indexes(monkeypatch):
    monkeypatch.setattr(scale, "CHUNK_ROWS", 500)
    before = keys_and_indexes()
    plan_sql = scale.ScaleSeeder._plan_sql

    def broken(self, f0, f1, last, table, temp):
        # The third slice's plan fails on the second connection, while this one writes the first two.
        return "SELECT 1 / 0" if table == "sc_plan_2" else plan_sql(self, f0, f1, last, table, temp)

    monkeypatch.setattr(scale.ScaleSeeder, "_plan_sql", broken)
    with pytest.raises(DataError, match="division by zero"):
        seed()
    assert keys_and_indexes() == before
    assert not Issue.objects.exists() and not IssueEvent.objects.exists()
    assert scale.ScaleSeeder._planner_tables() == []


def test_a_city_generated_inside_a_transaction():
    # The command's own writes before the issue step leave deferred checks pending in an
    # enclosing transaction; the step runs them before it alters the tables.
    before = keys_and_indexes()
    with transaction.atomic():
        seed()
        assert Issue.objects.count() == 2000
    assert keys_and_indexes() == before


def test_sizes_are_checked():
    with pytest.raises(CommandError, match="--households"):
        call_command("seed_scale", compounds=50, households=10, users=10_000, members=60, issues=10)
    with pytest.raises(CommandError, match="--users"):
        call_command(
            "seed_scale", compounds=5, subdistricts=1, households=100, users=50, members=20, issues=10
        )
