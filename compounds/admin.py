"""Django admin for system admins. Roles and residencies are read-only here: granting a role or
deciding a claim must go through the services, which keep guardian permissions in step."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Building,
    Community,
    Compound,
    Department,
    District,
    Grid,
    Household,
    HouseholdImport,
    Residency,
    RoleAssignment,
    Subdistrict,
)


@admin.register(District, Subdistrict, Community, Grid)
class PlaceAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(Compound)
class CompoundAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "community", "address")
    list_filter = ("community__subdistrict",)
    search_fields = ("code", "name", "address")


@admin.register(Building)
class BuildingAdmin(SimpleHistoryAdmin):
    list_display = ("name", "compound", "floors")
    search_fields = ("name", "compound__name")
    raw_id_fields = ("compound",)


@admin.register(Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = ("building", "unit", "room", "exclusive_area")
    search_fields = ("room", "building__compound__name")
    raw_id_fields = ("building",)


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ("name", "district", "subdistrict")


class ReadOnlyMixin:
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Residency)
class ResidencyAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("user", "household", "relation", "status", "created_at", "decided_at")
    list_filter = ("status", "relation")
    search_fields = ("user__display_name", "user__phone")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("user", "role", "district", "subdistrict", "community", "compound", "created_at", "ended_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__display_name")


@admin.register(HouseholdImport)
class HouseholdImportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("compound", "file_name", "rows", "households_created", "households_updated", "imported_by", "created_at")
