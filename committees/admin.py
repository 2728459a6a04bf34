"""Django admin for system admins, read-only: seats, contracts and staff grant and revoke roles,
so every change must go through committees.services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Committee, PropertyCompany, PropertyContract, PropertyStaff, Seat


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SeatInline(admin.TabularInline):
    model = Seat
    extra = 0
    can_delete = False
    readonly_fields = ("user", "household", "role", "started_on", "ended_on")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Committee)
class CommitteeAdmin(ReadOnlyAdmin):
    list_display = ("compound", "kind", "term_start", "term_end", "dissolved_on")
    list_filter = ("kind",)
    search_fields = ("compound__name", "compound__code")
    inlines = [SeatInline]


@admin.register(PropertyCompany)
class PropertyCompanyAdmin(ReadOnlyAdmin):
    list_display = ("name", "credit_code", "has_party_organisation")
    search_fields = ("name", "credit_code")


@admin.register(PropertyContract)
class PropertyContractAdmin(ReadOnlyAdmin):
    list_display = ("compound", "company", "starts_on", "ends_on", "status")
    list_filter = ("status",)
    search_fields = ("compound__name", "company__name")


@admin.register(PropertyStaff)
class PropertyStaffAdmin(ReadOnlyAdmin):
    list_display = ("user", "company", "title", "started_on", "ended_on")
    search_fields = ("user__display_name", "user__phone", "company__name")
