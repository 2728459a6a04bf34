"""Acceptance: a real Celery worker and beat against Redis send the meeting reminders at both
offsets exactly once per invitee; moving the meeting sends a fresh reminder; killing the worker
(SIGKILL) and starting it again in between loses none and duplicates none — neither the in-app
notifications nor the e-mails with the calendar file.

The offsets are shrunk to minutes (MEETING_REMINDER_OFFSETS=2,1) and beat scans every second, so
the whole exchange takes about a minute and a half.
"""

import email
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from governance.accounts.models import Notification
from governance.meetings import services
from governance.meetings.models import Meeting, Reminder
from tests.accounts.test_celery import _database_url, _forget_queue

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = ("clerk", "committee_member", "secretary")
FIRST, SECOND = 2, 1  # minutes before the meeting

# Runs celery with every task (beat's periodic ones included) routed to this test's own queue.
LAUNCH = (
    "import os, sys\n"
    "from governance.celery import app\n"
    "app.conf.task_default_queue = os.environ['LINLI_TEST_QUEUE']\n"
    "app.start(sys.argv[1:])\n"
)


class Service:
    """One celery process (worker or beat) in its own process group, logging to a file."""

    def __init__(self, name, args, env, log_dir):
        self.name, self.args, self.env, self.log_dir = name, args, env, log_dir
        self.proc, self.starts = None, 0

    def start(self):
        self.starts += 1
        log = (self.log_dir / f"{self.name}-{self.starts}.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, *self.args], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig=signal.SIGKILL):
        if not self.alive():
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.log_dir.glob(f"{self.name}-*.log")))


def rows(meeting):
    return Counter(Reminder.objects.filter(invitation__meeting=meeting).values_list("invitation__user__username", "offset_minutes", "version"))


DASHES = b"-" * 79 + b"\n"


def mails(mail_dir: Path) -> Counter:
    """(recipient, has the .ics attached) of every whole message the file backend wrote."""
    found = Counter()
    for path in mail_dir.glob("*.log"):
        for chunk in path.read_bytes().split(DASHES)[:-1]:  # the last piece is not (yet) a whole message
            message = email.message_from_bytes(chunk.lstrip(b"\n"))
            ics = any(part.get_content_type() == "text/calendar" for part in message.walk())
            found[(message["To"], ics)] += 1
    return found


def wait_for(deadline, condition, *services_alive) -> bool:
    while time.monotonic() < deadline:
        if condition():
            return True
        if any(not s.alive() for s in services_alive):
            break
        time.sleep(0.25)
    return condition()


def starting_in(minutes: int, seconds: int):
    return timezone.now().replace(microsecond=0) + timedelta(minutes=minutes, seconds=seconds)


@pytest.mark.postgres  # the worker shares the test database
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_and_beat_remind_each_invitee_once_per_offset_and_version_across_a_kill(
    tmp_path, world, secretary, committee_member, clerk
):
    queue = f"linli_meetings_{secrets.token_hex(4)}"
    mail_dir = tmp_path / "mail"
    env = os.environ | {
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": f"filemail:///{mail_dir}",
        "SECRET_KEY": secrets.token_urlsafe(45),
        "DEBUG": "0",
        "CONN_MAX_AGE": "0",
        "DJANGO_SETTINGS_MODULE": "governance.settings",
        "MEETING_REMINDER_OFFSETS": f"{FIRST},{SECOND}",
        "MEETING_REMINDER_SCAN_SECONDS": "1",
        "LINLI_TEST_QUEUE": queue,
    }
    worker = Service(
        "worker",
        ["worker", "-P", "solo", "-c", "1", "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info"],
        env, tmp_path,
    )
    beat = Service("beat", ["beat", "-s", str(tmp_path / "beat-schedule"), "--max-interval", "1", "-l", "info"], env, tmp_path)
    diagnostics = lambda: worker.logs() + "\n" + beat.logs()  # noqa: E731
    try:
        beat.start()
        worker.start()
        starts = starting_in(FIRST, 15)  # the first offset is reached in 15 s
        meeting = services.meeting_schedule(
            actor=secretary, compound=world.a1, title="联席会议", starts_at=starts, ends_at=starts + timedelta(hours=1),
            place="红色驿站",
        )
        first_v1 = {(p, FIRST, 1): 1 for p in PEOPLE}

        assert wait_for(time.monotonic() + 60, lambda: rows(meeting) == first_v1, worker, beat), diagnostics()
        assert Reminder.objects.filter(offset_minutes=SECOND).count() == 0
        # Each reminder's e-mail (with the .ics) goes by its own task after the scan commits.
        mailed_once = lambda n: mails(mail_dir) == {(f"{p}@example.org", True): n for p in PEOPLE}  # noqa: E731
        assert wait_for(time.monotonic() + 30, lambda: mailed_once(1), worker, beat), (mails(mail_dir), diagnostics())

        # Kill the worker outright; beat keeps queueing scans meanwhile. Move the meeting while no
        # worker runs, so its fresh first reminder falls due with nobody to send it.
        worker.kill(signal.SIGKILL)
        moved = services.meeting_move(
            actor=secretary, meeting=meeting, starts_at=starting_in(FIRST, 4),
            ends_at=starting_in(FIRST + 60, 4), place="社区会议室",
        )
        moved_at = time.monotonic()
        assert moved.version == 2
        time.sleep(6)
        assert rows(meeting) == first_v1, "nothing runs while the worker is down"
        worker.start()

        first_v2 = first_v1 | {(p, FIRST, 2): 1 for p in PEOPLE}
        assert wait_for(time.monotonic() + 60, lambda: rows(meeting) == first_v2, worker, beat), diagnostics()
        both = first_v2 | {(p, SECOND, 2): 1 for p in PEOPLE}
        assert wait_for(moved_at + 4 + 60 + 40, lambda: rows(meeting) == both, worker, beat), diagnostics()
        time.sleep(3)  # a few more scans find nothing more to send

        assert rows(meeting) == both, diagnostics()
        assert wait_for(time.monotonic() + 30, lambda: mailed_once(3), worker, beat), (mails(mail_dir), diagnostics())
        assert not Reminder.objects.filter(emailed_at__isnull=True).exists()
        assert worker.alive() and beat.alive(), diagnostics()
        notes = Counter(
            Notification.objects.filter(kind="meeting_reminder").values_list("user__username", flat=True)
        )
        assert notes == dict.fromkeys(PEOPLE, 3)  # one per reminder row: none lost, none doubled
        places = Counter(
            Notification.objects.filter(kind="meeting_reminder").values_list("params__place", flat=True)
        )
        assert places == {"红色驿站": 3, "社区会议室": 6}
        assert Meeting.objects.get(pk=meeting.pk).version == 2
    finally:
        worker.kill(signal.SIGTERM)
        beat.kill(signal.SIGTERM)
        _forget_queue(queue)
        _forget_unacked(queue)


def _forget_unacked(queue: str) -> None:
    """The messages the killed worker had taken but not acknowledged (kombu keeps them to restore)."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        for tag, payload in client.hscan_iter("unacked"):
            if queue.encode() in payload:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
    finally:
        client.close()
