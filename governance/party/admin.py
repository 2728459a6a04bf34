"""Django admin for system admins. Memberships, seats, zones and check-ins are read-only here:
they grant and revoke roles, so they change only through the services (the officer pages)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    BranchSeat,
    BuildingLeader,
    MemberCheckIn,
    PartyBranch,
    PartyGroup,
    PartyMember,
    PostClaim,
    ResponsibilityZone,
    ServicePost,
)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PartyBranch)
class BranchAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "community", "founded_on", "dissolved_on")
    list_filter = ("kind", "community__subdistrict")
    search_fields = ("name",)


@admin.register(PartyMember)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ("user", "branch", "kind", "employer", "joined_on", "left_on")
    list_filter = ("kind",)
    search_fields = ("user__display_name", "user__phone", "employer")


@admin.register(BranchSeat, PartyGroup, BuildingLeader, ResponsibilityZone, PostClaim)
class PartyRecordAdmin(ReadOnlyAdmin):
    pass


@admin.register(MemberCheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ("member", "community", "checked_in_on", "expires_on", "status")
    list_filter = ("status",)


@admin.register(ServicePost)
class ServicePostAdmin(admin.ModelAdmin):
    """The one configurable list: admins rename, reorder or withdraw posts."""

    list_display = ("code", "name_zh", "name_en", "active", "position")
    list_editable = ("active", "position")
