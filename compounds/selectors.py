"""Reads, always scoped to the caller. Lists are filtered in SQL (see ``compounds.scopes``)."""

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Building, Community, Compound, Household, Residency, ResidencyStatus
from .scopes import scopes_for


def _subcount(model, outer_field: str, filters: Q | None = None):
    qs = model.objects.filter(**{outer_field: OuterRef("pk")})
    if filters is not None:
        qs = qs.filter(filters)
    qs = qs.order_by().values(outer_field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(qs, output_field=IntegerField()), Value(0))


def communities_managed(user) -> QuerySet[Community]:
    return Community.objects.filter(scopes_for(user).community_q()).select_related("subdistrict")


def compounds_managed(user) -> QuerySet[Compound]:
    return Compound.objects.filter(scopes_for(user).compound_q()).select_related("community", "community__subdistrict")


def compounds_visible(user) -> QuerySet[Compound]:
    return Compound.objects.filter(scopes_for(user).compound_q(manage=False)).select_related("community")


def compounds_with_figures(qs: QuerySet[Compound]) -> QuerySet[Compound]:
    """Buildings, households, verified residents and pending claims per compound, in one query."""
    return qs.annotate(
        n_buildings=_subcount(Building, "compound"),
        n_households=_subcount(Household, "building__compound"),
        n_verified=_subcount(Residency, "household__building__compound", Q(status=ResidencyStatus.VERIFIED)),
        n_pending=_subcount(Residency, "household__building__compound", Q(status=ResidencyStatus.PENDING)),
    )


def buildings_visible(user) -> QuerySet[Building]:
    return Building.objects.filter(scopes_for(user).compound_q("compound__", manage=False)).select_related(
        "compound"
    )


def households_managed(user) -> QuerySet[Household]:
    return Household.objects.filter(scopes_for(user).compound_q("building__compound__")).select_related(
        "building", "building__compound"
    )


def households_visible(user) -> QuerySet[Household]:
    """Officers see the households they manage; a resident sees the ones they live in."""
    scopes = scopes_for(user)
    qs = Household.objects.select_related("building", "building__compound")
    if scopes.system_admin:
        # compound_q() is the empty Q() for system admins, and Q() | x is just x: OR-ing in
        # the caller's own households below would narrow "everything" down to those.
        return qs
    q = scopes.compound_q("building__compound__")
    if getattr(user, "is_authenticated", False):
        q |= Q(
            pk__in=Residency.objects.filter(
                user=user, status__in=[ResidencyStatus.PENDING, ResidencyStatus.VERIFIED]
            ).values("household_id")
        )
    return qs.filter(q)


def households_with_residents(qs: QuerySet[Household]) -> QuerySet[Household]:
    return qs.annotate(
        n_verified=_subcount(Residency, "household", Q(status=ResidencyStatus.VERIFIED)),
        n_pending=_subcount(Residency, "household", Q(status=ResidencyStatus.PENDING)),
    )


def residencies_managed(user) -> QuerySet[Residency]:
    return Residency.objects.filter(scopes_for(user).compound_q("household__building__compound__")).select_related(
        "user", "household", "household__building", "household__building__compound", "decided_by"
    )


def residencies_of(user) -> QuerySet[Residency]:
    return Residency.objects.filter(user=user).select_related(
        "household", "household__building", "household__building__compound", "household__building__compound__community"
    )


def compounds_for_claim(*, search: str = "") -> QuerySet[Compound]:
    """Compounds a resident may claim a household in: every compound (names are public)."""
    qs = Compound.objects.select_related("community")
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(address__icontains=search))
    return qs


def buildings_with_figures(compound: Compound) -> QuerySet[Building]:
    return compound.buildings.annotate(
        n_households=_subcount(Household, "building"),
        n_verified=_subcount(Residency, "household__building", Q(status=ResidencyStatus.VERIFIED)),
    ).order_by("name")


# Later apps add the records they keep about a compound to its history page (committees, the
# Party organisation): each source is ``fn(compound) -> [(historical queryset, kind, label)]``.
# A registry keeps the dependency arrow pointing from those apps to this one.
HISTORY_SOURCES: list = []


def register_history_source(source) -> None:
    if source not in HISTORY_SOURCES:
        HISTORY_SOURCES.append(source)


def compound_history(compound: Compound, limit: int = 100) -> list[dict]:
    """The audit trail of a compound and everything kept about it, newest first (one query per source)."""
    from django.utils.translation import gettext_lazy as _

    from .models import Building, Household

    change = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}
    sources = [
        (Compound.history.filter(id=compound.pk), Compound._meta.verbose_name, lambda r: r.name),
        (Building.history.filter(compound_id=compound.pk), Building._meta.verbose_name, lambda r: r.name),
        (
            Household.history.filter(building__compound_id=compound.pk).select_related("building"),
            Household._meta.verbose_name,
            lambda r: f"{r.building.name} {r.unit} {r.room} · {r.exclusive_area} m²",
        ),
    ]
    for source in HISTORY_SOURCES:
        sources.extend(source(compound))
    rows = []
    for qs, kind, label in sources:
        for record in qs.select_related("history_user").order_by("-history_date")[:limit]:
            rows.append(
                {
                    "when": record.history_date,
                    "who": record.history_user,
                    "change": change.get(record.history_type, record.history_type),
                    "kind": kind,
                    "label": label(record),
                }
            )
    rows.sort(key=lambda r: r["when"], reverse=True)
    return rows[:limit]
