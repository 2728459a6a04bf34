"""What the Party organisation adds to a compound's history page."""

from .models import BranchCoverage, BuildingLeader, ResponsibilityZone


def compound_sources(compound):
    return [
        (
            BranchCoverage.history.filter(compound_id=compound.pk).select_related("branch"),
            BranchCoverage._meta.verbose_name,
            lambda r: r.branch.name,
        ),
        (
            ResponsibilityZone.history.filter(compound_id=compound.pk).select_related("member__user"),
            ResponsibilityZone._meta.verbose_name,
            lambda r: f"{r.name} · {r.member.user.name}",
        ),
        (
            BuildingLeader.history.filter(building__compound_id=compound.pk).select_related("member__user", "building"),
            BuildingLeader._meta.verbose_name,
            lambda r: f"{r.building.name} · {r.member.user.name}",
        ),
    ]
