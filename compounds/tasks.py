from celery import shared_task
from django.conf import settings

from . import services


@shared_task
def remind_stale_verifications() -> int:
    return services.residency_remind_stale(after=settings.STALE_VERIFICATION_AFTER)
