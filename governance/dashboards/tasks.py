"""Thin periodic jobs of the dashboards."""

from celery import shared_task

from . import services


@shared_task
def refresh_coverage() -> int:
    return services.refresh_coverage()
