"""Query counts pinned (STYLE.md §13): each list page and API list costs the same for 10 rows as
for 50. The numbers are exact so a new query shows up here; if one is added on purpose, update
the number and say why in the commit."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from committees.models import (
    Committee,
    ContractStatus,
    PropertyCompany,
    PropertyContract,
    PropertyStaff,
    Seat,
)
from compounds.models import Building, Compound, Household, Residency, ResidencyStatus
from governance.accounts.models import User

from .. import factories
from .factories import CommitteeFactory, CompanyFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _fill(world, officer, n, company=None):
    """``n`` more of everything in community A: compounds with a committee (one seated owner
    each), companies with a contract and a staff member, and on A1 ``n`` terms and contracts."""
    compounds = Compound.objects.bulk_create(factories.CompoundFactory.build_batch(n, community=world.a))
    buildings = Building.objects.bulk_create(factories.BuildingFactory.build(compound=c) for c in compounds)
    homes = Household.objects.bulk_create(factories.HouseholdFactory.build(building=b) for b in buildings)
    owners = User.objects.bulk_create(factories.UserFactory.build_batch(n))
    Residency.objects.bulk_create(
        Residency(user=u, household=h, relation="owner", status=ResidencyStatus.VERIFIED, decided_by=officer)
        for u, h in zip(owners, homes, strict=True)
    )
    committees = Committee.objects.bulk_create(CommitteeFactory.build(compound=c) for c in compounds)
    Seat.objects.bulk_create(
        Seat(committee=c, user=u, household=h, role="member", started_on=TODAY)
        for c, u, h in zip(committees, owners, homes, strict=True)
    )
    companies = PropertyCompany.objects.bulk_create(CompanyFactory.build_batch(n))
    PropertyContract.objects.bulk_create(
        PropertyContract(compound=c, company=co, starts_on=TODAY - DAY, ends_on=TODAY + 300 * DAY, fee_per_m2=1,
                         status=ContractStatus.ACTIVE)
        for c, co in zip(compounds, companies, strict=True)
    )
    clerks = User.objects.bulk_create(factories.UserFactory.build_batch(n))
    PropertyStaff.objects.bulk_create(
        PropertyStaff(company=co, user=u, started_on=TODAY) for co, u in zip(companies, clerks, strict=True)
    )
    # On A1: n past terms (with a seat each) and n past contracts of one company.
    start = Committee.objects.filter(compound=world.a1).count()
    a1_terms = Committee.objects.bulk_create(
        Committee(compound=world.a1, kind="supervisory_board", term_start=TODAY - (i + 2) * 10 * DAY,
                  term_end=TODAY - (i + 2) * 10 * DAY + 5 * DAY, dissolved_on=TODAY)
        for i in range(start, start + n)
    )
    Seat.objects.bulk_create(
        Seat(committee=t, user=owners[0], household=homes[0], role="member", started_on=TODAY, ended_on=TODAY) for t in a1_terms
    )
    company = company or companies[0]
    PropertyStaff.objects.bulk_create(
        PropertyStaff(company=company, user=u, started_on=TODAY) for u in User.objects.bulk_create(factories.UserFactory.build_batch(n))
    )
    PropertyContract.objects.bulk_create(
        PropertyContract(compound=world.a1, company=company, starts_on=TODAY - 900 * DAY, ends_on=TODAY - 800 * DAY,
                         fee_per_m2=1, status=ContractStatus.ENDED)
        for _ in range(n)
    )
    return company


def _count(client, url, **headers):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


# Page → queries. Every page pays session, user, role assignments and the menu's unread count.
PAGES = {
    "committees:overview": 6,  # + count, rows (with the committee/contract subqueries)
    "committees:company-list": 6,  # + count, rows (with the figures subqueries)
    "committees:compound": 10,  # + guardian check (2), compound, terms, seats, contracts
    "committees:company-detail": 8,  # + company, contracts, staff (managing checked once)
}
API = {
    "/api/v1/committees/": 5,  # token, roles, count, rows, seats (prefetched)
    "/api/v1/committee-seats/": 4,  # token, roles, count, rows
    "/api/v1/property-contracts/": 4,
    "/api/v1/property-companies/": 4,
    "/api/v1/property-staff/": 4,
}


def _url(name, world, company):
    if name == "committees:compound":
        return reverse(name, args=[world.a1.pk])
    if name == "committees:company-detail":
        return reverse(name, args=[company.pk])
    return reverse(name) + "?size=50"


def test_each_list_page_costs_the_same_queries_for_10_and_50_rows(client, world, officer, django_assert_num_queries):
    client.force_login(officer)
    company = _fill(world, officer, 10)
    small = {name: _count(client, _url(name, world, company)) for name in PAGES}
    _fill(world, officer, 40, company)
    for name, expected in PAGES.items():
        with django_assert_num_queries(expected):
            assert client.get(_url(name, world, company)).status_code == 200
    assert small == PAGES


def test_each_api_list_costs_the_same_queries_for_10_and_50_rows(client, world, officer, token_for, django_assert_num_queries):
    headers = token_for(officer)
    _fill(world, officer, 10)
    small = {url: _count(client, url + "?page_size=50", **headers) for url in API}
    _fill(world, officer, 40)
    for url, expected in API.items():
        with django_assert_num_queries(expected):
            response = client.get(url + "?page_size=50", **headers)
        assert len(response.json()["results"]) == 50
    assert small == API
