"""Forms of the meeting pages. They only shape input; every write goes through services.py."""

from datetime import datetime, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from compounds.models import Compound, Department
from governance.accounts.models import User, normalise_phone

from .models import MeetingKind, Organisation, Reply

WEEKDAYS = [
    (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
    (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday")),
]
WEEKS = [(1, _("first")), (2, _("second")), (3, _("third")), (4, _("fourth")), (-1, _("last"))]
# Organisations that may be invited by name (a person is invited by phone).
INVITABLE = [
    ("person", _("A person (by phone)")),
    (Organisation.PARTNER, Organisation.PARTNER.label),
    (Organisation.GRID, Organisation.GRID.label),
    (Organisation.POLICE, Organisation.POLICE.label),
    (Organisation.DEPARTMENT, Organisation.DEPARTMENT.label),
]
OWNER_ORGANISATIONS = [(o.value, o.label) for o in Organisation]


def _aware(day, at):
    return timezone.make_aware(datetime.combine(day, at), timezone.get_current_timezone())


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format=None):  # noqa: A002 - Django's own argument name
        super().__init__(attrs, format=format or "%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None, format=None):  # noqa: A002 - Django's own argument name
        super().__init__(attrs, format=format or "%H:%M")


class SeriesForm(forms.Form):
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none())
    title = forms.CharField(label=_("Title"), max_length=120)
    week_of_month = forms.TypedChoiceField(label=_("Week of the month"), choices=WEEKS, coerce=int, initial=2)
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=WEEKDAYS, coerce=int, initial=1)
    time = forms.TimeField(label=_("Time"), widget=TimeInput, initial="19:30")
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=15, max_value=600, initial=90)
    place = forms.CharField(label=_("Place"), max_length=200)
    starts_on = forms.DateField(label=_("First month from"), widget=DateInput, required=False)

    def __init__(self, *args, compounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds


class TimePlaceForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=DateInput)
    start = forms.TimeField(label=_("Starts"), widget=TimeInput)
    end = forms.TimeField(label=_("Ends"), widget=TimeInput)
    place = forms.CharField(label=_("Place"), max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("day") and data.get("start") and data.get("end"):
            data["starts_at"] = _aware(data["day"], data["start"])
            data["ends_at"] = _aware(data["day"], data["end"])
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end", _("The meeting must end after it starts."))
        return data


class MeetingForm(TimePlaceForm):
    compound = forms.ModelChoiceField(label=_("Compound"), queryset=Compound.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices, initial=MeetingKind.JOINT)
    title = forms.CharField(label=_("Title"), max_length=120)
    field_order = ["compound", "kind", "title", "day", "start", "end", "place"]

    def __init__(self, *args, compounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds


class ReplyForm(forms.Form):
    reply = forms.ChoiceField(label=_("Reply"), choices=[(Reply.ATTEND, _("I will attend")), (Reply.DECLINE, _("I cannot come"))],
                              widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
    reason = forms.CharField(label=_("Reason (if you cannot come)"), max_length=300, required=False)


class InviteForm(forms.Form):
    kind = forms.ChoiceField(label=_("Invite"), choices=INVITABLE)
    phone = forms.CharField(label=_("Phone of a registered user"), max_length=20, required=False)
    organisation_name = forms.CharField(label=_("Organisation's name"), max_length=120, required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False)

    def __init__(self, *args, compound, **kwargs):
        super().__init__(*args, **kwargs)
        subdistrict = compound.community.subdistrict
        self.fields["department"].queryset = Department.objects.filter(
            Q(subdistrict_id=subdistrict.pk) | Q(district_id=subdistrict.district_id)
        ).order_by("name")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        data["user"] = None
        if kind == "person":
            phone = normalise_phone(data.get("phone") or "")
            user = User.objects.filter(phone=phone, is_active=True).first() if phone else None
            if user is None:
                self.add_error("phone", _("No registered user has this phone number."))
            data["user"] = user
            data["organisation"] = Organisation.OTHER
        elif kind == Organisation.DEPARTMENT:
            if data.get("department") is None:
                self.add_error("department", _("Choose the department."))
            data["organisation"] = kind
        elif kind:
            if not (data.get("organisation_name") or "").strip():
                self.add_error("organisation_name", _("Name the organisation."))
            data["organisation"] = kind
        return data


class AgendaForm(forms.Form):
    title = forms.CharField(label=_("Item"), max_length=200)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 8}), required=False)


class DecisionForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.CharField(label=pgettext_lazy("meeting", "Decision"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = forms.ChoiceField(label=_("Owner"))
    owner_name = forms.CharField(label=_("Organisation's name"), max_length=120, required=False)
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput)

    def __init__(self, *args, invitations, **kwargs):
        super().__init__(*args, **kwargs)
        people = [(f"user:{i.user_id}", i.user.name) for i in invitations if i.user_id]
        orgs = [(f"org:{value}", label) for value, label in OWNER_ORGANISATIONS]
        self.fields["owner"].choices = [("", "—"), (_("A person among the invitees"), people), (_("An organisation"), orgs)]
        self._people = {i.user_id: i.user for i in invitations if i.user_id}

    def clean(self):
        data = super().clean()
        owner = data.get("owner") or ""
        data["owner_user"], data["owner_organisation"] = None, ""
        if owner.startswith("user:"):
            data["owner_user"] = self._people.get(int(owner[5:]))
        elif owner.startswith("org:"):
            data["owner_organisation"] = owner[4:]
        return data


class DoneForm(forms.Form):
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}))
    resolve_issues = forms.BooleanField(required=False)


def next_week_defaults():
    day = timezone.localdate() + timedelta(days=7)
    return {"day": day, "start": "19:30", "end": "21:00"}
