"""Fixtures for the accounts, health and security tests.

Pages are requested in English (``Accept-Language: en``) so assertions can quote the source
strings whether or not the Simplified Chinese catalogue is compiled; the i18n tests make their
own clients to see the Chinese default.
"""

import pytest
from django.test import Client
from django.urls import reverse


def english_client(**defaults) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en", **defaults)


@pytest.fixture
def client():
    return english_client()


@pytest.fixture
def log_in(db):
    """POST the log-in form from a fresh browser at ``ip``; returns (response, client)."""

    def attempt(login: str, password: str, ip: str = "127.0.0.1"):
        browser = english_client(REMOTE_ADDR=ip)
        response = browser.post(reverse("accounts:login"), {"username": login, "password": password})
        return response, browser

    return attempt
