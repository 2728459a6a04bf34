"""REST endpoints of the Party organisation: reads in the caller's scope, writes for officers
through the services. `register(router)` is called by governance/urls.py."""

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from compounds import selectors as place_selectors
from governance.api import ScopedObjectFirstMixin

from . import selectors, services
from .models import BranchSeat, PartyMember, ResponsibilityZone, ServicePost
from .serializers import (
    BranchCreateSerializer,
    BranchSerializer,
    BranchUpdateSerializer,
    CheckInSerializer,
    GroupSerializer,
    GroupWriteSerializer,
    LeaderSerializer,
    LeaderSetSerializer,
    MemberAddSerializer,
    MemberSerializer,
    SeatAddSerializer,
    SeatSerializer,
    ServicePostSerializer,
    ZoneSerializer,
    ZoneWriteSerializer,
)


def call(service, **kwargs):
    """Run a service; its Django ValidationError becomes DRF's (a 400 in the project's format)."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise serializers.ValidationError(exc.message_dict) from None
        raise serializers.ValidationError({"non_field_errors": exc.messages}) from None


def _scoped(user) -> dict:
    compounds = place_selectors.compounds_managed(user)
    return {
        "communities": place_selectors.communities_managed(user),
        "compounds": compounds,
        "branches": selectors.branches_managed(user),
        "members": selectors.members_managed(user).filter(left_on__isnull=True),
        "buildings": place_selectors.buildings_visible(user).filter(compound__in=compounds),
        "households": place_selectors.households_managed(user),
    }


def _write(request, serializer_class, data=None, partial=False):
    serializer = serializer_class(data=request.data if data is None else data, partial=partial,
                                  context={"request": request, "scoped": _scoped(request.user)})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class BranchViewSet(ScopedObjectFirstMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Branches of the communities the caller manages, with the compounds covered and the seats.
    POST creates one; PATCH changes it; actions add members and seats and dissolve it."""

    serializer_class = BranchSerializer
    filterset_fields = ["community", "kind"]

    def get_queryset(self):
        seats = BranchSeat.objects.filter(ended_on__isnull=True).select_related("member__user").order_by("role", "pk")
        return (
            selectors.branches_with_figures(selectors.branches_managed(self.request.user))
            .prefetch_related(Prefetch("seats", queryset=seats, to_attr="active_seats"))
            .order_by("community_id", "name", "pk")
        )

    def _out(self, branch, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=branch.pk)).data, status=code)

    def create(self, request):
        data = _write(request, BranchCreateSerializer)
        branch = call(services.branch_create, actor=request.user, **data)
        return self._out(branch, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        branch = self.get_object()
        data = _write(request, BranchUpdateSerializer, partial=True)
        current = {
            "name": branch.name, "kind": branch.kind, "founded_on": branch.founded_on,
            "compounds": [c.compound for c in branch.coverage.all()],
        }
        call(services.branch_update, actor=request.user, branch=branch, grid=branch.grid, **(current | dict(data)))
        return self._out(branch)

    @action(detail=True, methods=["post"], url_path="members", url_name="add-member")
    def add_member(self, request, pk=None):
        branch = self.get_object()
        data = _write(request, MemberAddSerializer)
        member = call(services.member_add, actor=request.user, branch=branch, **data)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="seats", url_name="add-seat")
    def add_seat(self, request, pk=None):
        branch = self.get_object()
        data = _write(request, SeatAddSerializer)
        seat = call(services.branch_seat_add, actor=request.user, branch=branch, **data)
        return Response(SeatSerializer(seat).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="leaders", url_name="set-leader")
    def set_leader(self, request, pk=None):
        """Name a member (and their household) the contact point of a building the branch covers."""
        branch = self.get_object()
        data = _write(request, LeaderSetSerializer)
        if not branch.coverage.filter(compound_id=data["building"].compound_id).exists():
            raise serializers.ValidationError({"building": ["This branch does not cover the building's compound."]})
        if data["member"].branch_id != branch.pk:
            raise serializers.ValidationError({"member": ["Choose a member of this branch."]})
        leader = call(services.building_leader_set, actor=request.user, **data)
        return Response(LeaderSerializer(leader).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_name="dissolve")
    def dissolve(self, request, pk=None):
        branch = self.get_object()
        call(services.branch_dissolve, actor=request.user, branch=branch)
        return self._out(branch)


class MemberFilter(django_filters.FilterSet):
    current = django_filters.BooleanFilter(field_name="left_on", lookup_expr="isnull")

    class Meta:
        model = PartyMember
        fields = ["branch", "kind", "current"]


class MemberViewSet(ScopedObjectFirstMixin, viewsets.ReadOnlyModelViewSet):
    """Members of branches the caller manages, and the caller's own memberships."""

    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    queryset = PartyMember.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        user = self.request.user
        return (
            PartyMember.objects.filter(Q(branch__in=selectors.branches_managed(user)) | Q(user=user))
            .select_related("user")
            .order_by("branch_id", "pk")
        )

    @action(detail=True, methods=["post"], url_name="leave")
    def leave(self, request, pk=None):
        member = self.get_object()
        if not selectors.branches_managed(request.user).filter(pk=member.branch_id).exists():
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied
        call(services.member_leave, actor=request.user, member=member)
        return Response(MemberSerializer(member).data)


class GroupViewSet(ScopedObjectFirstMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Party groups with the ids of their buildings; POST creates one, PUT changes it."""

    serializer_class = GroupSerializer
    filterset_fields = ["branch"]

    def get_queryset(self):
        return selectors.groups_managed(self.request.user).prefetch_related("buildings").order_by("branch_id", "name", "pk")

    def create(self, request):
        data = _write(request, GroupWriteSerializer)
        group = call(services.group_save, actor=request.user, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=group.pk)).data, status=status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        group = self.get_object()
        payload = request.data.copy()
        payload["branch"] = group.branch_id
        data = _write(request, GroupWriteSerializer, data=payload)
        call(services.group_save, actor=request.user, group=group, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=group.pk)).data)


class ZoneFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter(field_name="ended_on", lookup_expr="isnull")

    class Meta:
        model = ResponsibilityZone
        fields = ["branch", "compound", "member", "active"]


class ZoneViewSet(ScopedObjectFirstMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Responsibility zones with the ids of the households they cover. POST creates one, PUT
    changes it (a household already in another zone is refused with a 400)."""

    serializer_class = ZoneSerializer
    filterset_class = ZoneFilter

    def get_queryset(self):
        return (
            selectors.zones_managed(self.request.user)
            .prefetch_related("coverage")
            .order_by("compound_id", "name", "pk")
        )

    def create(self, request):
        data = _write(request, ZoneWriteSerializer)
        zone = call(services.zone_save, actor=request.user, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=zone.pk)).data, status=status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        zone = self.get_object()
        payload = request.data.copy()
        payload["branch"] = zone.branch_id
        data = _write(request, ZoneWriteSerializer, data=payload)
        call(services.zone_save, actor=request.user, zone=zone, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=zone.pk)).data)

    @action(detail=True, methods=["post"], url_name="end")
    def end(self, request, pk=None):
        zone = self.get_object()
        call(services.zone_end, actor=request.user, zone=zone)
        return Response(self.get_serializer(self.get_queryset().get(pk=zone.pk)).data)


class CheckInFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=[(s, s) for s in selectors.CHECKIN_STATES], method="by_state")

    class Meta:
        model = selectors.MemberCheckIn
        fields = ["branch", "member", "status", "state"]

    def by_state(self, queryset, name, value):
        return selectors.checkins_in_state(queryset, value)


class CheckInViewSet(ScopedObjectFirstMixin, viewsets.ReadOnlyModelViewSet):
    """Check-ins in branches the caller manages, and the caller's own (?state=active|expiring|lapsed)."""

    serializer_class = CheckInSerializer
    filterset_class = CheckInFilter
    queryset = selectors.MemberCheckIn.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        user = self.request.user
        return (
            selectors.MemberCheckIn.objects.filter(Q(branch__in=selectors.branches_managed(user)) | Q(member__user=user))
            .select_related("member__user")
            .order_by("expires_on", "pk")
        )

    def create(self, request):
        """An in-service member checks in with their branch's community, claiming ≥ 1 post."""
        data = _write(request, CheckInRegisterSerializer)
        member = PartyMember.objects.filter(user=request.user, left_on__isnull=True).select_related("branch").first()
        if member is None:
            raise serializers.ValidationError({"non_field_errors": [_("You are not registered with a Party branch.")]})
        checkin = call(
            services.checkin_register, actor=request.user, member=member, community=member.branch.community,
            posts=data["posts"], note=data["note"],
        )
        return Response(CheckInSerializer(checkin).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_name="renew")
    def renew(self, request, pk=None):
        checkin = self.get_object()
        renewal = call(services.checkin_renew, actor=request.user, checkin=checkin)
        return Response(CheckInSerializer(renewal).data, status=status.HTTP_201_CREATED)


class CheckInRegisterSerializer(serializers.Serializer):
    posts = serializers.PrimaryKeyRelatedField(queryset=ServicePost.objects.filter(active=True), many=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class SeatViewSet(ScopedObjectFirstMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Branch committee seats in branches the caller manages; POST …/end/ ends one."""

    serializer_class = SeatSerializer
    queryset = BranchSeat.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        return (
            BranchSeat.objects.filter(branch__in=selectors.branches_managed(self.request.user))
            .select_related("member__user")
            .order_by("branch_id", "pk")
        )

    @action(detail=True, methods=["post"], url_name="end")
    def end(self, request, pk=None):
        seat = self.get_object()
        call(services.branch_seat_end, actor=request.user, seat=seat)
        return Response(SeatSerializer(seat).data)


class ServicePostViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The service posts members may claim (the same list for everyone)."""

    serializer_class = ServicePostSerializer
    queryset = ServicePost.objects.filter(active=True).order_by("position", "code")


def register(router) -> None:
    router.register("party/branches", BranchViewSet, basename="party-branch")
    router.register("party/members", MemberViewSet, basename="party-member")
    router.register("party/groups", GroupViewSet, basename="party-group")
    router.register("party/zones", ZoneViewSet, basename="party-zone")
    router.register("party/checkins", CheckInViewSet, basename="party-checkin")
    router.register("party/seats", SeatViewSet, basename="party-seat")
    router.register("party/service-posts", ServicePostViewSet, basename="party-service-post")
