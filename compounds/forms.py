from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Building, Community, Compound, Household, Relation


class CompoundForm(forms.ModelForm):
    class Meta:
        model = Compound
        fields = ["name", "code", "community", "address", "built_year", "latitude", "longitude"]

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if communities is not None:
            self.fields["community"].queryset = communities


class BuildingForm(forms.ModelForm):
    class Meta:
        model = Building
        fields = ["name", "floors"]


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["unit", "room", "exclusive_area"]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_("Columns: building, unit, room, exclusive_area (or 楼栋, 单元, 房号, 专有面积); one household per row."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class ClaimForm(forms.Form):
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none())
    household = forms.ModelChoiceField(label=_("Room"), queryset=Household.objects.none())
    relation = forms.ChoiceField(
        label=_("You are the household's"), choices=Relation.choices, widget=forms.Select(attrs={"class": "form-select form-select-lg"})
    )
    note = forms.CharField(
        label=_("Note to the officer"),
        required=False,
        max_length=200,
        help_text=_("Optional, e.g. the name on the property certificate."),
    )

    def __init__(self, *args, compound: Compound, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = compound.buildings.all()
        building_id = self.data.get("building") or self.initial.get("building")
        qs = Household.objects.filter(building__compound=compound)
        if building_id:
            qs = qs.filter(building_id=building_id) if str(building_id).isdigit() else qs.none()
        self.fields["household"].queryset = qs

    def clean(self):
        data = super().clean()
        if data.get("building") and data.get("household") and data["household"].building_id != data["building"].pk:
            self.add_error("household", _("This room is not in the chosen building."))
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=200, widget=forms.TextInput(attrs={"placeholder": _("e.g. not on the owners' register")})
    )


class CompoundFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none(), required=False)

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if communities is not None:
            self.fields["community"].queryset = communities
