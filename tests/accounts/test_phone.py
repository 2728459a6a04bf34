"""Mobile numbers: one spelling per number, masked to everyone who may not see it in full."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template

from governance.accounts.models import mask_phone, normalise_phone


def test_a_number_is_masked_to_its_first_three_and_last_four_digits():
    assert mask_phone("13812341234") == "138****1234"


@pytest.mark.parametrize(("phone", "masked"), [("", ""), (None, ""), ("12345", "*****")])
def test_an_empty_or_short_number_is_masked_without_failing(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    "typed",
    [
        "13812341234",
        "138 1234 1234",
        "138-1234-1234",
        "(138) 1234 1234",
        "+86 138 1234 1234",
        "0086 13812341234",
    ],
)
def test_every_common_spelling_normalises_to_the_eleven_digits(typed):
    assert normalise_phone(typed) == "13812341234"


def phone_of(viewer, person, in_scope=False) -> str:
    template = Template("{% load linli %}{% phone_of person in_scope=in_scope %}")
    return template.render(Context({"user": viewer, "person": person, "in_scope": in_scope}))


def test_a_person_sees_their_own_number_in_full(resident):
    assert phone_of(resident, resident) == "13812341234"


def test_a_neighbour_sees_the_number_masked(resident, neighbour):
    assert phone_of(neighbour, resident) == "138****1234"


def test_an_anonymous_visitor_sees_the_number_masked(resident):
    assert phone_of(AnonymousUser(), resident) == "138****1234"


def test_an_officer_on_a_page_limited_to_their_scope_sees_the_number_in_full(resident, officer):
    assert phone_of(officer, resident, in_scope=True) == "13812341234"
    # Outside such a page the officer's role alone does not unmask it.
    assert phone_of(officer, resident) == "138****1234"


def test_a_person_who_chose_to_show_their_number_is_shown_in_full(resident, neighbour):
    resident.show_phone = True

    assert phone_of(neighbour, resident) == "13812341234"


def test_a_person_without_a_number_shows_a_dash(resident, stranger):
    stranger.phone = None

    assert phone_of(resident, stranger) == "—"


def test_a_person_chooses_on_the_profile_page_to_show_their_number(client, resident):
    client.force_login(resident)
    assert "138****1234" in client.get("/accounts/profile/").content.decode()

    response = client.post(
        "/accounts/profile/", {"display_name": "张秀英", "email": "resident@example.org", "show_phone": "on"}
    )

    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.show_phone is True

    client.post("/accounts/profile/", {"display_name": "张秀英", "email": "resident@example.org"})
    resident.refresh_from_db()
    assert resident.show_phone is False
