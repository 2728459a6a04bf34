"""Serializers of the issue loop's REST API. Reads decide per caller what they may show (the
reporter's identity and the room only to the reporter, whoever filed it, handlers and staff — as
the pages do); writes check shape only, every rule is in ``services``."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from compounds.models import Building, Compound, Department, Household

from . import permissions
from .models import (
    DESCRIPTION_MAX,
    Category,
    ContactPreference,
    DeadlineExtension,
    HandlerKind,
    Issue,
    IssueEvent,
    IssueKind,
    Rating,
)


class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = [
            "code", "name", "name_zh", "name_en", "group", "priority", "default_handler",
            "response_hours", "resolution_hours", "reopen_allowed", "private_by_default", "description",
        ]


def _filer_only(user, issue) -> bool:
    """Filed it on the resident's behalf, and neither reporter nor handler nor staff: sees what
    they typed (``reporter_name``), never the name of the account the issue is linked to."""
    return (
        issue.filed_by_id == user.pk
        and issue.reporter_id != user.pk
        and not permissions.sees_internal(user, issue)
    )


def reporter_hidden_from(user, issue) -> bool:
    """Whether the reporter's events name no one to this caller (as the issue page shows "the
    reporter"): an anonymous issue to anyone but the reporter and internal viewers, and any issue
    to a filer who is only that."""
    if issue.reporter_id == user.pk or permissions.sees_internal(user, issue):
        return False
    return issue.anonymous or issue.filed_by_id == user.pk


def _trusted(user, issue) -> bool:
    """Sees who reported and the room: internal viewers, the reporter, whoever filed it."""
    cache = getattr(issue, "_api_trusted", None)
    if cache is None:
        cache = (
            issue.reporter_id == user.pk
            or issue.filed_by_id == user.pk
            or permissions.sees_internal(user, issue)
        )
        issue._api_trusted = cache
    return cache


class IssueSerializer(serializers.ModelSerializer):
    """An issue as the caller may see it. ``reporter`` is null for an anonymous issue unless the
    caller is the reporter, filed it, handles or supervises it; ``location`` names the room only
    for them too (others see the building or common area)."""

    reference = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    category = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    compound_name = serializers.CharField(source="compound.name", read_only=True)
    building_name = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    reporter = serializers.SerializerMethodField()
    handler = serializers.CharField(source="handler_label", read_only=True)
    holder = serializers.SerializerMethodField()
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Issue
        fields = [
            "id", "reference", "state", "state_label", "level", "kind", "category", "category_name",
            "compound", "compound_name", "building", "building_name", "location", "description",
            "reporter", "anonymous", "private", "channel", "handler_kind", "handler", "holder",
            "created_at", "response_due", "resolution_due", "acknowledged_at", "resolved_at", "closed_at",
            "overdue", "rating", "rating_comment", "resolution_note", "supporters_count", "reopen_count",
            "escalation_count", "duplicate_of",
        ]
        read_only_fields = fields

    def _user(self):
        return self.context["request"].user

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_building_name(self, issue) -> str | None:
        return issue.building.name if issue.building_id else None

    @extend_schema_field(serializers.CharField())
    def get_location(self, issue) -> str:
        return issue.location_label if _trusted(self._user(), issue) else issue.public_location

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reporter(self, issue) -> str | None:
        user = self._user()
        if issue.anonymous and not _trusted(user, issue):
            return None
        if issue.reporter_id and not _filer_only(user, issue):
            return issue.reporter.name
        return issue.reporter_name or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_holder(self, issue) -> str | None:
        return issue.holder.name if issue.holder_id else None


class IssueDetailSerializer(IssueSerializer):
    """One issue, with what the caller may do with it now and its photos' URLs."""

    actions = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()
    sees_internal = serializers.SerializerMethodField()

    class Meta(IssueSerializer.Meta):
        fields = [*IssueSerializer.Meta.fields, "actions", "photos", "sees_internal"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, issue) -> list[str]:
        return sorted(self.context.get("actions", set()))

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_photos(self, issue) -> list[dict]:
        from django.urls import reverse

        request = self.context["request"]
        return [
            {"id": p.pk, "stage": p.stage, "url": request.build_absolute_uri(reverse("issues:photo", args=[p.pk]))}
            for p in issue.photos.all()
        ]

    @extend_schema_field(serializers.BooleanField())
    def get_sees_internal(self, issue) -> bool:
        return permissions.sees_internal(self._user(), issue)


class PublicIssueSerializer(serializers.ModelSerializer):
    """A compound's public list, as its board shows it: no reporter, no room, no description (a
    resident's words may name a room, a person or a phone number)."""

    reference = serializers.CharField(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    category = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    location = serializers.CharField(source="public_location", read_only=True)

    class Meta:
        model = Issue
        fields = [
            "id", "reference", "state", "state_label", "kind", "category", "category_name", "location",
            "created_at", "resolution_due", "resolved_at", "closed_at", "supporters_count",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    """One event of an issue's timeline. ``actor`` is null for the reporter's own events when the
    caller may not know who reported (context: ``issue`` and ``request``), as on the issue page."""

    actor = serializers.SerializerMethodField()
    action_label = serializers.CharField(source="get_action_display", read_only=True)

    class Meta:
        model = IssueEvent
        fields = ["id", "action", "action_label", "actor", "at", "from_state", "to_state", "note", "public", "data"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, event) -> str | None:
        if not event.actor_id:
            return None
        issue, request = self.context.get("issue"), self.context.get("request")
        if issue is None or request is None:
            return None  # without knowing who asks, name no one
        if event.actor_id == issue.reporter_id:
            hidden = self.context.get("_reporter_hidden")
            if hidden is None:
                hidden = self.context["_reporter_hidden"] = reporter_hidden_from(request.user, issue)
            if hidden:
                return None
        return event.actor.name


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeadlineExtension
        fields = ["id", "issue", "requested_at", "reason", "new_due", "status", "decided_at", "decision_note"]
        read_only_fields = fields


# --- Writes -----------------------------------------------------------------------------------


class IssueFileSerializer(serializers.Serializer):
    """File an issue (JSON, or multipart with ``photos``). Location: a building, your household, or
    a common area of the compound."""

    compound = serializers.PrimaryKeyRelatedField(queryset=Compound.objects.all())
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.all())
    description = serializers.CharField(max_length=DESCRIPTION_MAX)
    kind = serializers.ChoiceField(choices=IssueKind.choices, default=IssueKind.SNAPSHOT)
    building = serializers.PrimaryKeyRelatedField(queryset=Building.objects.all(), required=False, allow_null=True)
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.all(), required=False, allow_null=True)
    common_area = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    anonymous = serializers.BooleanField(required=False, default=False)
    private = serializers.BooleanField(required=False, allow_null=True, default=None)
    contact_preference = serializers.ChoiceField(choices=ContactPreference.choices, default=ContactPreference.IN_APP)
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, allow_blank=True, required=False, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class DispatchSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=HandlerKind.choices)
    member = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class RateSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class MergeSerializer(serializers.Serializer):
    into = serializers.IntegerField()
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class SummonSerializer(serializers.Serializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class CommentSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")
    public = serializers.BooleanField(required=False, default=True)


class ExtensionRequestSerializer(serializers.Serializer):
    new_due = serializers.DateTimeField()
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ExtensionDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")


class RatesQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["compound", "zone", "member", "company", "community", "subdistrict", "department"])
    id = serializers.IntegerField()
    start = serializers.DateField()
    end = serializers.DateField()

    def validate(self, attrs):
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": _("The end must not be before the start.")})
        if (attrs["end"] - attrs["start"]).days > 366:
            raise serializers.ValidationError({"end": _("At most a year at a time.")})
        return attrs


class RankingQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["compound", "zone", "member", "company", "community", "subdistrict", "department"])
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$")
