from celery import shared_task

from . import services


@shared_task
def sync_contracts() -> dict:
    return services.contracts_sync()
