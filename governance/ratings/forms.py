"""Forms of the ratings pages. They only shape input; every write goes through services.py."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compounds.models import Community, District, Subdistrict
from governance.accounts.models import User, normalise_phone

from .models import AppealStatus, Scope, Source, SubjectKind, Template

# The survey's five answers, worst first (很差 … 很好).
ANSWERS = [
    (1, _("Very poor")),
    (2, _("Poor")),
    (3, _("Fair")),
    (4, _("Good")),
    (5, _("Very good")),
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format=None):  # noqa: A002 - Django's own argument name
        super().__init__(attrs, format=format or "%Y-%m-%d")


def latest_template(kind: str):
    """The newest version of the default template of a kind (else of any template of it)."""
    code = {"project": "property-project", "committee": "owners-committee"}[kind]
    qs = Template.objects.filter(subject_kind=kind)
    return qs.filter(code=code).order_by("-version").first() or qs.order_by("-created_at", "-pk").first()


def campaign_defaults(today=None) -> dict:
    """Last year, surveyed from today for two weeks, then two weeks of appraisal, a week of scoring."""
    today = today or timezone.localdate()
    return {
        "year": today.year - 1,
        "survey_starts": today,
        "appraisal_starts": today + timedelta(days=14),
        "scoring_starts": today + timedelta(days=28),
        "publication_starts": today + timedelta(days=35),
        "appeal_days": 7,
        "project_template": latest_template("project"),
        "committee_template": latest_template("committee"),
    }


class CampaignForm(forms.Form):
    year = forms.IntegerField(label=_("Rated year"), min_value=2000, max_value=2100)
    scope = forms.ChoiceField(label=_("Scope"), choices=Scope.choices, initial=Scope.SUBDISTRICT)
    subdistrict = forms.ModelChoiceField(label=_("Subdistrict"), queryset=Subdistrict.objects.none(), required=False,
                                         help_text=_("For a subdistrict campaign."))
    district = forms.ModelChoiceField(label=_("District"), queryset=District.objects.none(), required=False,
                                      help_text=_("For a district campaign."))
    title = forms.CharField(label=_("Title"), max_length=120, required=False,
                            help_text=_("Leave empty for “<year> star ratings”."))
    project_template = forms.ModelChoiceField(label=_("Template for property projects"), queryset=Template.objects.none(),
                                              required=False)
    committee_template = forms.ModelChoiceField(label=_("Template for owners' committees"), queryset=Template.objects.none(),
                                                required=False)
    survey_starts = forms.DateField(label=_("Survey opens"), widget=DateInput)
    appraisal_starts = forms.DateField(label=_("Appraisal and inspection open"), widget=DateInput)
    scoring_starts = forms.DateField(label=_("Scoring starts"), widget=DateInput)
    publication_starts = forms.DateField(label=_("Results published"), widget=DateInput)
    appeal_days = forms.IntegerField(label=_("Days for appeals"), min_value=1, max_value=60, initial=7)

    def __init__(self, *args, subdistricts, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subdistrict"].queryset = subdistricts
        self.fields["district"].queryset = districts
        self.fields["project_template"].queryset = Template.objects.filter(subject_kind=SubjectKind.PROJECT).order_by("code", "-version")
        self.fields["committee_template"].queryset = Template.objects.filter(subject_kind=SubjectKind.COMMITTEE).order_by("code", "-version")

    def clean(self):
        data = super().clean()
        if data.get("scope") == Scope.SUBDISTRICT and not data.get("subdistrict"):
            self.add_error("subdistrict", _("Choose the subdistrict to rate."))
        if data.get("scope") == Scope.DISTRICT and not data.get("district"):
            self.add_error("district", _("Choose the district to rate."))
        return data


class InspectorForm(forms.Form):
    community = forms.ModelChoiceField(label=_("Community"), queryset=Community.objects.none(), required=False,
                                       empty_label=_("All the campaign's communities"))
    phone = forms.CharField(label=_("Inspector's phone (a registered user)"), max_length=20)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities

    def clean_phone(self):
        phone = normalise_phone(self.cleaned_data.get("phone") or "")
        user = User.objects.filter(phone=phone, is_active=True).first() if phone else None
        if user is None:
            raise forms.ValidationError(_("No registered user has this phone number."))
        self.cleaned_data["user"] = user
        return phone


class SurveyForm(forms.Form):
    """One 1–5 question per survey indicator, named q<indicator id> (the service's error keys)."""

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question.name_zh, choices=ANSWERS, coerce=int, widget=forms.RadioSelect,
                error_messages={"required": _("Answer this question (1 to 5).")},
            )

    def rows(self):
        for question in self.questions:
            yield question, self[f"q{question.pk}"]

    def answers(self) -> dict:
        return {q.pk: self.cleaned_data[f"q{q.pk}"] for q in self.questions}


class EntriesForm(forms.Form):
    """A value and a note per indicator the caller may enter: v<id> and n<id>."""

    def __init__(self, *args, indicators, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        self.entries = entries
        for ind in indicators:
            entry = entries.get(ind.pk)
            self.fields[f"v{ind.pk}"] = forms.CharField(
                label=ind.name_zh, required=False, max_length=12,
                initial="" if entry is None else _plain(entry.value),
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            )
            self.fields[f"n{ind.pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=300, initial="" if entry is None else entry.note,
            )

    def changed_lines(self):
        """(indicator, value, note) of each line whose value or note differs from the stored entry."""
        for ind in self.indicators:
            value = (self.cleaned_data.get(f"v{ind.pk}") or "").strip()
            note = (self.cleaned_data.get(f"n{ind.pk}") or "").strip()
            entry = self.entries.get(ind.pk)
            if entry is None and not value:
                if note:
                    self.add_error(f"v{ind.pk}", _("Enter a value with the note."))
                continue
            if entry is not None:
                try:
                    same = Decimal(value) == entry.value
                except InvalidOperation:
                    same = False
                if same and note == entry.note:
                    continue
            yield ind, value, note

    def rows(self):
        for ind in self.indicators:
            yield ind, self[f"v{ind.pk}"], self[f"n{ind.pk}"], self.entries.get(ind.pk)


def _plain(value) -> str:
    """2.00 → 2, 2.50 → 2.5: the value as typed."""
    return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class AppealForm(forms.Form):
    reason = forms.CharField(label=_("What you dispute and why"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    files = MultipleFileField(label=_("Supporting files (PDF, JPEG or PNG, up to 5, 10 MB each)"), required=False)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(AppealStatus.UPHELD, AppealStatus.UPHELD.label), (AppealStatus.ADJUSTED, AppealStatus.ADJUSTED.label)],
        widget=forms.RadioSelect,
        initial=AppealStatus.UPHELD,
    )
    adjustment = forms.DecimalField(label=_("Adjustment (points, e.g. 2.5 or -1)"), max_digits=7, decimal_places=2, required=False)
    decision_reason = forms.CharField(label=_("Reason (shown to the appellant)"), widget=forms.Textarea(attrs={"rows": 3}))


# --- templates --------------------------------------------------------------------------------


def bands_text(bands) -> str:
    return ";".join(f"{_num(low)},{int(stars)}" for low, stars in bands)


def thresholds_text(pairs) -> str:
    return ", ".join(f"{_num(bound)}:{_num(points)}" for bound, points in pairs or [])


def _num(value) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def _pairs(text: str, outer: str, inner: str, message) -> list:
    out = []
    for part in (text or "").replace("；", ";").replace("，", ",").replace("：", ":").split(outer):
        part = part.strip()
        if not part:
            continue
        bits = [b.strip() for b in part.split(inner)]
        if len(bits) != 2:
            raise forms.ValidationError(message)
        try:
            out.append([Decimal(bits[0]), Decimal(bits[1])])
        except InvalidOperation:
            raise forms.ValidationError(message) from None
    return out


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    star_bands = forms.CharField(label=_("Star bands"), max_length=200,
                                 help_text=_("Lowest score and stars per band, e.g. 60,1;70,2;80,3;90,4;95,5"))
    bonus_cap = forms.DecimalField(label=_("Bonus cap (points)"), max_digits=6, decimal_places=2, min_value=0)
    renew_min_stars = forms.IntegerField(label=_("Stars needed for renewal"), min_value=0, max_value=5)
    rectify_days = forms.IntegerField(label=_("Days given to rectify"), min_value=0, max_value=3650)
    white_list_stars = forms.IntegerField(label=_("Stars for the white list"), min_value=1, max_value=5)
    black_list_starless_years = forms.IntegerField(label=_("Consecutive years without a star for the black list"),
                                                   min_value=1, max_value=20)

    def clean_star_bands(self):
        pairs = _pairs(self.cleaned_data["star_bands"], ";", ",", _("Write each band as “lowest score,stars”, separated by “;”."))
        return [[float(low), int(stars)] for low, stars in pairs]


class IndicatorForm(forms.Form):
    indicator = forms.IntegerField(widget=forms.HiddenInput)
    max_points = forms.DecimalField(label=_("Maximum points"), max_digits=6, decimal_places=2, min_value=0)
    thresholds = forms.CharField(label=_("Thresholds"), max_length=300, required=False,
                                 help_text=_("Value reached and points earned, best first, e.g. 95:4, 90:3, 80:2"))
    per_defect = forms.DecimalField(label=_("Points deducted per defect"), max_digits=6, decimal_places=2, min_value=0, required=False)
    per_card = forms.DecimalField(label=_("Points deducted per card"), max_digits=6, decimal_places=2, min_value=0, required=False)
    guidance = forms.CharField(label=_("Guidance"), max_length=300, required=False)

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        if source != Source.METRIC:
            del self.fields["thresholds"]
        if source != Source.INSPECTION:
            del self.fields["per_defect"]
        if source != Source.CARD:
            del self.fields["per_card"]

    def clean_thresholds(self):
        pairs = _pairs(self.cleaned_data.get("thresholds", ""), ",", ":", _("Write each threshold as “value:points”, separated by commas."))
        return [[float(b), float(p)] for b, p in pairs]

    def config(self, current: dict) -> dict:
        config = dict(current or {})
        data = self.cleaned_data
        if "thresholds" in self.fields:
            config["thresholds"] = data["thresholds"]
        if "per_defect" in self.fields and data.get("per_defect") is not None:
            config["per_defect"] = float(data["per_defect"])
        if "per_card" in self.fields and data.get("per_card") is not None and config.get("colour") == "yellow":
            config["per_card"] = float(data["per_card"])
        return config
