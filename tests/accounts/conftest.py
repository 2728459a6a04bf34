"""Fixtures for the accounts, health and security tests.

Pages are requested in English (``Accept-Language: en``) so assertions can quote the source
strings whether or not the Simplified Chinese catalogue is compiled; the i18n tests make their
own clients to see the Chinese default.
"""

import pytest
from django.test import Client
from django.urls import reverse

from governance.celery import app as celery_app


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


@pytest.fixture
def tasks_in_process():
    """Run Celery tasks in the caller, as every setup without REDIS_URL does.

    With REDIS_URL set (CI) ``delay()`` would publish to Redis, where no worker listens during
    these tests; ``test_celery.py`` shows a real worker taking tasks from the real broker.
    """
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before
