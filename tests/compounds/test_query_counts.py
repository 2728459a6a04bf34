"""Query counts pinned (STYLE.md §13): a list page or API list costs the same number of queries
for 10 rows as for 50. The numbers are exact so that any new query shows up here; if one is
added on purpose, update the number and say why in the commit."""

import pytest
from django.urls import reverse
from django.utils import timezone

from compounds.models import Building, Compound, Household, Residency, ResidencyStatus
from governance.accounts.models import User

from .. import factories

ROWS = 55


def _residencies(world, officer, status, n=ROWS):
    # Built by the factories, saved in one INSERT each: rows, not behaviour, are what matters here.
    users = User.objects.bulk_create(factories.UserFactory.build_batch(n))
    building = factories.BuildingFactory(compound=world.a1, name=f"{status} 楼")
    homes = Household.objects.bulk_create(factories.HouseholdFactory.build_batch(n, building=building))
    decided = {"decided_by": officer, "decided_at": timezone.now()} if status == ResidencyStatus.VERIFIED else {}
    Residency.objects.bulk_create(
        Residency(user=u, household=h, relation="owner", status=status, **decided) for u, h in zip(users, homes, strict=True)
    )


@pytest.fixture
def crowded(world, officer):
    """Community A with 55+ compounds and buildings, 65+ households in A1, 55 residents and 55
    waiting claims."""
    compounds = Compound.objects.bulk_create(factories.CompoundFactory.build_batch(ROWS, community=world.a))
    Building.objects.bulk_create(factories.BuildingFactory.build(compound=c) for c in compounds)
    Household.objects.bulk_create(factories.HouseholdFactory.build_batch(65, building=world.home.building))
    _residencies(world, officer, ResidencyStatus.VERIFIED)
    _residencies(world, officer, ResidencyStatus.PENDING)
    return world


# Page → (URL, queries). The 5–7 every page pays: session, user, the caller's role assignments,
# the unread-notification count in the menu; then the page's own count and rows (and guardian's
# permission check where the page manages one compound).
PAGES = {
    "compound-list": (lambda w: reverse("compounds:compound-list"), 7),
    "compound-households": (lambda w: reverse("compounds:compound-households", args=[w.a1.pk]), 10),
    "resident-list": (lambda w: reverse("compounds:resident-list"), 6),
    "verification-queue": (lambda w: reverse("compounds:verification-queue"), 6),
}
# Token, role assignments, count, rows.
API = {
    "/api/v1/compounds/": 4,
    "/api/v1/buildings/": 4,
    "/api/v1/households/": 4,
}


def test_each_list_page_costs_the_same_queries_for_10_and_50_rows(client, crowded, officer, django_assert_num_queries):
    client.force_login(officer)
    for name, (url_of, queries) in PAGES.items():
        url = url_of(crowded)
        client.get(url)  # warm-up: per-process caches (content types) are filled once
        for size in (10, 50):
            with django_assert_num_queries(queries):
                response = client.get(url, {"size": size})
            assert response.status_code == 200, name
            assert len(response.context["page"].object_list) == size, name


def test_each_api_list_costs_the_same_queries_for_10_and_50_rows(
    client, crowded, officer, token_for, django_assert_num_queries
):
    headers = token_for(officer)
    for url, queries in API.items():
        client.get(url, headers=headers)
        for size in (10, 50):
            with django_assert_num_queries(queries):
                response = client.get(url, {"page_size": size}, headers=headers)
            assert response.status_code == 200, url
            assert len(response.json()["results"]) == size, url


def test_the_home_page_and_an_admins_list_cost_fixed_numbers_of_queries(
    client, crowded, officer, district_admin, django_assert_num_queries
):
    client.force_login(officer)
    client.get(reverse("home"))
    # Session, user, roles, unread count; the page's two aggregates, the oldest claims, the
    # busiest compounds, the residencies and the notifications of the caller; the issue sections:
    # the queue's open and overdue counts and the escalated issues waiting for the officer; the
    # meetings panel: the next meeting the caller is invited to and their open action items.
    with django_assert_num_queries(15):
        response = client.get(reverse("home"))
    assert len(response.context["staff_compounds"]) == 12
    assert response.context["totals"]["compounds"] == ROWS + 1

    # A district admin's scope is a different filter, not more queries.
    client.force_login(district_admin)
    client.get(reverse("compounds:compound-list"))
    for size in (10, 50):
        with django_assert_num_queries(PAGES["compound-list"][1]):
            client.get(reverse("compounds:compound-list"), {"size": size})
