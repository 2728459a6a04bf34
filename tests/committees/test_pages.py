"""Officer pages: the three carriages, committees and seats, companies and staff, contracts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from committees.credit_code import make_code
from committees.models import (
    BodyKind,
    Committee,
    ContractStatus,
    PropertyCompany,
    PropertyContract,
    PropertyStaff,
    Seat,
)

from .conftest import snapshot
from .factories import CompanyFactory

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
GOOD = make_code("91420500MA4K00001")


@pytest.fixture
def as_officer(english, officer):
    english.force_login(officer)
    return english


def test_the_three_carriages_page_says_what_to_do_when_empty(as_officer, world):
    page = as_officer.get(reverse("committees:compound", args=[world.a1.pk])).content.decode()
    assert "No term recorded." in page
    assert "No property contract in force." in page
    assert reverse("committees:contract-create", args=[world.a1.pk]) in page


def test_the_three_carriages_page_shows_terms_seats_and_contracts(as_officer, world, a_member, a_company):
    page = as_officer.get(reverse("committees:compound", args=[world.a1.pk])).content.decode()
    assert a_member.name in page
    assert "Member" in page
    assert a_company.name in page
    assert "In force" in page
    assert 'data-confirm="' in page


def test_an_officer_records_a_term_and_seats_an_owner(as_officer, world, resident):
    response = as_officer.post(
        reverse("committees:committee-create", args=[world.a1.pk]),
        {"kind": BodyKind.OWNERS_COMMITTEE, "term_start": TODAY.isoformat(), "term_end": (TODAY + 5 * 365 * DAY).isoformat()},
    )
    committee = Committee.objects.get()
    assert response.status_code == 302 and response.url == reverse("committees:seat-add", args=[committee.pk])
    page = as_officer.get(response.url).content.decode()
    assert resident.name in page  # the owners are offered
    response = as_officer.post(
        response.url, {"user": resident.pk, "role": "chair", "started_on": TODAY.isoformat()}
    )
    assert response.status_code == 302
    assert Seat.objects.get().user == resident


def test_an_overlapping_term_is_refused_with_the_values_kept(as_officer, world, a_committee):
    before = snapshot()
    start = (a_committee.term_end - 30 * DAY).isoformat()
    response = as_officer.post(
        reverse("committees:committee-create", args=[world.a1.pk]),
        {"kind": BodyKind.OWNERS_COMMITTEE, "term_start": start, "term_end": (TODAY + 3000 * DAY).isoformat()},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "overlaps another term" in page
    assert f'value="{start}"' in page
    assert snapshot() == before


def test_a_non_owner_cannot_be_seated_from_the_page(as_officer, a_committee, resident, stranger):
    before = snapshot()
    response = as_officer.post(
        reverse("committees:seat-add", args=[a_committee.pk]), {"user": stranger.pk, "role": "member", "started_on": TODAY.isoformat()}
    )
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.content.decode()
    assert snapshot() == before


def test_an_interim_committee_seats_a_person_found_by_mobile_number(as_officer, world, stranger):
    interim = Committee.objects.create(
        compound=world.a1, kind=BodyKind.INTERIM_COMMITTEE, term_start=TODAY, term_end=TODAY + 365 * DAY
    )
    url = reverse("committees:seat-add", args=[interim.pk])
    response = as_officer.post(url, {"phone": "13999999999", "role": "member", "started_on": TODAY.isoformat()})
    assert "No account has the mobile number 13999999999" in response.content.decode()
    response = as_officer.post(url, {"phone": stranger.phone, "role": "member", "started_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert interim.seats.get().user == stranger


def test_ending_a_seat_and_dissolving_a_committee(as_officer, a_committee, a_member):
    seat = Seat.objects.get()
    assert as_officer.get(reverse("committees:seat-end", args=[seat.pk])).status_code == 405
    as_officer.post(reverse("committees:seat-end", args=[seat.pk]))
    seat.refresh_from_db()
    assert seat.ended_on == TODAY
    as_officer.post(reverse("committees:committee-dissolve", args=[a_committee.pk]))
    a_committee.refresh_from_db()
    assert a_committee.dissolved_on == TODAY


def test_editing_a_term(as_officer, a_committee):
    end = a_committee.term_end + 10 * DAY
    response = as_officer.post(
        reverse("committees:committee-edit", args=[a_committee.pk]),
        {"term_start": a_committee.term_start.isoformat(), "term_end": end.isoformat(), "filed_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    a_committee.refresh_from_db()
    assert (a_committee.term_end, a_committee.filed_on) == (end, TODAY)


def test_registering_a_company_with_a_bad_credit_code_keeps_the_values(as_officer):
    for code, message in [
        (GOOD[:17] + ("0" if GOOD[17] != "0" else "1"), "check character does not match"),
        (GOOD[:10], "18 characters"),
        ("91420500MA4KO0001" + "0", "never used"),
    ]:
        response = as_officer.post(reverse("committees:company-create"), {"name": "新物业", "credit_code": code})
        page = response.content.decode()
        assert response.status_code == 200 and message in page, code
        assert 'value="新物业"' in page
    assert not PropertyCompany.objects.exists()
    response = as_officer.post(reverse("committees:company-create"), {"name": "新物业", "credit_code": GOOD.lower()})
    company = PropertyCompany.objects.get()
    assert response.url == reverse("committees:company-detail", args=[company.pk])
    assert company.credit_code == GOOD


def test_the_company_list_searches_by_name_and_code(as_officer, a_company):
    other = CompanyFactory(name="别的物业")
    page = as_officer.get(reverse("committees:company-list"), {"q": "东湾"}).content.decode()
    assert a_company.name in page and other.name not in page
    page = as_officer.get(reverse("committees:company-list"), {"q": other.credit_code[-6:]}).content.decode()
    assert other.name in page and a_company.name not in page
    page = as_officer.get(reverse("committees:company-list"), {"q": "没有这家"}).content.decode()
    assert "No company matches these filters." in page


def test_staff_are_added_by_mobile_number_of_an_existing_account_and_end(as_officer, a_company, stranger):
    url = reverse("committees:staff-add", args=[a_company.pk])
    before = snapshot()
    response = as_officer.post(url, {"phone": "13999999999", "title": "管家"})
    assert "Ask the person to register first" in response.content.decode()
    assert snapshot() == before
    assert as_officer.post(url, {"phone": stranger.phone, "title": "管家"}).status_code == 302
    staff = PropertyStaff.objects.get(user=stranger)
    page = as_officer.get(reverse("committees:company-detail", args=[a_company.pk])).content.decode()
    assert stranger.name in page
    as_officer.post(reverse("committees:staff-end", args=[staff.pk]))
    staff.refresh_from_db()
    assert staff.ended_on == TODAY


def test_a_second_contract_is_refused_on_the_page(as_officer, world, a_company):
    other = CompanyFactory()
    before = snapshot()
    response = as_officer.post(
        reverse("committees:contract-create", args=[world.a1.pk]),
        {"company": other.pk, "starts_on": TODAY.isoformat(), "ends_on": (TODAY + 365 * DAY).isoformat(), "fee_per_m2": "1.50"},
    )
    assert response.status_code == 200
    assert "overlaps another contract" in response.content.decode()
    assert snapshot() == before


def test_a_contract_is_recorded_and_ended_with_a_reason(as_officer, world):
    company = CompanyFactory()
    response = as_officer.post(
        reverse("committees:contract-create", args=[world.a1.pk]),
        {"company": company.pk, "starts_on": TODAY.isoformat(), "ends_on": (TODAY + 365 * DAY).isoformat(), "fee_per_m2": "1.50"},
    )
    assert response.status_code == 302
    contract = PropertyContract.objects.get()
    assert contract.status == ContractStatus.ACTIVE
    url = reverse("committees:contract-end", args=[contract.pk])
    assert "Reason for ending" in as_officer.get(url).content.decode()
    response = as_officer.post(url, {"reason": ""})
    assert response.status_code == 200
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert as_officer.post(url, {"reason": "业主大会解聘"}).status_code == 302
    contract.refresh_from_db()
    assert (contract.status, contract.end_reason) == (ContractStatus.ENDED, "业主大会解聘")


def test_the_overview_filters_compounds_without_property_service(as_officer, world, a_company):
    from tests import factories

    bare = factories.CompoundFactory(community=world.a, name="无物业小区")
    page = as_officer.get(reverse("committees:overview"), {"missing": "property"}).content.decode()
    assert bare.name in page and world.a1.name not in page


def test_residents_and_company_staff_do_not_get_the_officer_lists(client, resident, a_clerk):
    for user in (resident, a_clerk):
        client.force_login(user)
        assert client.get(reverse("committees:overview")).status_code == 404
        assert client.get(reverse("committees:company-list")).status_code == 404
        assert client.get(reverse("committees:company-create")).status_code == 404


def test_a_clerk_reads_their_company_but_cannot_edit_it(client, a_company, a_clerk):
    client.force_login(a_clerk)
    assert client.get(reverse("committees:company-detail", args=[a_company.pk])).status_code == 200
    assert client.get(reverse("committees:company-edit", args=[a_company.pk])).status_code == 403
