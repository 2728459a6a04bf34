"""Admins configure categories, the loop's policy and Open311 clients here; issues themselves are
read-only in the admin (every change to an issue goes through the services and its timeline)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from .models import Category, Issue, IssueEvent, IssuePolicy, Open311Client


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "group", "default_handler", "priority", "response_hours", "resolution_hours", "active"]
    list_filter = ["group", "default_handler", "priority", "active"]
    search_fields = ["code", "name_zh", "name_en"]


@admin.register(IssuePolicy)
class IssuePolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "rating_window_days", "escalation_hours", "weight_response", "weight_resolution", "weight_satisfaction"]

    def has_add_permission(self, request):
        return not IssuePolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


OPEN311_KEYS_HELP = gettext_lazy(
    "API keys are issued with the command “manage.py open311_client”, which prints the key once. "
    "Here you may rename an application, change its e-mail or deactivate it."
)


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    """No adding here: a client added in the admin would have no key (and a second one would clash
    on the empty key hash)."""

    list_display = ["name", "key_prefix", "active", "created_at", "last_used_at"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at"]
    fieldsets = [(None, {"description": OPEN311_KEYS_HELP, "fields": ["name", "contact_email", "active", *readonly_fields]})]

    def has_add_permission(self, request):
        return False

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"subtitle": OPEN311_KEYS_HELP, **(extra_context or {})})


class EventInline(admin.TabularInline):
    model = IssueEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "from_state", "to_state", "note", "public"]
    readonly_fields = fields


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["id", "compound", "category", "state", "level", "handler_kind", "created_at", "resolution_due"]
    list_filter = ["state", "level", "handler_kind", "category"]
    list_select_related = ["compound", "category"]
    search_fields = ["id", "description"]
    inlines = [EventInline]
    raw_id_fields = ["compound", "building", "household", "reporter", "filed_by", "holder", "handler_member", "duplicate_of", "zone", "branch", "handler_company", "handler_committee", "handler_department"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
