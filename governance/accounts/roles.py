"""The roles a person can hold, and which kind of place each role is scoped to.

Roles are data (``compounds.RoleAssignment`` rows); this module only names them. Later issues add
party, committee and property roles here, on the same mechanism.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    COMMUNITY_OFFICER = "community_officer", _("Community officer")
    SUBDISTRICT_ADMIN = "subdistrict_admin", _("Subdistrict admin")
    DISTRICT_ADMIN = "district_admin", _("District admin")
    SYSTEM_ADMIN = "system_admin", _("System admin")


class ScopeKind(models.TextChoices):
    COMPOUND = "compound", _("Compound")
    COMMUNITY = "community", _("Community")
    SUBDISTRICT = "subdistrict", _("Subdistrict")
    DISTRICT = "district", _("District")
    NONE = "", _("Everywhere")


ROLE_SCOPE = {
    Role.RESIDENT: ScopeKind.COMPOUND,
    Role.COMMUNITY_OFFICER: ScopeKind.COMMUNITY,
    Role.SUBDISTRICT_ADMIN: ScopeKind.SUBDISTRICT,
    Role.DISTRICT_ADMIN: ScopeKind.DISTRICT,
    Role.SYSTEM_ADMIN: ScopeKind.NONE,
}

# Roles that manage places and verify residents within their scope ("officers in scope").
STAFF_ROLES = frozenset(
    {Role.COMMUNITY_OFFICER, Role.SUBDISTRICT_ADMIN, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}
)
