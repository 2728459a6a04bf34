"""REST endpoints of this app; `register(router)` is called by governance/urls.py.

Reads are scoped by the selectors; every write calls one service. Out-of-scope ids are 404 for
every method (ScopedObjectFirstMixin); a Django ValidationError from a service becomes a 400 in
the project's error format."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from compounds.selectors import compounds_managed
from governance.api import ScopedObjectFirstMixin

from . import selectors, services
from .permissions import can_manage_company
from .serializers import (
    CommitteeSeatSerializer,
    CommitteeSeatWriteSerializer,
    CommitteeSerializer,
    CommitteeWriteSerializer,
    ContractEndSerializer,
    PropertyCompanySerializer,
    PropertyContractSerializer,
    PropertyContractWriteSerializer,
    PropertyStaffSerializer,
    PropertyStaffWriteSerializer,
)


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        raise ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None


def _valid(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CommitteeViewSet(ScopedObjectFirstMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Terms of owners' committees, supervisory boards and interim committees, seats nested."""

    serializer_class = CommitteeSerializer
    filterset_fields = ["compound", "kind"]

    def get_queryset(self):
        return selectors.with_seats(selectors.committees_managed(self.request.user)).order_by("compound_id", "kind", "-term_start")

    @extend_schema(request=CommitteeSerializer, responses=CommitteeSerializer)
    def create(self, request, *args, **kwargs):
        data = _valid(CommitteeWriteSerializer, request, compounds=compounds_managed(request.user))
        committee = _call(services.committee_create, actor=request.user, **data)
        return Response(CommitteeSerializer(committee, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CommitteeSerializer, responses=CommitteeSerializer)
    def update(self, request, *args, **kwargs):
        committee = self.get_object()
        current = {"term_start": committee.term_start, "term_end": committee.term_end, "filed_on": committee.filed_on}
        serializer = CommitteeWriteSerializer(data={**current, **request.data}, updating=True)
        serializer.is_valid(raise_exception=True)
        _call(services.committee_update, actor=request.user, committee=committee, **serializer.validated_data)
        return Response(CommitteeSerializer(self.get_queryset().get(pk=committee.pk), context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=CommitteeSerializer)
    @action(detail=True, methods=["post"])
    def dissolve(self, request, pk=None):
        committee = self.get_object()
        _call(services.committee_dissolve, actor=request.user, committee=committee)
        return Response(CommitteeSerializer(self.get_queryset().get(pk=committee.pk), context=self.get_serializer_context()).data)

    @extend_schema(request=CommitteeSeatWriteSerializer, responses=CommitteeSeatSerializer)
    @action(detail=True, methods=["post"])
    def seats(self, request, pk=None):
        committee = self.get_object()
        data = _valid(CommitteeSeatWriteSerializer, request)
        seat = _call(services.seat_add, actor=request.user, committee=committee, **data)
        return Response(CommitteeSeatSerializer(seat, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)


class SeatViewSet(ScopedObjectFirstMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CommitteeSeatSerializer
    filterset_fields = ["committee"]

    def get_queryset(self):
        return selectors.seats_managed(self.request.user).order_by("committee_id", "role", "pk")

    @extend_schema(request=None, responses=CommitteeSeatSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        seat = _call(services.seat_end, actor=request.user, seat=self.get_object())
        return Response(CommitteeSeatSerializer(seat, context=self.get_serializer_context()).data)


class ContractViewSet(ScopedObjectFirstMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Contracts of compounds the caller manages; a company's staff read their company's."""

    serializer_class = PropertyContractSerializer
    filterset_fields = ["compound", "company", "status"]

    def get_queryset(self):
        return selectors.contracts_visible(self.request.user).order_by("compound_id", "-starts_on", "-pk")

    @extend_schema(request=PropertyContractWriteSerializer, responses=PropertyContractSerializer)
    def create(self, request, *args, **kwargs):
        data = _valid(PropertyContractWriteSerializer, request, compounds=compounds_managed(request.user))
        contract = _call(services.contract_create, actor=request.user, **data)
        return Response(PropertyContractSerializer(contract, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ContractEndSerializer, responses=PropertyContractSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        contract = self.get_object()
        data = _valid(ContractEndSerializer, request)
        contract = _call(services.contract_end, actor=request.user, contract=contract, reason=data["reason"], on=data.get("on"))
        return Response(PropertyContractSerializer(contract, context=self.get_serializer_context()).data)


class CompanyViewSet(ScopedObjectFirstMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PropertyCompanySerializer
    filterset_fields = ["has_party_organisation"]

    def get_queryset(self):
        qs = selectors.companies_with_figures(selectors.companies_visible(self.request.user))
        search = self.request.query_params.get("search", "").strip()
        if search:
            from django.db.models import Q

            qs = qs.filter(Q(name__icontains=search) | Q(credit_code__icontains=search))
        return qs.order_by("name", "pk")

    def _fields(self, serializer):
        return {k: v for k, v in serializer.validated_data.items()}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        company = _call(services.company_create, actor=request.user, **self._fields(serializer))
        return Response(self.get_serializer(self.get_queryset().get(pk=company.pk)).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        company = self.get_object()
        if not can_manage_company(request.user, company):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied
        serializer = self.get_serializer(company, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        company.refresh_from_db()
        _call(services.company_update, actor=request.user, company=company, **self._fields(serializer))
        return Response(self.get_serializer(self.get_queryset().get(pk=company.pk)).data)

    @extend_schema(request=PropertyStaffWriteSerializer, responses=PropertyStaffSerializer)
    @action(detail=True, methods=["post"])
    def staff(self, request, pk=None):
        company = self.get_object()
        if not can_manage_company(request.user, company):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied
        data = _valid(PropertyStaffWriteSerializer, request)
        staff = _call(
            services.staff_add, actor=request.user, company=company, user=data["phone"], title=data["title"],
            is_contact=data["is_contact"],
        )
        return Response(PropertyStaffSerializer(staff, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED)


class StaffViewSet(ScopedObjectFirstMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PropertyStaffSerializer
    filterset_fields = ["company"]

    def get_queryset(self):
        return selectors.staff_visible(self.request.user).order_by("company_id", "ended_on", "pk")

    @extend_schema(request=None, responses=PropertyStaffSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        staff = self.get_object()
        if not can_manage_company(request.user, staff.company):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied
        return Response(PropertyStaffSerializer(
            _call(services.staff_end, actor=request.user, staff=staff), context=self.get_serializer_context()
        ).data)


def register(router) -> None:
    router.register("committees", CommitteeViewSet, basename="committee")
    router.register("committee-seats", SeatViewSet, basename="committee-seat")
    router.register("property-contracts", ContractViewSet, basename="property-contract")
    router.register("property-companies", CompanyViewSet, basename="property-company")
    router.register("property-staff", StaffViewSet, basename="property-staff")
