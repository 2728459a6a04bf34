"""Shared fixtures: the world and the named cast (STYLE.md §12).

The world: one district with two subdistricts; community A (subdistrict 1) with compound A1,
community B (subdistrict 2) with compound B1; each compound has two buildings of households.

The cast:
- ``resident``: verified owner in A1 (household ``home``);
- ``neighbour``: verified owner of another household in A1;
- ``stranger``: registered, no household, no role;
- ``officer``: community officer of A;
- ``other_officer``: community officer of B;
- ``subdistrict_admin``: admin of subdistrict 1 (sees A, not B);
- ``district_admin``: admin of the district (sees both);
- ``system_admin``.
Later issues add the party member, branch secretary and property clerk here.

Tests that need PostgreSQL or Redis are marked and skip (with the reason) on SQLite or without
REDIS_URL; with LINLI_REQUIRE_SERVICES=1 (CI) a missing service fails the run instead.
"""

import os
import shutil

import pytest
from django.conf import settings

from compounds import services as place_services
from governance.accounts.roles import Role

from . import factories

REQUIRE = os.environ.get("LINLI_REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config, items):
    reasons = {}
    if not settings.IS_POSTGRES:
        reasons["postgres"] = "needs PostgreSQL: set DATABASE_URL=postgres://… (CI does)"
    if not settings.REDIS_URL:
        reasons["redis"] = "needs Redis: set REDIS_URL=redis://… (CI does)"
    if not shutil.which("chromium") and not os.path.exists("/usr/bin/chromium"):
        reasons["browser"] = "needs Debian's chromium (apt-get install chromium; .ci/run installs it)"
    for item in items:
        for marker, reason in reasons.items():
            if marker in item.keywords:
                if REQUIRE:
                    raise pytest.UsageError(f"LINLI_REQUIRE_SERVICES=1 but {item.nodeid} {reason}")
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _database_sessions(settings):
    """Sessions in the database whatever REDIS_URL says, so the pinned query counts are the same
    on a developer's SQLite and on CI's PostgreSQL + Redis (cached_db would save one read)."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


@pytest.fixture(autouse=True)
def _rows_from_data_migrations(request):
    """Transactional tests empty every table when they end (Django's flush), taking the rows the
    data migrations seeded (issue categories, service posts) with them; put them back for the
    transactional tests that follow, and the content types and permissions if a flush left
    them out. Other tests run first (pytest-django orders them so)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    if not (transactional or "transactional_db" in request.fixturenames or "live_server" in request.fixturenames):
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.contrib.auth.models import Permission

    if not Permission.objects.exists():
        # A transactional test with serialized_rollback ends with a flush that skips post_migrate
        # (Django expects the next such test to restore the serialized rows): content types and
        # permissions were gone for a plain transactional test that followed (a browser journey
        # after tests/issues on SQLite). No test uses it now (it made the order matter: a
        # serialized test after a plain one re-inserted content types); should one again, the
        # tests after it get them back here, as the flush would have made them.
        from django.contrib.contenttypes.models import ContentType
        from django.core.management.sql import emit_post_migrate_signal

        ContentType.objects.clear_cache()
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    from governance.issues.defaults import ensure_defaults
    from governance.issues.models import Category, IssuePolicy
    from governance.party.models import ServicePost

    ensure_defaults(Category, IssuePolicy)
    from governance.ratings import defaults as rating_defaults
    from governance.ratings.models import Indicator, Section, Template

    rating_defaults.install(Template, Section, Indicator)
    posts = importlib.import_module("governance.party.migrations.0002_seed_ten_service_posts").POSTS
    for position, (code, zh, en) in enumerate(posts):
        ServicePost.objects.get_or_create(code=code, defaults={"name_zh": zh, "name_en": en, "position": position})


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: figures kept in it (coverage sums, rollup sums) are
    keyed by what they were computed from, and tests build different data at the same fixed
    times, so a key could otherwise carry one test's sums into another."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _page_cache(settings):
    """Pages keep parts of themselves in the cache in every test, Redis or not (one process shares
    its memory cache): every test that acts and then reads a page checks that nothing stale is
    shown."""
    settings.PAGE_CACHE = True


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def tasks_in_process():
    """Run Celery tasks in the caller, as every setup without REDIS_URL does.

    With REDIS_URL set (CI) ``delay()`` publishes to Redis, where no worker listens during these
    tests; tests/accounts/test_celery.py shows a real worker taking tasks from the real broker.
    """
    from governance.celery import app

    keys = ("task_always_eager", "task_eager_propagates")
    before = {key: app.conf[key] for key in keys}
    app.conf.update(dict.fromkeys(keys, True))
    yield
    app.conf.update(before)


@pytest.fixture
def world(db):
    district = factories.DistrictFactory(code="WD", name="西陵区")
    s1 = factories.SubdistrictFactory(district=district, code="WS1", name="学院街道")
    s2 = factories.SubdistrictFactory(district=district, code="WS2", name="云集街道")
    a = factories.CommunityFactory(subdistrict=s1, code="WA", name="东湾社区")
    b = factories.CommunityFactory(subdistrict=s2, code="WB", name="安居社区")
    a1 = factories.CompoundFactory(community=a, code="WA1", name="江工塑院小区")
    b1 = factories.CompoundFactory(community=b, code="WB1", name="安居小区")
    households = {}
    for compound in (a1, b1):
        for bn in ("1 号楼", "2 号楼"):
            building = factories.BuildingFactory(compound=compound, name=bn)
            for room in ("101", "102"):
                households[(compound.code, bn, room)] = factories.HouseholdFactory(building=building, room=room)
    return type(
        "World",
        (),
        {
            "district": district,
            "s1": s1,
            "s2": s2,
            "a": a,
            "b": b,
            "a1": a1,
            "b1": b1,
            "households": households,
            "home": households[("WA1", "1 号楼", "101")],
            "next_door": households[("WA1", "1 号楼", "102")],
            "b_home": households[("WB1", "1 号楼", "101")],
        },
    )


def _staff(role, scope, **kwargs):
    user = factories.UserFactory(**kwargs)
    place_services.role_grant(user=user, role=role, scope=scope)
    return user


@pytest.fixture
def officer(world):
    return _staff(Role.COMMUNITY_OFFICER, world.a, username="officer", display_name="陈晓燕")


@pytest.fixture
def other_officer(world):
    return _staff(Role.COMMUNITY_OFFICER, world.b, username="other_officer", display_name="孙丽")


@pytest.fixture
def subdistrict_admin(world):
    return _staff(Role.SUBDISTRICT_ADMIN, world.s1, username="subdistrict_admin")


@pytest.fixture
def district_admin(world):
    return _staff(Role.DISTRICT_ADMIN, world.district, username="district_admin")


@pytest.fixture
def system_admin(world):
    return _staff(Role.SYSTEM_ADMIN, None, username="system_admin")


def _verified(user, household, officer):
    residency = place_services.residency_claim(user=user, household=household, relation="owner")
    return place_services.residency_verify(actor=officer, residency=residency)


@pytest.fixture
def resident(world, officer):
    user = factories.UserFactory(username="resident", display_name="张秀英", phone="13812341234")
    _verified(user, world.home, officer)
    return user


@pytest.fixture
def neighbour(world, officer):
    user = factories.UserFactory(username="neighbour", display_name="李建华")
    _verified(user, world.next_door, officer)
    return user


@pytest.fixture
def stranger(world):
    return factories.UserFactory(username="stranger", display_name="路人")


def pytest_addoption(parser):
    # Only the root conftest may add options; tests/browser/test_demo_smoke.py reads this one.
    parser.addoption(
        "--demo-url",
        default=None,
        help="base URL of a running demo server (bin/demo) for tests/browser/test_demo_smoke.py",
    )
