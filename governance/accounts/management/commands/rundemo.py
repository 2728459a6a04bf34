"""Serve the portal for the demo with the periodic jobs running, without Redis.

Celery beat's own scheduler runs in a thread of this process; with no REDIS_URL every task runs
eagerly, so the schedule in ``CELERY_BEAT_SCHEDULE`` fires exactly as beat would in production.
With REDIS_URL set, use the real worker and beat instead (docker-compose.yml).
"""

from celery import beat
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from governance.celery import app


def embedded_beat() -> beat.EmbeddedService:
    # `celery beat` imports the task modules before it schedules anything (loader.init_worker);
    # without that the scheduler finds no task by name and only sends a message to the in-memory
    # broker, which nobody reads, so no periodic job would ever run in the demo.
    app.loader.import_default_modules()
    return beat.EmbeddedService(app, thread=True, scheduler_cls=beat.Scheduler)


class Command(BaseCommand):
    help = "Run the development server with beat's schedule firing in a background thread."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            self.stderr.write("REDIS_URL is set: run `celery -A governance worker -B` beside this server.")
        else:
            embedded_beat().start()
            self.stdout.write(f"Periodic jobs: {', '.join(sorted(settings.CELERY_BEAT_SCHEDULE))} (in-process).")
        call_command("runserver", addrport, use_reloader=False, use_threading=True)
