from django import forms
from django.utils.translation import gettext_lazy as _

from compounds.models import Building, Community, Compound, Household, ResidencyStatus
from governance.accounts.models import User

from .models import BranchKind, BranchRole, MemberKind, PartyBranch, PartyMember, ServicePost

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _multi(size=8):
    return forms.SelectMultiple(attrs={"class": "form-select", "size": size})


class BranchForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=BranchKind.choices)
    founded_on = forms.DateField(label=_("Founded on"), widget=DATE)
    compounds = forms.ModelMultipleChoiceField(
        label=_("Compounds covered"), queryset=Compound.objects.none(), required=False, widget=_multi(),
        help_text=_("Only compounds of the branch's community. A compound is covered by one branch at most."),
    )

    def __init__(self, *args, communities, branch: PartyBranch | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        if branch is not None:
            self.fields["community"].disabled = True
            self.fields["community"].initial = branch.community
            community_id = branch.community_id
        else:
            community_id = self.data.get("community") or self.initial.get("community")
            community_id = getattr(community_id, "pk", community_id)
        compounds = Compound.objects.filter(community__in=communities)
        if community_id and str(community_id).isdigit():
            compounds = compounds.filter(community_id=community_id)
        self.fields["compounds"].queryset = compounds.order_by("name")


class MemberAddForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=11, help_text=_("The person must have registered with this number."))
    kind = forms.ChoiceField(label=_("Kind"), choices=MemberKind.choices)
    employer = forms.CharField(label=_("Employer"), max_length=120, required=False, help_text=_("Required for in-service members."))
    employer_party_organisation = forms.CharField(label=_("Employer's Party organisation"), max_length=120, required=False)

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        user = User.objects.filter(phone=phone).first()
        if user is None:
            raise forms.ValidationError(_("Nobody has registered with this mobile number yet."))
        self.cleaned_data["user"] = user
        return phone

    def clean(self):
        data = super().clean()
        if data.get("kind") == MemberKind.IN_SERVICE and not (data.get("employer") or "").strip():
            self.add_error("employer", _("An in-service member reports from an employer: name it."))
        return data


class MemberEditForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MemberKind.choices)
    employer = forms.CharField(label=_("Employer"), max_length=120, required=False)
    employer_party_organisation = forms.CharField(label=_("Employer's Party organisation"), max_length=120, required=False)


def _current_members(branch):
    return PartyMember.objects.filter(branch=branch, left_on__isnull=True).select_related("user").order_by("user__display_name")


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.user.name


class MemberChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.user.name


class SeatForm(forms.Form):
    member = MemberChoice(label=_("Member"), queryset=PartyMember.objects.none())
    role = forms.ChoiceField(label=_("Seat"), choices=BranchRole.choices)
    term_start = forms.DateField(label=_("Term starts"), widget=DATE)
    term_end = forms.DateField(label=_("Term ends"), widget=DATE, required=False)

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = _current_members(branch)

    def clean(self):
        data = super().clean()
        if data.get("term_start") and data.get("term_end") and data["term_end"] <= data["term_start"]:
            self.add_error("term_end", _("The term must end after it starts."))
        return data


def _covered_buildings(branch):
    return Building.objects.filter(compound__party_coverage__branch=branch).select_related("compound").order_by(
        "compound__name", "name"
    )


class BuildingChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.compound.name} {obj.name}"


class BuildingChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.compound.name} {obj.name}"


class HouseholdChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.building.compound.name} {obj}"


class HouseholdChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.building.name} {obj}"


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    leader = MemberChoice(label=_("Group leader"), queryset=PartyMember.objects.none(), required=False)
    buildings = BuildingChoices(label=_("Buildings"), queryset=Building.objects.none(), required=False, widget=_multi())

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = _current_members(branch)
        self.fields["buildings"].queryset = _covered_buildings(branch)


class LeaderForm(forms.Form):
    building = BuildingChoice(label=_("Building"), queryset=Building.objects.none())
    member = MemberChoice(label=_("Member"), queryset=PartyMember.objects.none())
    household = HouseholdChoice(
        label=_("Member's household"), queryset=Household.objects.none(), required=False,
        help_text=_("The household acting as the building's contact point (a household the member lives in)."),
    )

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = _covered_buildings(branch)
        self.fields["member"].queryset = _current_members(branch)
        self.fields["household"].queryset = (
            Household.objects.filter(
                building__compound__party_coverage__branch=branch,
                residencies__status=ResidencyStatus.VERIFIED,
                residencies__user__party_memberships__branch=branch,
                residencies__user__party_memberships__left_on__isnull=True,
            )
            .select_related("building__compound")
            .distinct()
        )


class ZoneForm(forms.Form):
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none())
    member = MemberChoice(label=_("Member answering for the zone"), queryset=PartyMember.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    buildings = BuildingChoices(
        label=_("Whole buildings"), queryset=Building.objects.none(), required=False, widget=_multi(),
        help_text=_("Every household of a chosen building is put in the zone."),
    )
    households = HouseholdChoices(
        label=_("Single households"), queryset=Household.objects.none(), required=False, widget=_multi(12),
    )

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = Compound.objects.filter(party_coverage__branch=branch).order_by("name")
        self.fields["member"].queryset = _current_members(branch)
        buildings = _covered_buildings(branch)
        households = Household.objects.filter(building__compound__party_coverage__branch=branch)
        compound_id = self.data.get("compound") or self.initial.get("compound")
        compound_id = getattr(compound_id, "pk", compound_id)
        if compound_id and str(compound_id).isdigit():
            buildings = buildings.filter(compound_id=compound_id)
            households = households.filter(building__compound_id=compound_id)
        self.fields["buildings"].queryset = buildings
        self.fields["households"].queryset = households.select_related("building__compound").order_by(
            "building__name", "unit", "room"
        )

    def clean(self):
        data = super().clean()
        if not data.get("buildings") and not data.get("households") and not self.errors:
            self.add_error("households", _("Choose at least one building or household."))
        return data


class PostsChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class CheckInForm(forms.Form):
    posts = PostsChoice(
        label=_("Service posts I claim"), queryset=ServicePost.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple, error_messages={"required": _("Claim at least one service post.")},
    )
    note = forms.CharField(label=_("What I will do"), max_length=200, required=False)


class PostClaimForm(forms.Form):
    post = forms.ModelChoiceField(label=_("Service post"), queryset=ServicePost.objects.filter(active=True))
    note = forms.CharField(label=_("What I will do"), max_length=200, required=False)
