"""Dashboards' own tables: rollups of figures that are too costly to count on every page view
(ARCHITECTURE.md "Scale path")."""

from django.db import models


class CommunityCoverage(models.Model):
    """One community's coverage figures (``selectors.FIELDS``) as counted by
    ``selectors.community_figures`` for the day ``as_of``, refreshed by a periodic task. Pages over
    many communities (a subdistrict, a district) read these; one community's officer and any
    community without a row for today are counted live."""

    community = models.OneToOneField("compounds.Community", on_delete=models.CASCADE, primary_key=True, related_name="+")
    figures = models.JSONField()
    as_of = models.DateField()
    refreshed_at = models.DateTimeField()

    def __str__(self):
        return f"{self.community_id} @ {self.refreshed_at:%Y-%m-%d %H:%M}"
