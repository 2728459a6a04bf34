"""Celery: eager without Redis, a schedule of registered idempotent tasks, and a real worker."""

import email
import json
import os
import secrets
import subprocess
import sys
import time
from datetime import time as dt_time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.utils import timezone

from compounds import services as place_services
from compounds.models import Residency
from governance.accounts.models import Notification
from governance.accounts.roles import Role
from governance.accounts.tasks import purge_read_notifications, send_notification_email
from governance.celery import app
from governance.issues import services as issue_services
from governance.issues.models import Category
from governance.meetings import services as meeting_services
from governance.ratings import services as rating_services
from governance.ratings.models import Template
from tests import factories
from tests.committees.factories import active_contract

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def test_tasks_run_in_the_caller_exactly_when_there_is_no_redis():
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not settings.REDIS_URL)
    assert app.conf.task_always_eager is settings.CELERY_TASK_ALWAYS_EAGER
    assert app.conf.task_eager_propagates is True


def test_without_redis_url_a_fresh_process_runs_tasks_eagerly_and_the_demo_scheduler_finds_every_task():
    # A fresh interpreter, as `manage.py rundemo` starts: nothing has imported the task modules
    # yet, so this shows rundemo's scheduler imports them itself (else beat only sends messages
    # to the in-memory broker, where nothing ever runs them).
    script = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "from governance.celery import app\n"
        "from governance.accounts.management.commands.rundemo import embedded_beat\n"
        "embedded_beat()\n"
        "tasks = [e['task'] for e in settings.CELERY_BEAT_SCHEDULE.values()]\n"
        "print(json.dumps({'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'app_eager': app.conf.task_always_eager,\n"
        "                  'broker': app.conf.broker_url, 'missing': [t for t in tasks if t not in app.tasks]}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env |= {"DJANGO_SETTINGS_MODULE": "governance.settings", "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts == {"eager": True, "app_eager": True, "broker": "memory://", "missing": []}


def test_every_scheduled_job_names_a_registered_task():
    app.loader.import_default_modules()  # what a worker or `celery beat` does on start

    assert settings.CELERY_BEAT_SCHEDULE
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name


def test_every_scheduled_job_runs_and_a_second_run_finds_nothing_to_do(world, officer, stranger, resident):
    app.loader.import_default_modules()
    # Something for each job to do: a claim pending for three days, a read notice a year old.
    residency = place_services.residency_claim(user=stranger, household=world.next_door, relation="tenant")
    Residency.objects.filter(pk=residency.pk).update(created_at=timezone.now() - timedelta(days=3))
    old = Notification.objects.create(user=resident, kind="residency_verified", params={})
    year_ago = timezone.now() - timedelta(days=365)
    Notification.objects.filter(pk=old.pk).update(created_at=year_ago, read_at=year_ago)

    # An issue nobody acknowledged for three days, and one resolved ten days ago and never rated.
    sanitation = Category.objects.get(code="sanitation")
    days_ago = lambda n: timezone.now() - timedelta(days=n)  # noqa: E731
    file = dict(actor=resident, compound=world.a1, category=sanitation, description="垃圾未清", building=world.home.building)
    issue_services.issue_file(**file, now=days_ago(3))
    # Filed in an earlier month (42 days ago always is), so the rates rollup has a month to build.
    done = issue_services.issue_file(**file, now=days_ago(42))
    issue_services.issue_acknowledge(actor=officer, issue=done, now=days_ago(41))
    issue_services.issue_resolve(actor=officer, issue=done, note="已清理", now=days_ago(10))

    # A monthly joint meeting: the first run creates the meetings of the next weeks.
    meeting_services.series_create(
        actor=officer, compound=world.a1, title="联席会议", weekday=1, week_of_month=2, time=dt_time(19, 30), place="红色驿站"
    )

    # A rating campaign whose survey opened today: the first run moves it into its survey phase.
    active_contract(world.a1)
    admin = factories.UserFactory(username="rating_admin")
    place_services.role_grant(user=admin, role=Role.SUBDISTRICT_ADMIN, scope=world.s1)
    today = timezone.localdate()
    rating_services.campaign_open(
        actor=admin, year=today.year, scope="subdistrict", subdistrict=world.s1, title="星级评价",
        project_template=Template.objects.get(code="property-project", version=1), survey_starts=today,
        appraisal_starts=today + timedelta(days=10), scoring_starts=today + timedelta(days=20),
        publication_starts=today + timedelta(days=30),
    )

    first = {name: app.tasks[e["task"]].apply().get() for name, e in settings.CELERY_BEAT_SCHEDULE.items()}
    second = {name: app.tasks[e["task"]].apply().get() for name, e in settings.CELERY_BEAT_SCHEDULE.items()}

    nothing_else = {
        "sync-property-contracts": {"started": 0, "ended": 0},
        "scan-member-checkins": {"reminded": 0, "lapsed": 0},
        "send-meeting-reminders": 0,
        "remind-action-items": 0,
    }
    assert first.pop("advance-rating-campaigns") == 1 and second.pop("advance-rating-campaigns") == 0
    assert first.pop("generate-meetings") >= 1
    assert second.pop("generate-meetings") == 0
    assert first.pop("refresh-issue-rollups")["months"] >= 1
    assert first.pop("refresh-coverage") >= 1 and second.pop("refresh-coverage") == 0
    assert second.pop("refresh-issue-rollups") == {"months": 0, "refreshed": []}
    assert first == {
        "remind-stale-verifications": 1,
        "purge-read-notifications": 1,
        "escalate-overdue-issues": {"escalated": 1, "skipped": 0},
        "close-unrated-issues": 1,
        **nothing_else,
    }
    assert second == {
        "remind-stale-verifications": 0,
        "purge-read-notifications": 0,
        "escalate-overdue-issues": {"escalated": 0, "skipped": 0},
        "close-unrated-issues": 0,
        **nothing_else,
    }
    assert Notification.objects.filter(user=officer, kind="residency_stale").count() == 1
    assert not Notification.objects.filter(pk=old.pk).exists()


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_until(deadline, worker, condition) -> bool:
    """Poll ``condition`` until it holds, the deadline passes or the worker exits."""
    while time.monotonic() < deadline and worker.poll() is None:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.mark.postgres  # the worker must share the test database: an in-memory SQLite one cannot be
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_takes_tasks_from_redis_and_runs_them_against_the_database(tmp_path, world, resident):
    queue = f"linli_test_{secrets.token_hex(4)}"
    mail_dir = tmp_path / "mail"
    old = Notification.objects.create(user=resident, kind="residency_verified", params={})
    year_ago = timezone.now() - timedelta(days=365)
    Notification.objects.filter(pk=old.pk).update(created_at=year_ago, read_at=year_ago)
    env = os.environ | {
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": f"filemail:///{mail_dir}",  # django-environ: four slashes for an absolute path
        "SECRET_KEY": secrets.token_urlsafe(45),
        "DEBUG": "0",
        "CONN_MAX_AGE": "0",
    }
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [
            str(VENV_BIN / "celery"), "-A", "governance", "worker", "-P", "solo", "-c", "1",
            "--without-heartbeat", "--without-gossip", "--without-mingle", "-Q", queue, "-l", "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        assert not app.conf.task_always_eager
        purge_read_notifications.apply_async(queue=queue)
        send_notification_email.apply_async(
            (
                resident.pk,
                "residency_verified",
                {"household": "1 号楼 101", "officer": "陈", "community": "东湾"},
                "/",
            ),
            queue=queue,
        )

        deadline = time.monotonic() + 30  # the whole exchange, worker start-up included
        deleted = _wait_until(deadline, worker, lambda: not Notification.objects.filter(pk=old.pk).exists())
        # The file backend ends each message with a line of dashes: wait for a whole one.
        mailed = _wait_until(
            deadline,
            worker,
            lambda: any(f.read_bytes().endswith(b"-" * 79 + b"\n") for f in mail_dir.glob("*.log")),
        )

        assert deleted, (tmp_path / "worker.log").read_text()
        assert mailed, (tmp_path / "worker.log").read_text()
        message = email.message_from_bytes(next(mail_dir.glob("*.log")).read_bytes())
        assert message["To"] == "resident@example.org"
        text = next(part for part in message.walk() if part.get_content_type() == "text/plain")
        assert "1 号楼 101" in text.get_payload(decode=True).decode()
        assert worker.poll() is None, "the worker died"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()
        _forget_queue(queue)


def _forget_queue(queue: str) -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        keys = [k for k in client.scan_iter(match=f"*{queue}*")]
        if keys:
            client.delete(*keys)
    finally:
        client.close()
