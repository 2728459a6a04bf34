"""Changing a password, and resetting a forgotten one by e-mail."""

import re

from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD

NEW = "a-new-and-longer-passphrase-2026"


def test_a_person_changes_their_password_and_stays_logged_in(client, resident):
    client.force_login(resident)

    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-change-done")
    resident.refresh_from_db()
    assert resident.check_password(NEW)
    assert client.get(reverse("home")).status_code == 200


def test_a_password_change_needs_the_old_password(client, resident):
    client.force_login(resident)

    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": "not-it", "new_password1": NEW, "new_password2": NEW},
    )

    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD)


def test_the_password_change_page_needs_a_login(client, db):
    response = client.get(reverse("accounts:password-change"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def _reset_link() -> str:
    assert len(mail.outbox) == 1
    match = re.search(r"http://testserver(/accounts/password/reset/[^/\s]+/[^/\s]+/)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def test_a_forgotten_password_is_reset_through_a_link_that_works_once(client, resident, log_in):
    response = client.post(reverse("accounts:password-reset"), {"email": "resident@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-done")
    message = mail.outbox[0]
    assert message.to == ["resident@example.org"]
    assert "Reset your password" in message.subject
    link = _reset_link()
    assert link in message.alternatives[0][0]  # the HTML part carries the same link

    # Django swaps the token for a session marker, then shows the form.
    response = client.get(link)
    assert response.status_code == 302
    form_url = response["Location"]
    assert client.get(form_url).context["validlink"] is True
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-complete")

    resident.refresh_from_db()
    assert resident.check_password(NEW)
    assert log_in("13812341234", NEW)[0].status_code == 302
    assert log_in("13812341234", PASSWORD)[0].status_code == 200

    # The used link is dead, in this browser and in any other.
    for browser in (client, type(client)(HTTP_ACCEPT_LANGUAGE="en")):
        response = browser.get(link, follow=True)
        assert response.context["validlink"] is False
        assert b"This reset link is invalid or has been used already." in response.content


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, resident):
    response = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password-reset-done")
    assert mail.outbox == []


def test_a_weak_new_password_is_refused_on_reset(client, resident):
    client.post(reverse("accounts:password-reset"), {"email": "resident@example.org"})
    form_url = client.get(_reset_link())["Location"]

    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    resident.refresh_from_db()
    assert resident.check_password(PASSWORD)
