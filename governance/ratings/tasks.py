"""Thin tasks: load by id, call a service. The periodic job is idempotent (compare-and-set phases,
unique reminder rows); a scoring chunk writes unique score rows, so a chunk run twice adds nothing."""

from celery import shared_task

from . import services


@shared_task
def advance_campaigns() -> int:
    return services.campaigns_advance()


@shared_task
def advance_campaign(campaign_id: int) -> int:
    return services.campaign_advance(campaign_id=campaign_id)


@shared_task
def score_chunk(snapshot_id: int) -> bool:
    more = services.snapshot_score_chunk(snapshot_id=snapshot_id)
    if more:
        score_chunk.delay(snapshot_id)
    return more
