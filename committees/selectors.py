"""Reads of committees, companies, staff and contracts, always scoped to the caller.

Lists are filtered in SQL with ``compounds.scopes`` (no per-row permission checks).
"""

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from compounds.models import Compound, ResidencyStatus
from compounds.scopes import scopes_for
from governance.accounts.models import User

from .models import (
    BodyKind,
    Committee,
    ContractStatus,
    PropertyCompany,
    PropertyContract,
    PropertyStaff,
    Seat,
)


def _active_jobs(user):
    return PropertyStaff.objects.filter(user=user, ended_on__isnull=True).values("company_id")


def committees_managed(user) -> QuerySet[Committee]:
    """Terms of the bodies of compounds the caller manages (officers and admins in scope)."""
    return Committee.objects.filter(scopes_for(user).compound_q("compound__")).select_related(
        "compound", "compound__community"
    )


def seats_ordered() -> QuerySet[Seat]:
    return Seat.objects.select_related("user", "household", "household__building").order_by(
        "ended_on", "role", "started_on", "id"
    )


def with_seats(qs: QuerySet[Committee]) -> QuerySet[Committee]:
    return qs.prefetch_related(Prefetch("seats", queryset=seats_ordered()))


def seats_managed(user) -> QuerySet[Seat]:
    return Seat.objects.filter(scopes_for(user).compound_q("committee__compound__")).select_related(
        "user", "committee", "committee__compound", "committee__compound__community"
    )


def contracts_managed(user) -> QuerySet[PropertyContract]:
    return PropertyContract.objects.filter(scopes_for(user).compound_q("compound__")).select_related(
        "compound", "compound__community", "company"
    )


def contracts_visible(user) -> QuerySet[PropertyContract]:
    """Officers see the contracts of compounds they manage; a company's staff see its contracts."""
    scopes = scopes_for(user)
    qs = PropertyContract.objects.select_related("compound", "compound__community", "company")
    if scopes.system_admin:
        return qs
    q = scopes.compound_q("compound__")
    if getattr(user, "is_authenticated", False):
        q |= Q(company_id__in=_active_jobs(user))
    return qs.filter(q)


def companies_visible(user) -> QuerySet[PropertyCompany]:
    """Officers and admins see the companies that have (or had) a contract in their scope and the
    ones not yet contracted anywhere (newly registered); a company's own staff see their company.

    Not every company to every officer: an officer of another community must not read or edit the
    record of a company serving only compounds outside their scope (the URL walker checks it)."""
    scopes = scopes_for(user)
    qs = PropertyCompany.objects.all()
    if scopes.system_admin:
        return qs
    q = Q(pk__in=[])
    if scopes.is_staff:
        q |= Q(pk__in=PropertyContract.objects.filter(scopes.compound_q("compound__")).values("company_id"))
        q |= Q(~Exists(PropertyContract.objects.filter(company=OuterRef("pk"))))
    if getattr(user, "is_authenticated", False):
        q |= Q(pk__in=_active_jobs(user))
    return qs.filter(q)


def companies_managed(user) -> QuerySet[PropertyCompany]:
    """The companies an officer may edit: those they see as staff (not as the company's own staff)."""
    scopes = scopes_for(user)
    if not scopes.is_staff:
        return PropertyCompany.objects.none()
    if scopes.system_admin:
        return PropertyCompany.objects.all()
    return PropertyCompany.objects.filter(
        Q(pk__in=PropertyContract.objects.filter(scopes.compound_q("compound__")).values("company_id"))
        | Q(~Exists(PropertyContract.objects.filter(company=OuterRef("pk"))))
    )


def companies_with_figures(qs: QuerySet[PropertyCompany]) -> QuerySet[PropertyCompany]:
    active = (
        PropertyContract.objects.filter(company=OuterRef("pk"), status=ContractStatus.ACTIVE)
        .order_by()
        .values("company")
        .annotate(n=Count("pk"))
        .values("n")
    )
    staff = (
        PropertyStaff.objects.filter(company=OuterRef("pk"), ended_on__isnull=True)
        .order_by()
        .values("company")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        n_active=Coalesce(Subquery(active, output_field=IntegerField()), Value(0)),
        n_staff=Coalesce(Subquery(staff, output_field=IntegerField()), Value(0)),
    )


def staff_visible(user) -> QuerySet[PropertyStaff]:
    return PropertyStaff.objects.filter(company__in=companies_visible(user)).select_related("user", "company")


def owners_of(compound: Compound) -> QuerySet[User]:
    """The compound's verified owners and co-owners: who may hold a committee or board seat."""
    return (
        User.objects.filter(
            residencies__status=ResidencyStatus.VERIFIED,
            residencies__relation__in=["owner", "co_owner"],
            residencies__household__building__compound=compound,
        )
        .distinct()
        .order_by("display_name", "username")
    )


def carriages(compound: Compound) -> dict:
    """Everything the "three carriages" page shows for one compound, in a fixed number of queries:
    the terms of each body (newest first, seats prefetched) and the contracts (newest first)."""
    terms = list(with_seats(compound.committees.order_by("kind", "-term_start")))
    bodies = [
        {"kind": kind, "label": label, "terms": [t for t in terms if t.kind == kind]}
        for kind, label in BodyKind.choices
    ]
    contracts = list(compound.property_contracts.select_related("company").order_by("-starts_on", "-pk"))
    in_force = next((c for c in contracts if c.status == ContractStatus.ACTIVE), None)
    return {"bodies": bodies, "contracts": contracts, "in_force": in_force}


def compounds_with_carriages(qs: QuerySet[Compound], today) -> QuerySet[Compound]:
    """Per compound: whether each body has a current term, and the company in force (one query)."""

    def current(kind):
        return Exists(
            Committee.objects.filter(
                compound=OuterRef("pk"), kind=kind, dissolved_on__isnull=True, term_start__lte=today, term_end__gt=today
            )
        )

    company = PropertyContract.objects.filter(compound=OuterRef("pk"), status=ContractStatus.ACTIVE).values(
        "company__name"
    )[:1]
    return qs.annotate(
        has_committee=current(BodyKind.OWNERS_COMMITTEE),
        has_board=current(BodyKind.SUPERVISORY_BOARD),
        has_interim=current(BodyKind.INTERIM_COMMITTEE),
        company_in_force=Subquery(company),
    )
