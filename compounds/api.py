"""REST endpoints for places in the caller's scope (read-only for now)."""

import django_filters
from rest_framework import viewsets

from governance.api import ScopedObjectFirstMixin

from . import selectors
from .models import Building, Household
from .serializers import BuildingSerializer, CompoundSerializer, HouseholdSerializer


class CompoundViewSet(ScopedObjectFirstMixin, viewsets.ReadOnlyModelViewSet):
    """Compounds the caller manages (officers, admins) or lives in (verified residents)."""

    serializer_class = CompoundSerializer
    filterset_fields = ["community"]

    def get_queryset(self):
        return selectors.compounds_with_figures(selectors.compounds_visible(self.request.user)).order_by("code")


class BuildingFilter(django_filters.FilterSet):
    class Meta:
        model = Building
        fields = ["compound"]


class BuildingViewSet(ScopedObjectFirstMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = BuildingSerializer
    filterset_class = BuildingFilter

    def get_queryset(self):
        return selectors.buildings_visible(self.request.user).order_by("compound_id", "name")


class HouseholdFilter(django_filters.FilterSet):
    compound = django_filters.NumberFilter(field_name="building__compound")

    class Meta:
        model = Household
        fields = ["building", "compound"]


class HouseholdViewSet(ScopedObjectFirstMixin, viewsets.ReadOnlyModelViewSet):
    """Households the caller manages, or their own."""

    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter

    def get_queryset(self):
        return selectors.households_visible(self.request.user).order_by("building__compound_id", "building__name", "unit", "room")
