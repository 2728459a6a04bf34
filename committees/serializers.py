from rest_framework import serializers

from compounds.models import Compound
from compounds.scopes import scopes_for
from governance.accounts.models import User

from .models import BodyKind, Committee, PropertyCompany, PropertyContract, PropertyStaff, Seat, SeatRole


class CommitteePersonSerializer(serializers.ModelSerializer):
    """Officers and admins (whose lists are already limited to their scope) read the number in
    full, as on their pages; anyone else (a company's staff reading colleagues) sees it masked
    unless the person chose to show it."""

    name = serializers.CharField(read_only=True)
    phone = serializers.SerializerMethodField()

    def get_phone(self, user) -> str:
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        if viewer is not None and (scopes_for(viewer).is_staff or viewer.pk == user.pk or user.show_phone):
            return user.phone or ""
        return user.masked_phone

    class Meta:
        model = User
        fields = ["id", "name", "phone"]


class CommitteeSeatSerializer(serializers.ModelSerializer):
    person = CommitteePersonSerializer(source="user", read_only=True)

    class Meta:
        model = Seat
        fields = ["id", "committee", "person", "household", "role", "started_on", "ended_on"]


class CommitteeSerializer(serializers.ModelSerializer):
    seats = CommitteeSeatSerializer(many=True, read_only=True)

    class Meta:
        model = Committee
        fields = ["id", "compound", "kind", "term_start", "term_end", "filed_on", "dissolved_on", "seats"]
        read_only_fields = ["dissolved_on"]


class CommitteeWriteSerializer(serializers.Serializer):
    """Input of ``committee_create`` (compound restricted to the caller's) and ``committee_update``."""

    compound = serializers.PrimaryKeyRelatedField(queryset=Compound.objects.none(), pk_field=serializers.IntegerField())
    kind = serializers.ChoiceField(choices=BodyKind.choices)
    term_start = serializers.DateField()
    term_end = serializers.DateField()
    filed_on = serializers.DateField(required=False, allow_null=True)

    def __init__(self, *args, compounds=None, updating=False, **kwargs):
        super().__init__(*args, **kwargs)
        if updating:
            del self.fields["compound"]
            del self.fields["kind"]
        else:
            self.fields["compound"].queryset = compounds


class CommitteeSeatWriteSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False)
    phone = serializers.CharField(required=False, max_length=11)
    role = serializers.ChoiceField(choices=SeatRole.choices, default=SeatRole.MEMBER)
    started_on = serializers.DateField(required=False)

    def validate(self, data):
        if "user" not in data:
            phone = data.pop("phone", "")
            user = User.objects.filter(phone=phone, is_active=True).first() if phone else None
            if user is None:
                raise serializers.ValidationError({"user": "Give the person's user id or the mobile number of an existing account."})
            data["user"] = user
        data.pop("phone", None)
        return data


class ContractEndSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)
    on = serializers.DateField(required=False, allow_null=True)


class PropertyContractSerializer(serializers.ModelSerializer):
    company_name = serializers.CharField(source="company.name", read_only=True)
    compound_name = serializers.CharField(source="compound.name", read_only=True)

    class Meta:
        model = PropertyContract
        fields = [
            "id", "compound", "compound_name", "company", "company_name", "starts_on", "ends_on", "fee_per_m2",
            "status", "ended_on", "end_reason",
        ]
        read_only_fields = ["status", "ended_on", "end_reason"]


class PropertyContractWriteSerializer(serializers.Serializer):
    compound = serializers.PrimaryKeyRelatedField(queryset=Compound.objects.none(), pk_field=serializers.IntegerField())
    company = serializers.PrimaryKeyRelatedField(queryset=PropertyCompany.objects.all())
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    fee_per_m2 = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0)

    def __init__(self, *args, compounds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds


class PropertyCompanySerializer(serializers.ModelSerializer):
    contracts_in_force = serializers.IntegerField(source="n_active", read_only=True)

    class Meta:
        model = PropertyCompany
        fields = [
            "id", "name", "credit_code", "address", "contact_name", "contact_phone", "service_phone",
            "has_party_organisation", "party_instructor", "contracts_in_force",
        ]
        # The service validates (check character, uniqueness): one place, one message.
        extra_kwargs = {"credit_code": {"validators": []}}


class PropertyStaffSerializer(serializers.ModelSerializer):
    person = CommitteePersonSerializer(source="user", read_only=True)

    class Meta:
        model = PropertyStaff
        fields = ["id", "company", "person", "title", "is_contact", "started_on", "ended_on"]


class PropertyStaffWriteSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=11)
    title = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    is_contact = serializers.BooleanField(required=False, default=False)

    def validate_phone(self, phone):
        user = User.objects.filter(phone=phone.strip(), is_active=True).first()
        if user is None:
            raise serializers.ValidationError("No account has this mobile number. Ask the person to register first.")
        return user
