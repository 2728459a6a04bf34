"""Writes of the dashboards: refreshing the coverage rollup (a periodic task)."""

from datetime import date

from django.utils import timezone

from compounds.models import Community

from .models import CommunityCoverage
from .selectors import community_figures


def refresh_coverage(*, today: date | None = None) -> int:
    """Count every community's coverage figures and store those that changed
    (``CommunityCoverage``): a periodic task, idempotent. One pass over the big tables for all
    communities at once (``community_figures``' wide plan), not per chunk. Returns the number of
    communities whose stored row changed (0 when nothing did)."""
    today = today or timezone.localdate()
    ids = list(Community.objects.order_by("id").values_list("id", flat=True))
    figures = community_figures(ids, today=today)
    stored = {
        cid: (as_of, old)
        for cid, as_of, old in CommunityCoverage.objects.filter(community_id__in=ids).values_list(
            "community_id", "as_of", "figures"
        )
    }
    now = timezone.now()
    changed = [
        CommunityCoverage(community_id=cid, figures=figures[cid], as_of=today, refreshed_at=now)
        for cid in ids
        if stored.get(cid) != (today, figures[cid])
    ]
    CommunityCoverage.objects.bulk_create(
        changed,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["community"],
        update_fields=["figures", "as_of", "refreshed_at"],
    )
    return len(changed)
