"""Acceptance: the periodic job run by two real Celery workers and, at the same moment, by two
threads of this process moves a campaign across each phase boundary once — one history row per
move, one reminder per person and kind — and into scoring with one snapshot, which the workers
score in chunks of one subject until every subject has its score.

The calendar is moved instead of the clock: before each round every date of the campaign is
shifted so that today is the first day of the next phase. The whole exchange takes ~20 s.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager

import pytest
from django.conf import settings

from governance.accounts.models import Notification
from governance.celery import app
from governance.ratings import services, tasks
from governance.ratings.models import Campaign, Phase, Reminder, Score, Snapshot
from tests import factories
from tests.accounts.test_celery import _database_url, _forget_queue
from tests.issues.test_concurrency import _race
from tests.meetings.test_reminders_worker import ROOT, Service, wait_for

from .conftest import open_campaign
from .factories import shift_dates

pytestmark = [
    pytest.mark.postgres,  # the workers share the test database
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

REMINDER_KINDS = ("rating_survey_open", "rating_appraisal_due", "rating_inspection_due")


# Celery with every task routed to this test's own queue, writing a line to LINLI_TEST_RUNS as
# each task ends (the settings keep celery.app.trace's "succeeded" lines out of the log).
LAUNCH = (
    "import os, sys\n"
    "from celery.signals import task_postrun\n"
    "from governance.celery import app\n"
    "app.conf.task_default_queue = os.environ['LINLI_TEST_QUEUE']\n"
    "@task_postrun.connect\n"
    "def _ran(sender=None, state=None, **kwargs):\n"
    "    with open(os.environ['LINLI_TEST_RUNS'], 'a') as f:\n"
    "        f.write(f'{sender.name} {state}\\n')\n"
    "app.start(sys.argv[1:])\n"
)


class Worker(Service):
    def start(self):
        self.starts += 1
        log = (self.log_dir / f"{self.name}-{self.starts}.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, *self.args], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()


@contextmanager
def celery_conf(**values):
    before = {key: app.conf[key] for key in values}
    app.conf.update(values)
    try:
        yield
    finally:
        app.conf.update(before)


def runs(path) -> Counter:
    """(task name, state) of every task the workers have finished."""
    return Counter(tuple(line.rsplit(" ", 1)) for line in path.read_text().splitlines()) if path.exists() else Counter()


def moves(campaign) -> Counter:
    """History rows per phase (the creation's row is the scheduled one)."""
    return Counter(Campaign.history.filter(id=campaign.pk).values_list("phase", flat=True))


def reminded() -> Counter:
    return Counter(Notification.objects.filter(kind__in=REMINDER_KINDS).values_list("user__username", "kind"))


def test_two_workers_and_two_threads_at_once_move_each_phase_once_score_once_and_remind_once(
    tmp_path, rated, subdistrict_admin, neighbour, secretary, committee_member
):
    queue = f"linli_ratings_{secrets.token_hex(4)}"
    env = os.environ | {
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}",
        "SECRET_KEY": secrets.token_urlsafe(45),
        "DEBUG": "0",
        "CONN_MAX_AGE": "0",
        "DJANGO_SETTINGS_MODULE": "governance.settings",
        "LINLI_TEST_QUEUE": queue,
        "LINLI_TEST_RUNS": str(tmp_path / "runs.txt"),
        "RATINGS_CHUNK_SIZE": "1",  # two subjects: two chunks, the second enqueued by the first
    }
    args = ["worker", "-P", "solo", "-c", "1", "--prefetch-multiplier", "1", "--without-heartbeat", "--without-gossip",
            "--without-mingle", "-l", "info"]  # fmt: skip
    finished = lambda task: runs(tmp_path / "runs.txt")[(f"governance.ratings.tasks.{task}", "SUCCESS")]  # noqa: E731
    workers = [Worker(f"worker{n}", [*args, "-n", f"w{n}-{queue}@%h"], env, tmp_path) for n in (1, 2)]
    diagnostics = lambda: "\n".join(w.logs() for w in workers)  # noqa: E731

    # Opened the day before its survey: scheduled, nothing owed yet (the first run is in process).
    with celery_conf(task_always_eager=True, task_eager_propagates=True):
        campaign = open_campaign(subdistrict_admin, rated, phase="scheduled")
        inspector = factories.UserFactory(username="inspector")
        services.inspector_assign(actor=subdistrict_admin, campaign=campaign, user=inspector)
    campaign.refresh_from_db()
    assert campaign.phase == Phase.SCHEDULED
    assert reminded() == Counter()

    try:
        for worker in workers:
            worker.start()
        ready = lambda: all("ready." in w.logs() for w in workers)  # noqa: E731
        assert wait_for(time.monotonic() + 30, ready, *workers), diagnostics()

        # Everything this process enqueues from here goes to the workers' queue.
        with celery_conf(task_always_eager=False, task_default_queue=queue):

            def round_(days: int, n: int) -> None:
                """Shift the calendar, then two workers and two threads run the job at once."""
                shift_dates(campaign, days)
                results = _race(
                    lambda: tasks.advance_campaigns.delay() and None,
                    lambda: tasks.advance_campaigns.delay() and None,
                    services.campaigns_advance,
                    services.campaigns_advance,
                )
                assert [kind for kind, _value in results] == ["ok"] * 4, results
                assert sum(value or 0 for _kind, value in results) <= 1, results  # in process: at most one moved it
                done = lambda: finished("advance_campaigns") >= 2 * n  # noqa: E731
                assert wait_for(time.monotonic() + 30, done, *workers), diagnostics()

            # Into the survey: each verified resident of A1 is reminded once.
            round_(1, 1)
            campaign.refresh_from_db()
            assert campaign.phase == Phase.SURVEY
            assert moves(campaign) == {Phase.SCHEDULED: 1, Phase.SURVEY: 1}
            survey = {(name, "rating_survey_open"): 1 for name in ("resident", "neighbour", "committee_member")}
            assert reminded() == survey, diagnostics()

            # Into appraisal and inspection: the secretary and the inspector, once each.
            round_(10, 2)
            campaign.refresh_from_db()
            assert campaign.phase == Phase.APPRAISAL
            assert moves(campaign) == {Phase.SCHEDULED: 1, Phase.SURVEY: 1, Phase.APPRAISAL: 1}
            appraisal = survey | {("secretary", "rating_appraisal_due"): 1, ("inspector", "rating_inspection_due"): 1}
            assert reminded() == appraisal, diagnostics()

            # Into scoring: one snapshot, scored by the workers chunk after chunk.
            round_(10, 3)
            campaign.refresh_from_db()
            assert campaign.phase == Phase.SCORING
            assert moves(campaign) == {Phase.SCHEDULED: 1, Phase.SURVEY: 1, Phase.APPRAISAL: 1, Phase.SCORING: 1}
            snapshot = Snapshot.objects.get(campaign=campaign)
            assert campaign.snapshot_id == snapshot.pk
            scored = lambda: Snapshot.objects.get(pk=snapshot.pk).status != "running"  # noqa: E731
            assert wait_for(time.monotonic() + 30, scored, *workers), diagnostics()
            snapshot.refresh_from_db()
            assert (snapshot.status, snapshot.done, snapshot.total) == ("done", 2, 2), (snapshot.error, diagnostics())
            assert sorted(Score.objects.filter(snapshot=snapshot).values_list("subject_id", flat=True)) == sorted(
                campaign.subjects.values_list("pk", flat=True)
            )
            assert finished("score_chunk") >= 2, diagnostics()  # chunks of one: the workers chained them
            assert services.snapshot_rescore(snap=snapshot) == []

            # The job once more (as beat would): nothing moves, nothing is scored or sent again.
            before = finished("advance_campaigns")
            tasks.advance_campaigns.delay()
            assert wait_for(time.monotonic() + 30, lambda: finished("advance_campaigns") > before, *workers)
            assert services.campaigns_advance() == 0

        assert Snapshot.objects.filter(campaign=campaign).count() == 1
        assert Score.objects.count() == 2
        assert moves(campaign) == {Phase.SCHEDULED: 1, Phase.SURVEY: 1, Phase.APPRAISAL: 1, Phase.SCORING: 1}
        assert reminded() == appraisal
        assert Reminder.objects.count() == 5
        assert "Traceback" not in diagnostics(), diagnostics()
        assert {state for (_task, state) in runs(tmp_path / "runs.txt")} == {"SUCCESS"}, runs(tmp_path / "runs.txt")
        assert all(w.alive() for w in workers), diagnostics()
    finally:
        for worker in workers:
            worker.kill(signal.SIGTERM)
        _forget_queue(queue)
