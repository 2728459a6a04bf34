"""Who may act where: the caller's active role assignments, loaded once per request.

Lists are filtered in SQL with these ids (a plain ``IN`` on indexed foreign keys); single objects
are checked with django-guardian in ``compounds.permissions``.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from governance.accounts.roles import Role
from governance.compiled import Compiled


@dataclass
class Scopes:
    system_admin: bool = False
    districts: set[int] = field(default_factory=set)
    subdistricts: set[int] = field(default_factory=set)
    communities: set[int] = field(default_factory=set)
    resident_compounds: set[int] = field(default_factory=set)
    departments: set[int] = field(default_factory=set)
    # compound id → the compound-scoped roles held there (resident, party, committee, property).
    compound_roles: dict[int, set[str]] = field(default_factory=dict)

    @property
    def party_member(self) -> bool:
        return bool(self._by_role().get("party_member"))

    def compounds_with(self, *roles) -> set[int]:
        """The compounds where the caller holds any of ``roles`` (a new set: callers may change it)."""
        by_role = self._by_role()
        found = set()
        for role in roles:
            found |= by_role.get(role, frozenset())
        return found

    def _by_role(self) -> dict[str, frozenset[int]]:
        # Asked for several times per request with different roles, over the hundreds of compounds
        # a company's staff may serve: one pass over them per Scopes (queue page on the full city:
        # ~1,100 set intersections a request, one pass per set of roles asked for, before).
        by_role = self.__dict__.get("_compounds_by_role")
        if by_role is None:
            found: dict[str, set[int]] = {}
            for compound, held in self.compound_roles.items():
                for role in held:
                    found.setdefault(role, set()).add(compound)
            by_role = self.__dict__["_compounds_by_role"] = {role: frozenset(ids) for role, ids in found.items()}
        return by_role

    def __getstate__(self):
        # Kept between requests (``load_roles``): without the index, which is quicker to build
        # again than to unpickle.
        state = dict(self.__dict__)
        state.pop("_compounds_by_role", None)
        return state

    @property
    def is_staff(self) -> bool:
        return self.system_admin or bool(self.districts or self.subdistricts or self.communities)

    def compound_q(self, prefix: str = "", *, manage: bool = True) -> Q:
        """A filter on compounds (through ``prefix``) this caller manages, or also lives in."""
        if self.system_admin:
            return Q()
        q = Q(pk__in=[])
        if self.communities:
            q |= Q(**{f"{prefix}community_id__in": self.communities})
        if self.subdistricts:
            q |= Q(**{f"{prefix}community__subdistrict_id__in": self.subdistricts})
        if self.districts:
            q |= Q(**{f"{prefix}community__subdistrict__district_id__in": self.districts})
        if not manage and self.compound_roles:
            q |= Q(**{f"{prefix}id__in": set(self.compound_roles)})
        return q

    def community_q(self, prefix: str = "") -> Q:
        if self.system_admin:
            return Q()
        q = Q(pk__in=[])
        if self.communities:
            q |= Q(**{f"{prefix}id__in": self.communities})
        if self.subdistricts:
            q |= Q(**{f"{prefix}subdistrict_id__in": self.subdistricts})
        if self.districts:
            q |= Q(**{f"{prefix}subdistrict__district_id__in": self.districts})
        return q


def _current_roles(user_id):
    from .models import RoleAssignment

    return RoleAssignment.objects.filter(user_id=user_id, ended_at__isnull=True).values_list(
        "role", "district_id", "subdistrict_id", "community_id", "compound_id", "department_id"
    )


# Read on nearly every page (the layout's menu, the permission checks): compiled once
# (``governance.compiled``), which spares each page ~0.25 ms of building the same SQL.
_ROLES = Compiled(_current_roles, -1)


def scopes_for(user) -> Scopes:
    if not getattr(user, "is_authenticated", False):
        return Scopes()
    cached = getattr(user, "_linli_scopes", None)
    if cached is not None:
        return cached
    scopes = Scopes(system_admin=user.is_superuser)
    rows = _ROLES.rows(user.pk)
    for role, district_id, subdistrict_id, community_id, compound_id, department_id in rows:
        if role == Role.SYSTEM_ADMIN:
            scopes.system_admin = True
        elif role == Role.DISTRICT_ADMIN:
            scopes.districts.add(district_id)
        elif role == Role.SUBDISTRICT_ADMIN:
            scopes.subdistricts.add(subdistrict_id)
        elif role == Role.COMMUNITY_OFFICER:
            scopes.communities.add(community_id)
        elif role == Role.DEPARTMENT_RESPONDER:
            scopes.departments.add(department_id)
        elif compound_id is not None:
            scopes.compound_roles.setdefault(compound_id, set()).add(role)
            if role == Role.RESIDENT:
                scopes.resident_compounds.add(compound_id)
    user._linli_scopes = scopes
    return scopes


def forget_scopes(user) -> None:
    if hasattr(user, "_linli_scopes"):
        del user._linli_scopes
