from celery import shared_task

from . import services


@shared_task
def scan_checkins() -> dict:
    return services.checkins_scan()
