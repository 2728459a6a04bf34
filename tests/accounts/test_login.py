"""Log-in by mobile number or username, log-out, and django-axes' lock-out (username + address)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.urls import reverse

from tests.factories import PASSWORD

LIMIT = 5  # AXES_FAILURE_LIMIT


def is_logged_in(browser) -> bool:
    return "_auth_user_id" in browser.session


@pytest.mark.parametrize(
    "login", ["13812341234", "138 1234 1234", "+86 138 1234 1234", "+8613812341234", "resident"]
)
def test_a_resident_logs_in_with_any_spelling_of_their_number_or_their_username(log_in, resident, login):
    response, browser = log_in(login, PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert is_logged_in(browser)
    assert browser.session["_auth_user_id"] == str(resident.pk)


def test_a_wrong_password_is_refused_with_the_form_shown_again(log_in, resident):
    response, browser = log_in("13812341234", "not-the-password")

    assert response.status_code == 200
    assert not is_logged_in(browser)
    assert b'data-testid="form-errors"' in response.content
    assert b'value="13812341234"' in response.content


def test_an_unknown_number_is_refused(log_in, resident):
    response, browser = log_in("13999999999", PASSWORD)

    assert response.status_code == 200
    assert not is_logged_in(browser)


def test_an_inactive_account_cannot_log_in(log_in, resident):
    resident.is_active = False
    resident.save(update_fields=["is_active"])

    response, browser = log_in("resident", PASSWORD)

    assert response.status_code == 200
    assert not is_logged_in(browser)


def test_logging_out_takes_a_post_and_ends_the_session(client, resident):
    client.force_login(resident)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert is_logged_in(client)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert not is_logged_in(client)
    assert client.get(reverse("home")).status_code == 302


def test_the_login_page_sends_a_logged_in_person_home(client, resident):
    client.force_login(resident)

    response = client.get(reverse("accounts:login"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def _fail(log_in, login, ip, times=LIMIT):
    return [log_in(login, "wrong-password", ip=ip)[0] for _ in range(times)]


def test_five_failures_lock_that_username_at_that_address_only(log_in, resident, neighbour):
    responses = _fail(log_in, "resident", "10.0.0.1")
    assert [r.status_code for r in responses[:-1]] == [200] * (LIMIT - 1)
    assert responses[-1].status_code == 429

    # The right password does not help while locked, and the page says what happened.
    response, browser = log_in("resident", PASSWORD, ip="10.0.0.1")
    assert response.status_code == 429
    assert not is_logged_in(browser)
    assert b"Too many failed log-ins" in response.content
    assert b"Try again in 15 minutes" in response.content

    # Another person behind the same address (one office, one NAT) is not affected ...
    response, browser = log_in("neighbour", PASSWORD, ip="10.0.0.1")
    assert response.status_code == 302 and is_logged_in(browser)

    # ... nor is the same account from elsewhere, and that success does not unlock 10.0.0.1.
    response, browser = log_in("resident", PASSWORD, ip="10.0.0.2")
    assert response.status_code == 302 and is_logged_in(browser)
    response, browser = log_in("resident", PASSWORD, ip="10.0.0.1")
    assert response.status_code == 429


def test_the_lock_out_ends_by_itself_after_the_cool_off(log_in, resident, settings):
    _fail(log_in, "resident", "10.0.0.1")
    assert log_in("resident", PASSWORD, ip="10.0.0.1")[0].status_code == 429

    # Move the recorded failures back past the cool-off instead of waiting for it.
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    response, browser = log_in("resident", PASSWORD, ip="10.0.0.1")
    assert response.status_code == 302
    assert is_logged_in(browser)
    # A success clears the count, so the next typo does not lock again at once.
    assert not AccessAttempt.objects.filter(ip_address="10.0.0.1").exists()


def test_the_lock_out_page_states_the_configured_cool_off(log_in, resident, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)

    responses = _fail(log_in, "resident", "10.0.0.1")

    assert responses[-1].status_code == 429
    assert b"Try again in 30 minutes" in responses[-1].content


def test_failures_under_different_spellings_of_one_account_add_up_to_one_lock_out(log_in, resident):
    spellings = ["13812341234", "138 1234 1234", "+86 13812341234", "resident", "138-1234-1234"]
    for spelling in spellings:
        log_in(spelling, "wrong-password", ip="10.0.0.1")

    for spelling in spellings:
        response, browser = log_in(spelling, PASSWORD, ip="10.0.0.1")
        assert response.status_code == 429, spelling
        assert not is_logged_in(browser)
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"resident"}


def test_failures_for_an_unknown_number_are_counted_under_one_spelling(log_in, db):
    for spelling in ["13999999999", "139 9999 9999", "+86 139-9999-9999"]:
        log_in(spelling, "wrong-password", ip="10.0.0.1")

    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [("13999999999", 3)]
