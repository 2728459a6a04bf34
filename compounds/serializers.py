from rest_framework import serializers

from .models import Building, Compound, Household


class CompoundSerializer(serializers.ModelSerializer):
    community = serializers.CharField(source="community.name", read_only=True)
    community_id = serializers.IntegerField(read_only=True)
    buildings = serializers.IntegerField(source="n_buildings", read_only=True)
    households = serializers.IntegerField(source="n_households", read_only=True)
    verified_residents = serializers.IntegerField(source="n_verified", read_only=True)

    class Meta:
        model = Compound
        fields = [
            "id", "code", "name", "address", "community_id", "community", "built_year",
            "latitude", "longitude", "buildings", "households", "verified_residents",
        ]


class BuildingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Building
        fields = ["id", "compound", "name", "floors"]


class HouseholdSerializer(serializers.ModelSerializer):
    compound = serializers.IntegerField(source="building.compound_id", read_only=True)
    building_name = serializers.CharField(source="building.name", read_only=True)

    class Meta:
        model = Household
        fields = ["id", "compound", "building", "building_name", "unit", "room", "exclusive_area"]
