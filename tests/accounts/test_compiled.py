"""``governance.compiled``: queries compiled once give what the ORM gives, for each caller's values."""

import pytest

from compounds.scopes import forget_scopes, scopes_for
from governance.accounts.models import Notification
from governance.accounts.selectors import unread_count
from governance.compiled import Compiled


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
    assert built == [-1]  # compiled once, with its placeholder

    with pytest.raises(TypeError):
        unread.rows()
    with pytest.raises(ValueError, match="None"):
        unread.rows(None)  # the ORM would have asked IS NULL


def test_a_query_that_does_not_take_its_placeholders_is_refused(resident):
    # The SQL would silently run with the placeholder folded in (or a value out of place).
    with pytest.raises(ValueError, match="placeholders"):
        Compiled(lambda user_id: Notification.objects.filter(user_id=5).values_list("pk"), -1).rows(resident.pk)
    with pytest.raises(ValueError, match="placeholders"):
        Compiled(
            lambda user_id, kind: Notification.objects.filter(kind=kind, user_id=user_id).values_list("pk"), -1, "k"
        ).rows(resident.pk, "x")


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
