"""The ratings cast is the issue loop's (tests/issues/conftest.py) plus a company of B with a
contract there (``b_company``, ``b_clerk``) and a company with no contract in scope
(``outside_clerk``); ``campaign`` is a subdistrict campaign of S1 (A's subdistrict) for last
year, in its survey phase, rating A1's project (``company``) and A1's owners' committee."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from committees import services as committee_services
from governance.ratings import services
from governance.ratings.models import Template
from tests import factories
from tests.committees.factories import CompanyFactory, active_contract
from tests.issues.conftest import *  # noqa: F403 - the shared cast's fixtures
from tests.issues.conftest import _english  # noqa: F401 - autouse: assertions quote English messages


def templates():
    return Template.objects.get(code="property-project", version=1), Template.objects.get(code="owners-committee", version=1)


def phase_dates(today=None, *, phase="survey"):
    """Dates putting a campaign in ``phase`` today."""
    today = today or timezone.localdate()
    offsets = {"scheduled": 1, "survey": 0, "appraisal": -10, "scoring": -20, "publication": -30, "final": -60}
    start = today + timedelta(days=offsets[phase])
    return {
        "survey_starts": start,
        "appraisal_starts": start + timedelta(days=10),
        "scoring_starts": start + timedelta(days=20),
        "publication_starts": start + timedelta(days=30),
        "appeal_days": 7,
    }


def open_campaign(actor, world, *, phase="survey", year=None, **kwargs):
    project, committee = templates()
    dates = phase_dates(phase=phase)
    dates.update(kwargs.pop("dates", {}))
    return services.campaign_open(
        actor=actor,
        year=year or dates["survey_starts"].year - 1,
        scope="subdistrict",
        subdistrict=world.s1,
        title="学院街道 年度红色物业星级评价",
        project_template=project,
        committee_template=committee,
        **dates,
        **kwargs,
    )


@pytest.fixture
def b_company(world):
    company = CompanyFactory(name="安居物业")
    active_contract(world.b1, company)
    return company


@pytest.fixture
def b_clerk(b_company):
    user = factories.UserFactory(username="b_clerk", display_name="安居管家")
    committee_services.staff_add(actor=None, company=b_company, user=user, title="管家")
    return user


@pytest.fixture
def outside_clerk(world):
    company = CompanyFactory(name="无合同物业")
    user = factories.UserFactory(username="outside_clerk")
    committee_services.staff_add(actor=None, company=company, user=user, title="经理")
    return user


@pytest.fixture
def rated(world, company, clerk, committee_member, secretary, resident, b_clerk):
    """Everything a campaign of S1 rates, with the people around it."""
    return world


@pytest.fixture
def campaign(rated, subdistrict_admin, django_capture_on_commit_callbacks, tasks_in_process):
    with django_capture_on_commit_callbacks(execute=True):
        campaign = open_campaign(subdistrict_admin, rated)
    campaign.refresh_from_db()
    return campaign


__all__ = ["date", "open_campaign", "phase_dates", "templates"]
