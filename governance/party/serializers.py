from rest_framework import serializers

from compounds.models import Building, Community, Compound, Household
from governance.accounts.models import User

from .models import (
    BranchKind,
    BranchRole,
    MemberCheckIn,
    MemberKind,
    PartyBranch,
    PartyGroup,
    PartyMember,
    ResponsibilityZone,
    ServicePost,
)

# --- Reads ------------------------------------------------------------------------------------


class SeatSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    role = serializers.CharField()
    member = serializers.IntegerField(source="member_id")
    name = serializers.CharField(source="member.user.name")
    term_start = serializers.DateField()
    term_end = serializers.DateField()


class BranchSerializer(serializers.ModelSerializer):
    community = serializers.CharField(source="community.name", read_only=True)
    community_id = serializers.IntegerField(read_only=True)
    compounds = serializers.SerializerMethodField()
    seats = SeatSerializer(source="active_seats", many=True, read_only=True)
    members = serializers.IntegerField(source="n_members", read_only=True)
    zones = serializers.IntegerField(source="n_zones", read_only=True)
    households = serializers.IntegerField(source="n_households", read_only=True)
    households_in_zones = serializers.IntegerField(source="n_zoned", read_only=True)
    secretary = serializers.CharField(source="secretary_name", read_only=True)

    class Meta:
        model = PartyBranch
        fields = [
            "id", "name", "kind", "community_id", "community", "founded_on", "dissolved_on", "compounds", "seats",
            "members", "secretary", "zones", "households", "households_in_zones",
        ]

    def get_compounds(self, branch) -> list[dict]:
        return [{"id": c.compound_id, "name": c.compound.name} for c in branch.coverage.all()]


class MemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.name", read_only=True)

    class Meta:
        model = PartyMember
        fields = ["id", "user", "name", "branch", "kind", "employer", "employer_party_organisation", "joined_on", "left_on"]


class GroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartyGroup
        fields = ["id", "branch", "name", "leader", "buildings"]


class ZoneSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.user.name", read_only=True)
    households = serializers.SerializerMethodField()

    class Meta:
        model = ResponsibilityZone
        fields = ["id", "branch", "compound", "member", "member_name", "name", "ended_on", "households"]

    def get_households(self, zone) -> list[int]:
        return sorted(c.household_id for c in zone.coverage.all())


class CheckInSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.user.name", read_only=True)

    class Meta:
        model = MemberCheckIn
        fields = ["id", "member", "member_name", "community", "branch", "checked_in_on", "expires_on", "status", "previous"]


class ServicePostSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServicePost
        fields = ["id", "code", "name", "name_zh", "name_en"]


# --- Writes (validated here, then handed to the services) -------------------------------------


class _Scoped(serializers.PrimaryKeyRelatedField):
    """A primary key looked up in a queryset the view builds for the caller."""

    def __init__(self, key, **kwargs):
        self.key = key
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.context["scoped"][self.key]


class BranchCreateSerializer(serializers.Serializer):
    community = _Scoped("communities", queryset=Community.objects.none())
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=BranchKind.choices, default=BranchKind.COMPOUND)
    founded_on = serializers.DateField()
    compounds = _Scoped("compounds", queryset=Compound.objects.none(), many=True, required=False)


class BranchUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    kind = serializers.ChoiceField(choices=BranchKind.choices, required=False)
    founded_on = serializers.DateField(required=False)
    compounds = _Scoped("compounds", queryset=Compound.objects.none(), many=True, required=False)


class MemberAddSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)
    phone = serializers.CharField(max_length=11, required=False)
    kind = serializers.ChoiceField(choices=MemberKind.choices, default=MemberKind.RESIDENT)
    employer = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    employer_party_organisation = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")

    def validate(self, data):
        if "user" not in data:
            phone = data.pop("phone", "")
            user = User.objects.filter(phone=phone).first() if phone else None
            if user is None:
                raise serializers.ValidationError({"phone": "Give a registered person's user id or mobile number."})
            data["user"] = user
        data.pop("phone", None)
        return data


class SeatAddSerializer(serializers.Serializer):
    member = _Scoped("members", queryset=PartyMember.objects.none())
    role = serializers.ChoiceField(choices=BranchRole.choices)
    term_start = serializers.DateField()
    term_end = serializers.DateField(required=False, allow_null=True)


class ZoneWriteSerializer(serializers.Serializer):
    branch = _Scoped("branches", queryset=PartyBranch.objects.none())
    compound = _Scoped("compounds", queryset=Compound.objects.none())
    member = _Scoped("members", queryset=PartyMember.objects.none())
    name = serializers.CharField(max_length=100)
    buildings = _Scoped("buildings", queryset=Building.objects.none(), many=True, required=False)
    households = _Scoped("households", queryset=Household.objects.none(), many=True, required=False)


class GroupWriteSerializer(serializers.Serializer):
    branch = _Scoped("branches", queryset=PartyBranch.objects.none())
    name = serializers.CharField(max_length=100)
    leader = _Scoped("members", queryset=PartyMember.objects.none(), required=False, allow_null=True)
    buildings = _Scoped("buildings", queryset=Building.objects.none(), many=True, required=False)


class LeaderSetSerializer(serializers.Serializer):
    building = _Scoped("buildings", queryset=Building.objects.none())
    member = _Scoped("members", queryset=PartyMember.objects.none())
    household = _Scoped("households", queryset=Household.objects.none(), required=False, allow_null=True)


class LeaderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    building = serializers.IntegerField(source="building_id")
    member = serializers.IntegerField(source="member_id")
    household = serializers.IntegerField(source="household_id", allow_null=True)
    started_on = serializers.DateField()
