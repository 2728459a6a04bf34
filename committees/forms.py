from django import forms
from django.utils.translation import gettext_lazy as _

from governance.accounts.models import User

from .models import Committee, PropertyCompany, PropertyContract, SeatRole


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class CommitteeForm(forms.ModelForm):
    class Meta:
        model = Committee
        fields = ["kind", "term_start", "term_end", "filed_on"]
        widgets = {"term_start": DateInput(), "term_end": DateInput(), "filed_on": DateInput()}

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["kind"]

    def clean(self):
        data = super().clean()
        if data.get("term_start") and data.get("term_end") and data["term_end"] <= data["term_start"]:
            self.add_error("term_end", _("The term must end after it starts."))
        return data

    def _post_clean(self):
        # The service validates the instance; the form only checks its own fields.
        pass


def _user_by_phone(phone: str) -> User:
    phone = (phone or "").strip()
    try:
        return User.objects.get(phone=phone, is_active=True)
    except User.DoesNotExist:
        raise forms.ValidationError(
            _("No account has the mobile number %(phone)s. Ask the person to register first."),
            params={"phone": phone},
        ) from None


class SeatForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.none(), help_text=_("Only the compound's verified owners are listed.")
    )
    phone = forms.CharField(
        label=_("Mobile number"), max_length=11, help_text=_("The person must already have an account.")
    )
    role = forms.ChoiceField(label=_("Seat"), choices=SeatRole.choices, initial=SeatRole.MEMBER)
    started_on = forms.DateField(label=_("From"), widget=DateInput())

    def __init__(self, *args, committee: Committee, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if committee.requires_owners:
            del self.fields["phone"]
            self.fields["user"].queryset = owners
            self.fields["user"].label_from_instance = lambda u: f"{u.name} ({u.masked_phone})"
        else:
            del self.fields["user"]

    def clean_phone(self):
        return _user_by_phone(self.cleaned_data["phone"])

    def person(self):
        return self.cleaned_data.get("user") or self.cleaned_data.get("phone")


class CompanyForm(forms.ModelForm):
    class Meta:
        model = PropertyCompany
        fields = [
            "name", "credit_code", "address", "contact_name", "contact_phone", "service_phone",
            "has_party_organisation", "party_instructor",
        ]

    def _post_clean(self):
        # Validation (credit code check digit, uniqueness) is the service's: one place, one message.
        pass


class StaffForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"), max_length=11, help_text=_("The person must already have an account.")
    )
    title = forms.CharField(label=_("Job title"), max_length=50, required=False)
    is_contact = forms.BooleanField(label=_("Contact for joint meetings"), required=False)

    def clean_phone(self):
        return _user_by_phone(self.cleaned_data["phone"])


class ContractForm(forms.ModelForm):
    class Meta:
        model = PropertyContract
        fields = ["company", "starts_on", "ends_on", "fee_per_m2"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any registered company may be contracted: the registry is shared across communities.
        self.fields["company"].queryset = PropertyCompany.objects.order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] <= data["starts_on"]:
            self.add_error("ends_on", _("The contract must end after it starts."))
        return data

    def _post_clean(self):
        pass


class ContractEndForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for ending"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. dismissed by the owners' vote of 2025-03-01")}),
    )
    on = forms.DateField(label=_("Ended on"), widget=DateInput(), required=False, help_text=_("Leave empty for today."))


class CompanyFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
