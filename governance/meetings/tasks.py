"""Thin periodic jobs: each calls an idempotent service that finds what is due in the database."""

from celery import shared_task

from . import services


@shared_task
def generate_meetings() -> int:
    return services.meetings_generate()


@shared_task
def send_reminders() -> int:
    return services.reminders_scan()


@shared_task
def remind_action_items() -> int:
    return services.action_items_remind()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def email_reminder(reminder_id: int) -> bool:
    return services.reminder_email_send(reminder_id=reminder_id)
