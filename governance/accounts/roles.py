"""The roles a person can hold, and which kind of place each role is scoped to.

Roles are data (``compounds.RoleAssignment`` rows); this module only names them. Later issues add
party, committee and property roles here, on the same mechanism.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    PARTY_MEMBER = "party_member", _("Party member")
    BRANCH_SECRETARY = "branch_secretary", _("Branch secretary")
    BRANCH_COMMITTEE = "branch_committee", _("Branch committee member")
    COMMITTEE_MEMBER = "committee_member", _("Owners' committee member")
    BOARD_MEMBER = "board_member", _("Supervisory board member")
    PROPERTY_STAFF = "property_staff", _("Property staff")
    COMMUNITY_OFFICER = "community_officer", _("Community officer")
    SUBDISTRICT_ADMIN = "subdistrict_admin", _("Subdistrict admin")
    DISTRICT_ADMIN = "district_admin", _("District admin")
    SYSTEM_ADMIN = "system_admin", _("System admin")
    DEPARTMENT_RESPONDER = "department_responder", _("Department responder")


class ScopeKind(models.TextChoices):
    COMPOUND = "compound", _("Compound")
    COMMUNITY = "community", _("Community")
    SUBDISTRICT = "subdistrict", _("Subdistrict")
    DISTRICT = "district", _("District")
    DEPARTMENT = "department", _("Department")
    NONE = "", _("Everywhere")


# Roles held over one compound each. Party, committee and property roles are granted and
# revoked by the services that start and end memberships, seats and contracts.
COMPOUND_ROLES = (
    Role.RESIDENT,
    Role.PARTY_MEMBER,
    Role.BRANCH_SECRETARY,
    Role.BRANCH_COMMITTEE,
    Role.COMMITTEE_MEMBER,
    Role.BOARD_MEMBER,
    Role.PROPERTY_STAFF,
)

ROLE_SCOPE = {
    **dict.fromkeys(COMPOUND_ROLES, ScopeKind.COMPOUND),
    Role.COMMUNITY_OFFICER: ScopeKind.COMMUNITY,
    Role.SUBDISTRICT_ADMIN: ScopeKind.SUBDISTRICT,
    Role.DISTRICT_ADMIN: ScopeKind.DISTRICT,
    Role.SYSTEM_ADMIN: ScopeKind.NONE,
    # Answers summons (吹哨报到) for one government department; sees only what it is summoned to.
    Role.DEPARTMENT_RESPONDER: ScopeKind.DEPARTMENT,
}

# Roles that manage places and verify residents within their scope ("officers in scope").
STAFF_ROLES = frozenset(
    {Role.COMMUNITY_OFFICER, Role.SUBDISTRICT_ADMIN, Role.DISTRICT_ADMIN, Role.SYSTEM_ADMIN}
)
