"""Language: Simplified Chinese by default, English on request, the choice kept on the account."""

from django.conf import settings
from django.test import Client
from django.urls import reverse

from governance.accounts.models import User
from tests import factories


def test_pages_are_in_simplified_chinese_by_default(db):
    for headers in ({}, {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}):
        response = Client(**headers).get(reverse("accounts:login"))

        assert '<html lang="zh-Hans">' in response.content.decode()
        assert response["Content-Language"] == "zh-hans"


def test_a_browser_asking_for_english_gets_english(db):
    response = Client(HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").get(reverse("accounts:login"))

    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Log in to Linli" in html
    assert response["Content-Language"] == "en"


def test_the_language_switch_sets_the_cookie_for_an_anonymous_visitor(db):
    browser = Client()

    response = browser.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:login")})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in browser.get(reverse("accounts:login")).content.decode()


def test_the_language_switch_remembers_the_choice_on_the_account(resident):
    assert resident.language == "zh-hans"
    browser = Client()
    browser.force_login(resident)

    response = browser.post(reverse("set_language"), {"language": "en", "next": reverse("home")})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert User.objects.get(pk=resident.pk).language == "en"
    assert '<html lang="en">' in browser.get(reverse("home")).content.decode()

    browser.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("home")})
    assert User.objects.get(pk=resident.pk).language == "zh-hans"
    assert '<html lang="zh-Hans">' in browser.get(reverse("home")).content.decode()


def test_a_language_the_portal_does_not_offer_changes_neither_the_account_nor_the_pages(resident):
    browser = Client()
    browser.force_login(resident)

    # Django still sets its cookie for any language it has a catalogue for; the middleware then
    # ignores a cookie naming a language outside LANGUAGES.
    response = browser.post(reverse("set_language"), {"language": "fr", "next": reverse("home")})

    assert response.status_code == 302
    assert User.objects.get(pk=resident.pk).language == "zh-hans"
    assert '<html lang="zh-Hans">' in browser.get(reverse("home")).content.decode()


def test_the_language_switch_takes_a_post_only(db):
    assert Client().get(reverse("set_language")).status_code == 405


def test_the_language_switch_does_not_redirect_off_site(db):
    response = Client().post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_logging_in_applies_the_account_language_on_a_new_device(world):
    factories.UserFactory(username="eng", language="en")
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "eng", "password": factories.PASSWORD})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_a_language_chosen_before_logging_in_becomes_the_account_language(world):
    user = factories.UserFactory(username="zh", language="zh-hans")
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.post(reverse("accounts:login"), {"username": "zh", "password": factories.PASSWORD})
    user.refresh_from_db()
    assert user.language == "en"
