"""Serializers of the meetings API: the full view (invitees, minutes, agenda and decisions), the
public summary residents read (items, decisions, owners, deadlines, status; no attendance, no
minutes), action items, and the inputs of the writes."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import ActionItem, AgendaItem, Invitation, Meeting, Reply


def owner_label(action: ActionItem) -> str:
    """As on the public summary: the organisation, never a person's name."""
    return action.public_owner


class MeetingSerializer(serializers.ModelSerializer):
    compound_name = serializers.CharField(source="compound.name", read_only=True)
    convenor_name = serializers.CharField(source="convenor.name", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id", "title", "kind", "status", "compound", "compound_name", "starts_at", "ends_at", "place",
            "convenor_name", "version",
        ]
        read_only_fields = fields


class DecisionSummarySerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = ["id", "decision", "owner", "deadline", "status"]
        read_only_fields = fields

    def get_owner(self, action) -> str:
        return owner_label(action)


class DecisionSerializer(DecisionSummarySerializer):
    """The full view's decisions: those who see the meeting in full see who owns each."""

    def get_owner(self, action) -> str:
        return action.owner_user.name if action.owner_user_id else action.public_owner

    class Meta(DecisionSummarySerializer.Meta):
        fields = [*DecisionSummarySerializer.Meta.fields, "owner_user", "owner_organisation", "done_at", "done_note"]
        read_only_fields = fields


class ItemSummarySerializer(serializers.ModelSerializer):
    decisions = DecisionSummarySerializer(many=True, read_only=True)

    class Meta:
        model = AgendaItem
        fields = ["id", "position", "title", "decisions"]
        read_only_fields = fields


class ItemSerializer(serializers.ModelSerializer):
    decisions = DecisionSerializer(many=True, read_only=True)
    issues = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = AgendaItem
        fields = ["id", "position", "title", "notes", "source", "issues", "review_of", "decisions"]
        read_only_fields = fields


class InvitationSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id", "user", "name", "organisation", "organisation_name", "department", "company", "reply", "reply_reason",
            "replied_at", "signed_in_at",
        ]
        read_only_fields = fields

    def get_name(self, invitation) -> str:
        if invitation.user_id:
            return invitation.user.name
        if invitation.department_id:
            return invitation.department.name
        return invitation.organisation_name


class MeetingDetailSerializer(MeetingSerializer):
    """The meeting in full: for invitees, the branch and the compound's officers."""

    full = serializers.SerializerMethodField()
    invitations = InvitationSerializer(many=True, read_only=True)
    items = ItemSerializer(many=True, read_only=True)

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "full", "minutes", "closed_at", "invitations", "items"]
        read_only_fields = fields

    def get_full(self, meeting) -> bool:
        return True


class MeetingSummarySerializer(serializers.ModelSerializer):
    """The public summary of a closed joint meeting, for the compound's residents: no invitees,
    no attendance, no minutes."""

    full = serializers.SerializerMethodField()
    compound_name = serializers.CharField(source="compound.name", read_only=True)
    items = ItemSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "full", "title", "status", "compound", "compound_name", "starts_at", "closed_at", "items"]
        read_only_fields = fields

    def get_full(self, meeting) -> bool:
        return False


class ActionItemSerializer(DecisionSerializer):
    meeting = serializers.IntegerField(source="item.meeting_id", read_only=True)
    meeting_title = serializers.CharField(source="item.meeting.title", read_only=True)
    compound_name = serializers.CharField(source="item.meeting.compound.name", read_only=True)
    item_title = serializers.CharField(source="item.title", read_only=True)

    class Meta(DecisionSerializer.Meta):
        fields = [*DecisionSerializer.Meta.fields, "meeting", "meeting_title", "compound_name", "item_title"]
        read_only_fields = fields


class ReplySerializer(serializers.Serializer):
    reply = serializers.ChoiceField(choices=[Reply.ATTEND, Reply.DECLINE], help_text=_("attend or decline"))
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CompleteSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, default="", help_text=_("What was done."))
