"""Thin periodic jobs: each calls an idempotent service that finds what is due in the database."""

from celery import shared_task

from . import services


@shared_task
def escalate_overdue() -> dict:
    return services.issues_escalate_overdue()


@shared_task
def close_unrated() -> int:
    return services.issues_close_unrated()


@shared_task
def refresh_rollups() -> dict:
    from .rollups import refresh_issue_rollups

    return refresh_issue_rollups()
