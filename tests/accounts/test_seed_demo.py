"""``manage.py seed_demo`` loads the demo world, and loading it again changes nothing."""

import io

from django.core.management import call_command

from compounds.models import Compound, Household, Residency, ResidencyStatus, RoleAssignment
from governance.accounts.models import Notification, User
from governance.accounts.roles import Role

DEMO_PASSWORD = "linli-demo-2026"
STAFF = {"admin", "district", "xueyuan", "yunji", "dongwan", "shangdong", "jiguang", "anju"}


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Compound, Household, User, Residency, RoleAssignment, Notification)
    }


def test_seeding_the_demo_twice_gives_the_same_world_with_working_accounts(db, log_in):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())

    assert counts() == first
    assert first["Compound"] == 12
    assert 1000 <= first["Household"] <= 1050
    assert first["User"] >= len(STAFF) + 2 + 120  # staff, the two named residents, the crowd
    assert STAFF | {"resident", "neighbour"} <= set(User.objects.values_list("username", flat=True))
    assert Residency.objects.get(user__username="resident").status == ResidencyStatus.VERIFIED
    assert RoleAssignment.objects.filter(user__username="dongwan", role=Role.COMMUNITY_OFFICER).count() == 1
    # Every verification state is represented for the demo.
    assert {ResidencyStatus.VERIFIED, ResidencyStatus.PENDING, ResidencyStatus.REJECTED} <= set(
        Residency.objects.values_list("status", flat=True)
    )
    # The printed table names the password and the accounts.
    assert DEMO_PASSWORD in out.getvalue() and "dongwan" in out.getvalue()

    response, browser = log_in("dongwan", DEMO_PASSWORD)
    assert response.status_code == 302
    assert browser.get("/").status_code == 200
    assert log_in("13800000001", DEMO_PASSWORD)[0].status_code == 302  # resident, by number
