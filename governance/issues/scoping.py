"""The caller's part of the issues for the three rates (三率), shared by the rates pages
(governance.dashboards.rates_views) and the rates API (governance.issues.api), so both list the
same subjects and compute the same figures:
- officers and admins: the issues of their places;
- branch secretaries and branch committee members: the issues of the compounds their branch covers;
- property staff: the issues handled by their company at the compounds where they work;
- department responders: the issues their department was summoned to (its summonses).
Anyone else (residents, strangers, plain Party members) has no scope: ``rates_scope`` raises 404.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from committees.models import ContractStatus, PropertyContract, PropertyStaff
from compounds.models import Community, Compound
from compounds.scopes import scopes_for
from governance.accounts.roles import Role

from . import generations
from .models import Summons


@dataclass
class RatesScope:
    """The caller's part of the issues, as filters on issues and on summonses."""

    issues: Q
    summonses: Q
    compound_ids: set | None  # compounds through a compound role (branch, property staff)
    places: Q | None  # a filter on Compound for staff, else None
    companies: object = None  # property staff: their companies (a subquery)
    departments: set | None = None  # department responders: their departments
    staff_q: Q | None = None  # the staff's places as a filter on Community
    # The generation stamps (``generations``) of every issue in the scope, or None when the scope
    # reaches issues through something no stamp covers (a company's staff, a department's summonses).
    stamps: list | None = None

    def within(self, kind: str) -> Q:
        return self.summonses if kind == "department" else self.issues

    def compounds(self) -> Q:
        """The compounds in the caller's scope, as a filter on Compound."""
        q = Q(pk__in=self.compound_ids or [])
        if self.places is None:
            return q
        return self.places | q if self.places else Q()  # an empty filter: every compound (system admin)

    def subjects(self, kind: str) -> Q:
        """The subjects of a kind in the caller's scope, as a filter on that kind's model (so that
        subjects with no issues in the period are listed too)."""
        in_scope = Compound.objects.filter(self.compounds()).values("pk")
        if kind == "compound":
            return self.compounds()
        if kind == "community":
            return Q(pk__in=Compound.objects.filter(self.compounds()).values("community_id"))
        if kind == "subdistrict":
            return Q(pk__in=Compound.objects.filter(self.compounds()).values("community__subdistrict_id"))
        if kind == "zone":
            return Q(compound__in=in_scope, ended_on__isnull=True)
        if kind == "member":
            return Q(left_on__isnull=True, branch__coverage__compound__in=in_scope)
        if kind == "company":
            q = Q(pk__in=PropertyContract.objects.filter(status=ContractStatus.ACTIVE, compound__in=in_scope).values("company_id"))
            if self.companies is not None:
                q = Q(pk__in=self.companies) & q
            return q
        # Departments: those the caller answers for, and those the staff's subdistricts may summon.
        q = Q(pk__in=self.departments or [])
        if self.staff_q is not None:
            subdistricts = Community.objects.filter(self.staff_q).values("subdistrict_id")
            districts = Community.objects.filter(self.staff_q).values("subdistrict__district_id")
            q |= Q(subdistrict_id__in=subdistricts) | Q(district_id__in=districts)
        return q

    def sees_compound(self, compound_id: int) -> bool:
        if self.places is not None and Compound.objects.filter(self.places, pk=compound_id).exists():
            return True
        return compound_id in (self.compound_ids or set())


def rates_scope(user) -> RatesScope:
    """The caller's scope for the rates, or 404 when they have none (residents, strangers)."""
    s = scopes_for(user)
    if s.system_admin:
        return RatesScope(Q(), Q(), None, Q(), staff_q=Q(), stamps=[generations.ALL])
    issue_parts, summons_parts, compounds, stamps = [], [], set(), set()
    places = companies = None
    if s.is_staff:
        place = Q(pk__in=[])
        if s.communities:
            place |= Q(community_id__in=s.communities)
        if s.subdistricts:
            place |= Q(subdistrict_id__in=s.subdistricts)
        if s.districts:
            place |= Q(subdistrict__district_id__in=s.districts)
        issue_parts.append(place)
        summons_parts.append(_prefixed(place, "issue__"))
        places = s.compound_q()
        if s.districts:
            stamps.add(generations.ALL)  # a district is (nearly) the whole deployment
        stamps |= {("community", pk) for pk in s.communities} | {("subdistrict", pk) for pk in s.subdistricts}
    branch = s.compounds_with(Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE)
    if branch:
        issue_parts.append(Q(compound_id__in=branch))
        summons_parts.append(Q(issue__compound_id__in=branch))
        compounds |= branch
        stamps |= {("compound", pk) for pk in branch}
    property_at = s.compounds_with(Role.PROPERTY_STAFF)
    if property_at:
        companies = PropertyStaff.objects.filter(user=user, ended_on__isnull=True).values("company_id")
        issue_parts.append(Q(compound_id__in=property_at, handler_company_id__in=companies))
        compounds |= property_at
    if s.departments:
        issue_parts.append(Q(Exists(Summons.objects.filter(issue=OuterRef("pk"), department_id__in=s.departments))))
        summons_parts.append(Q(department_id__in=s.departments))
    if not issue_parts:
        raise Http404
    return RatesScope(_any(issue_parts), _any(summons_parts), compounds, places, companies=companies,
                      departments=s.departments, staff_q=s.community_q() if s.is_staff else None,
                      stamps=None if property_at or s.departments else sorted(stamps, key=str))


def _prefixed(q: Q, prefix: str) -> Q:
    """The same filter through a relation (``issue__``)."""
    out = Q(*(_prefixed(c, prefix) if isinstance(c, Q) else (prefix + c[0], c[1]) for c in q.children))
    out.connector, out.negated = q.connector, q.negated
    return out


def _any(parts: list[Q]) -> Q:
    q = Q(pk__in=[])
    for part in parts:
        q |= part
    return q
