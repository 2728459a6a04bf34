"""``governance.compiled``: queries compiled once give what the ORM gives, for each caller's values."""

import pytest

from compounds.scopes import forget_scopes, scopes_for
from governance.accounts.models import Notification
from governance.accounts.selectors import unread_count
from governance.compiled import Compiled, CompiledInsert, first_of


def test_a_compiled_query_runs_with_each_callers_values(resident, neighbour):
    Notification.objects.all().delete()
    built = []

    def build(user_id):
        built.append(user_id)
        return Notification.objects.filter(user_id=user_id, read_at__isnull=True).values_list("user_id")

    unread = Compiled(build, -1)
    Notification.objects.create(user=resident, kind="x")
    Notification.objects.create(user=resident, kind="y")
    Notification.objects.create(user=neighbour, kind="x")

    assert unread.rows(resident.pk) == [(resident.pk,), (resident.pk,)]
    assert unread.rows(neighbour.pk) == [(neighbour.pk,)]
    assert unread.rows(0) == []
    # Compiled once, with its placeholder (and built again with another, which must take the same place).
    assert built == [-1, -1 - 10**12]

    with pytest.raises(TypeError):
        unread.rows()
    with pytest.raises(ValueError, match="None"):
        unread.rows(None)  # the ORM would have asked IS NULL


def test_a_query_that_does_not_take_its_placeholders_is_refused(resident):
    # The SQL would silently run with a constant folded in, or without one of the caller's values.
    with pytest.raises(ValueError, match="placeholders"):
        Compiled(lambda user_id: Notification.objects.filter(user_id=5).values_list("pk"), -1).rows(resident.pk)
    with pytest.raises(ValueError, match="placeholders"):
        Compiled(lambda user_id, kind: Notification.objects.filter(user_id=user_id).values_list("pk"), -1, "k").rows(
            resident.pk, "x"
        )


def test_a_constant_equal_to_a_placeholder_is_refused(resident):
    # It would pass for the placeholder and be replaced by the caller's value.
    query = Compiled(lambda user_id: Notification.objects.filter(user_id=user_id).exclude(user_id=-1).values_list("pk"), -1)
    with pytest.raises(ValueError, match="constant"):
        query.rows(resident.pk)
    with pytest.raises(ValueError, match="ints or strings"):
        Compiled(lambda flag: Notification.objects.filter(pk=flag).values_list("pk"), True)


def test_values_go_where_their_placeholders_went(resident, neighbour):
    # The ORM may take the parameters in another order than the caller names them (here: the
    # kind's filter first); each value still lands on its own column.
    Notification.objects.all().delete()
    mine = Notification.objects.create(user=resident, kind="x")
    Notification.objects.create(user=neighbour, kind="x")
    Notification.objects.create(user=resident, kind="y")
    query = Compiled(
        lambda user_id, kind: Notification.objects.filter(kind=kind).filter(user_id=user_id).values_list("pk"), -1, "k"
    )
    assert query.sql("default").index('"kind"') < query.sql("default").index('"user_id"')
    assert query.rows(resident.pk, "x") == [(mine.pk,)]
    assert query.rows(resident.pk, "z") == []


def test_placeholders_that_could_not_be_told_apart_are_refused():
    build = lambda a, b: Notification.objects.filter(user_id=a, pk=b).values_list("pk")  # noqa: E731
    with pytest.raises(ValueError, match="differ"):
        Compiled(build, -1, -1)
    with pytest.raises(ValueError, match="None"):
        Compiled(build, None, -2)


def test_unread_count_and_scopes_follow_the_database(resident, neighbour, officer, world):
    Notification.objects.all().delete()
    assert unread_count(resident) == 0
    Notification.objects.bulk_create([Notification(user=resident, kind="x") for _ in range(3)])
    Notification.objects.create(user=neighbour, kind="x")
    assert unread_count(resident) == 3
    Notification.objects.filter(user=resident).update(read_at="2026-01-01T00:00:00Z")
    assert unread_count(resident) == 0
    assert unread_count(neighbour) == 1

    assert resident.pk != officer.pk
    forget_scopes(officer)
    assert scopes_for(officer).communities  # the officer's community, through the compiled query
    forget_scopes(resident)
    assert not scopes_for(resident).communities and scopes_for(resident).resident_compounds


def _fields(obj):
    return {k: v for k, v in vars(obj).items() if k != "_state"}


def test_compiled_objects_are_what_the_orm_gives(world, resident, neighbour, django_assert_num_queries):
    # Decimals and times need the backend's converters on SQLite; the related rows come cached.
    from django.db.models.functions import Upper

    from compounds.models import Household, Residency

    def build(compound_id):
        return (
            Household.objects.filter(building__compound_id=compound_id)
            .select_related("building__compound")
            .annotate(room_upper=Upper("room"))
            .order_by("pk")
        )

    households = Compiled(build, -1)
    expected = list(build(world.a1.pk))
    assert expected  # the world has households
    with django_assert_num_queries(1):
        found = households.objects(world.a1.pk)
    assert [_fields(h) for h in found] == [_fields(h) for h in expected]
    assert all(type(h.exclusive_area).__name__ == "Decimal" for h in found)
    with django_assert_num_queries(0):
        assert [(h.building.name, h.building.compound.name, h.room_upper) for h in found] == [
            (h.building.name, h.building.compound.name, h.room.upper()) for h in expected
        ]
    assert households.objects(0) == []

    residencies = Compiled(lambda user_id: first_of(Residency.objects.filter(user_id=user_id).select_related("user")), -1)
    mine = residencies.first(resident.pk)
    assert mine == Residency.objects.filter(user=resident).first() and mine.user == resident
    assert _fields(mine) == _fields(Residency.objects.filter(user=resident).first())
    assert residencies.first(0) is None


def test_first_of_runs_what_first_runs(resident, neighbour):
    from compounds.models import Residency

    for queryset in (Residency.objects.all(), Residency.objects.order_by("-pk"), Residency.objects.filter(user=neighbour)):
        assert list(first_of(queryset)) == ([queryset.first()] if queryset.first() else [])


def test_objects_needs_model_instances_from_one_statement(resident):
    from compounds.models import Residency

    with pytest.raises(TypeError, match="model instances"):
        Compiled(lambda user_id: Notification.objects.filter(user_id=user_id).values_list("pk"), -1).objects(resident.pk)
    with pytest.raises(ValueError, match="prefetch"):
        Compiled(lambda user_id: Residency.objects.filter(user_id=user_id).prefetch_related("household"), -1).objects(resident.pk)


def _prepared_statements():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return dict(cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # it closes the connection
def test_on_postgresql_a_compiled_query_is_prepared_once_and_executed(resident, django_assert_num_queries):
    from django.db import connection

    unread = Compiled(
        lambda user_id: Notification.objects.filter(user_id=user_id, read_at__isnull=True).values_list("kind"), -1
    )
    Notification.objects.all().delete()
    Notification.objects.create(user=resident, kind="x")
    with django_assert_num_queries(1) as captured:
        assert unread.rows(resident.pk) == [("x",)]
    assert captured.captured_queries[0]["sql"] == f"EXECUTE {unread._name}({resident.pk})"
    statement = _prepared_statements()[unread._name]
    assert '"user_id" = $1' in statement and "%s" not in statement
    with django_assert_num_queries(1):
        assert unread.rows(0) == []
    assert list(_prepared_statements()).count(unread._name) == 1
    # Another connection (a new one after a close) prepares it again.
    connection.close()
    assert unread.rows(resident.pk) == [("x",)]
    assert unread._name in _prepared_statements()


@pytest.mark.postgres
def test_a_prepared_statement_the_schema_changed_under_is_prepared_again(resident):
    # As during a deploy: a migration changes a column's type under a worker's prepared statement.
    from django.db import DatabaseError, connection, transaction

    kinds = Compiled(lambda user_id: Notification.objects.filter(user_id=user_id).values_list("kind"), -1)
    Notification.objects.all().delete()
    Notification.objects.create(user=resident, kind="x")
    assert kinds.rows(resident.pk) == [("x",)]
    first = kinds._name
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks on the table to alter
        cursor.execute("ALTER TABLE accounts_notification ALTER COLUMN kind TYPE text")
    with pytest.raises(DatabaseError, match="result type"), transaction.atomic():
        kinds.rows(resident.pk)
    assert kinds._name != first
    assert kinds.rows(resident.pk) == [("x",)]  # prepared afresh
    # A statement this process lost track of (prepared, then interrupted before noting it) fails
    # once, then runs.
    from governance.compiled import _prepared

    _prepared[connection.connection].discard(kinds._name)
    with pytest.raises(DatabaseError, match="already exists"), transaction.atomic():
        kinds.rows(resident.pk)
    assert kinds.rows(resident.pk) == [("x",)]
    # A statement someone deallocated (DEALLOCATE, DISCARD ALL) fails once, then comes back too.
    with connection.cursor() as cursor:
        cursor.execute(f"DEALLOCATE {kinds._name}")
    with pytest.raises(DatabaseError), transaction.atomic():
        kinds.rows(resident.pk)
    assert kinds.rows(resident.pk) == [("x",)]


def test_percent_signs_and_placeholders_are_numbered_for_postgresql():
    from governance.compiled import _numbered

    assert _numbered("SELECT 1 WHERE a = %s AND b LIKE '50%%' AND c IN (%s, %s)") == (
        "SELECT 1 WHERE a = $1 AND b LIKE '50%' AND c IN ($2, $3)"
    )


# --- CompiledInsert -----------------------------------------------------------------------------


def _columns(rows):
    return [(n.user_id, n.kind, n.params, n.url, n.read_at) for n in rows]


@pytest.mark.postgres  # elsewhere a CompiledInsert is bulk_create
def test_a_compiled_insert_writes_what_bulk_create_writes_and_sets_the_keys(resident, neighbour):
    from django.utils import timezone

    Notification.objects.all().delete()
    read = timezone.now()

    def fresh():
        return [
            Notification(user=resident, kind="x", params={"ref": "#1", "n": 2, "zh": "电梯"}, url="/issues/1/"),
            Notification(user=neighbour, kind="y", read_at=read),  # defaults: params {}, url ""
            Notification(user_id=resident.pk, kind="z", params={"nested": [1, None]}),
        ]

    made = CompiledInsert(Notification).create(fresh())
    expected = Notification.objects.bulk_create(fresh())

    assert all(n.pk and not n._state.adding and n._state.db == "default" for n in made)
    assert len({n.pk for n in made + expected}) == 6
    stored = {n.pk: n for n in Notification.objects.all()}
    assert _columns(stored[n.pk] for n in made) == _columns(stored[n.pk] for n in expected)
    # auto_now_add: set on the objects as on the rows.
    assert all(n.created_at is not None and stored[n.pk].created_at == n.created_at for n in made)
    assert CompiledInsert(Notification).create([]) == []


def test_a_compiled_insert_sends_the_save_signals_only_when_asked(resident):
    from django.db.models.signals import post_save, pre_save

    heard = []

    def pre(sender, instance, **kwargs):
        heard.append(("pre", instance.pk, kwargs["raw"], kwargs["update_fields"]))

    def post(sender, instance, created, **kwargs):
        heard.append(("post", instance.pk, created))

    pre_save.connect(pre, sender=Notification)
    post_save.connect(post, sender=Notification)
    try:
        insert = CompiledInsert(Notification)
        insert.create([Notification(user=resident, kind="quiet")])
        assert heard == []
        [made] = insert.create([Notification(user=resident, kind="heard")], signals=True)
    finally:
        pre_save.disconnect(pre, sender=Notification)
        post_save.disconnect(post, sender=Notification)
    assert heard == [("pre", None, False, None), ("post", made.pk, True)]


def test_a_compiled_insert_refuses_saved_objects_expressions_and_other_models(resident):
    from django.db.models import F
    from django.db.models.functions import Now

    from compounds.models import Residency

    Notification.objects.all().delete()
    insert = CompiledInsert(Notification)
    saved = Notification.objects.create(user=resident, kind="x")
    with pytest.raises(ValueError, match="without a pk"):
        insert.create([saved])
    with pytest.raises(ValueError, match="objects only"):
        insert.create([Residency()])
    if insert_takes_arrays():
        with pytest.raises(ValueError, match="expression"):
            insert.create([Notification(user=resident, kind="x", read_at=Now())])
        with pytest.raises(ValueError, match="expression"):
            insert.create([Notification(user=resident, kind=F("url"))])
    assert Notification.objects.count() == 1


def insert_takes_arrays():
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.mark.postgres
def test_on_postgresql_a_compiled_insert_is_one_prepared_statement_for_any_number_of_rows(
    resident, neighbour, django_assert_num_queries
):
    Notification.objects.all().delete()
    insert = CompiledInsert(Notification)
    for n in (1, 3):
        with django_assert_num_queries(1) as captured:
            insert.create([Notification(user=resident if i % 2 else neighbour, kind=f"k{i}") for i in range(n)])
        assert captured.captured_queries[0]["sql"].startswith(f"EXECUTE {insert._statement.name}(")
    statement = _prepared_statements()[insert._statement.name]
    assert "UNNEST(" in statement and "%s" not in statement
    assert sorted(Notification.objects.values_list("kind", flat=True)) == ["k0", "k0", "k1", "k2"]
