"""REST API of the joint meetings (/api/v1/meetings/…, /api/v1/meeting-actions/…).
`register(router)` is called by governance/urls.py.

Reads are scoped by ``selectors``: a meeting the caller cannot see is 404 for every method
(``ScopedObjectFirstMixin``); a resident of the compound reads the public summary of a closed joint
meeting only. Every write calls one service: its ValidationError is a 400, its PermissionDenied a
403 (the meeting is visible but the action is not the caller's).
"""

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from governance.api import ScopedObjectFirstMixin

from . import selectors, services
from .ics import ics_response
from .models import ActionItem, AgendaItem, Invitation, Meeting, MeetingStatus
from .serializers import (
    ActionItemSerializer,
    CompleteSerializer,
    InvitationSerializer,
    MeetingDetailSerializer,
    MeetingSerializer,
    MeetingSummarySerializer,
    ReplySerializer,
)


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _flag(request, name) -> bool:
    return request.query_params.get(name, "").lower() in ("1", "true", "yes")


MEETING_FILTERS = [
    OpenApiParameter("compound", int, description="Only meetings of this compound."),
    OpenApiParameter("upcoming", bool, description="1: only scheduled meetings not yet begun, soonest first."),
]

ITEMS = Prefetch(
    "items",
    queryset=AgendaItem.objects.prefetch_related(
        "issues", Prefetch("decisions", queryset=ActionItem.objects.select_related("owner_user"))
    ),
)


class MeetingViewSet(ScopedObjectFirstMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Joint meetings. The list holds the meetings the caller sees in full (invitee, branch,
    officers of the compound, an invited department); one meeting is in full for them, and its
    public summary for a resident of the compound once a joint meeting is closed."""

    serializer_class = MeetingSerializer
    queryset = Meeting.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            qs = selectors.meetings_full(user).select_related("compound", "convenor")
            compound = self.request.query_params.get("compound")
            if compound:
                if not compound.isdigit():
                    raise serializers.ValidationError({"compound": [_("Give a compound's id.")]})
                qs = qs.filter(compound_id=int(compound))
            if _flag(self.request, "upcoming"):
                qs = qs.filter(status=MeetingStatus.SCHEDULED, starts_at__gt=timezone.now()).order_by("starts_at", "pk")
            else:
                qs = qs.order_by("-starts_at", "-pk")
            return qs
        return selectors.meetings_visible(user).select_related("compound", "convenor")

    @extend_schema(parameters=MEETING_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        responses=PolymorphicProxySerializer(
            component_name="MeetingInFullOrSummary",
            serializers=[MeetingDetailSerializer, MeetingSummarySerializer],
            resource_type_field_name=None,
        ),
        description="In full, or the public summary (``full``: false) for a resident of the compound.",
    )
    def retrieve(self, request, *args, **kwargs):
        meeting = self.get_object()
        if selectors.sees_in_full(request.user, meeting):
            meeting = (
                Meeting.objects.select_related("compound", "convenor")
                .prefetch_related(
                    ITEMS, Prefetch("invitations", queryset=Invitation.objects.select_related("user", "department"))
                )
                .get(pk=meeting.pk)
            )
            return Response(MeetingDetailSerializer(meeting, context=self.get_serializer_context()).data)
        meeting = Meeting.objects.select_related("compound").prefetch_related(ITEMS).get(pk=meeting.pk)
        return Response(MeetingSummarySerializer(meeting, context=self.get_serializer_context()).data)

    def _in_full(self):
        """The meeting for those who see it in full; to a summary-only reader it does not exist."""
        meeting = self.get_object()
        if not selectors.sees_in_full(self.request.user, meeting):
            raise NotFound
        return meeting

    @extend_schema(responses={(200, "text/calendar"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, methods=["get"])
    def calendar(self, request, pk=None, **kwargs):
        """The meeting as an iCalendar file (.ics), times in the deployment's time zone."""
        return ics_response(request, self._in_full())

    @extend_schema(request=ReplySerializer, responses=InvitationSerializer)
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None, **kwargs):
        """Reply to your invitation: attend, or decline with a reason."""
        meeting = self._in_full()
        data = _valid(ReplySerializer, request)
        invitation = Invitation.objects.filter(meeting=meeting, user=request.user).select_related("meeting").first()
        if invitation is None:
            raise PermissionDenied(_("You are not invited to this meeting."))
        invitation = services.invitation_reply(actor=request.user, invitation=invitation, reply=data["reply"], reason=data["reason"])
        return Response(InvitationSerializer(invitation).data)


class ActionItemViewSet(ScopedObjectFirstMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """My action items (open first, soonest deadline first). An action item of a meeting the
    caller sees in full can be looked up; only its owner or the convenor completes it."""

    serializer_class = ActionItemSerializer
    queryset = ActionItem.objects.none()

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            return selectors.actions_of(user).select_related("owner_user")  # open first, soonest deadline first
        seen = selectors.meetings_full(user).values("pk")
        return ActionItem.objects.filter(Q(item__meeting__in=seen) | Q(owner_user=user)).select_related(
            "item__meeting__compound", "owner_user"
        )

    @extend_schema(request=CompleteSerializer, responses=ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None, **kwargs):
        """Report the action item done, saying what was done (its owner, or the convenor)."""
        action_item = self.get_object()
        data = _valid(CompleteSerializer, request)
        action_item = services.action_complete(actor=request.user, action=action_item, note=data["note"])
        fresh = ActionItem.objects.select_related("item__meeting__compound", "owner_user").get(pk=action_item.pk)
        return Response(ActionItemSerializer(fresh).data)


def register(router) -> None:
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("meeting-actions", ActionItemViewSet, basename="meeting-action")
