"""Bring the figures' rollups up to date now (what the beat tasks do every few minutes): the
monthly rates rollup and the communities' coverage counts. Useful after an import or a restore."""

import time

from django.core.management.base import BaseCommand

from governance.dashboards.services import refresh_coverage
from governance.issues.rollups import refresh_issue_rollups


class Command(BaseCommand):
    help = "Refresh the monthly rates rollup and the stored coverage figures."

    def handle(self, *args, **options):
        started = time.monotonic()
        months = refresh_issue_rollups()
        self.stdout.write(f"rates rollup: {months['months']} month(s) recomputed ({time.monotonic() - started:.1f} s)")
        started = time.monotonic()
        changed = refresh_coverage()
        self.stdout.write(f"coverage: {changed} communit(y/ies) updated ({time.monotonic() - started:.1f} s)")
