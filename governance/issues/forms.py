"""Forms of the issue pages. They check shape only (choices, lengths); every rule of the loop is in
``services``, whose ValidationError goes back onto the form (``governance.http.form_errors_from``)."""

from django import forms
from django.db.models import Q
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from compounds.models import Building, Department, Household
from governance.compiled import Compiled, first_of

from . import selectors
from .models import DESCRIPTION_MAX, PHOTOS_MAX, Channel, ContactPreference, HandlerKind, IssueKind, Rating

PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"


def _filled(message, **params):
    """A lazy translation with its placeholders filled when rendered (fields are built at import,
    before anyone's language is known)."""
    return lazy(lambda: str(message) % params, str)()


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True
    template_name = "django/forms/widgets/file.html"  # no "clear" checkbox: nothing to clear


class PhotosField(forms.FileField):
    """Up to ``PHOTOS_MAX`` files; their content is checked by ``services.clean_photos``."""

    widget = MultiplePhotoInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _filled(_("Up to %(n)s photos: JPEG, PNG or WebP, at most 10 MB each."), n=PHOTOS_MAX),
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": PHOTO_ACCEPT, "capture": "environment", "multiple": True})

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > PHOTOS_MAX:
            raise forms.ValidationError(_("At most %(n)s photos.") % {"n": PHOTOS_MAX})
        return [super(PhotosField, self).clean(f, initial) for f in files]


class LookupChoiceField(forms.ModelChoiceField):
    """A model choice whose chosen row is found by ``lookup(pk)`` (SQL compiled once:
    ``governance.compiled``) instead of ``queryset.get`` built each time; the queryset still gives
    the choices shown. ``lookup`` must find exactly the rows of the queryset."""

    def __init__(self, *args, lookup=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lookup = lookup

    def to_python(self, value):
        if self.lookup is None or value in self.empty_values:
            return super().to_python(value)
        self.validate_no_null_characters(value)
        if isinstance(value, self.queryset.model):
            value = value.pk
        try:
            pk = int(value)
        except (ValueError, TypeError):
            pk = None
        # Beyond bigint: no such row (not a database error). Compared, not ``in range(...)``, which
        # for a non-int walks the whole range.
        found = self.lookup(pk) if pk is not None and -(2**63) <= pk < 2**63 else None
        if found is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return found


class CategoryChoiceField(LookupChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class BuildingChoiceField(LookupChoiceField):
    def label_from_instance(self, obj):
        return obj.name


# What the filing form's choices look up (their querysets, as compiled SQL).
_ACTIVE_CATEGORY = Compiled(lambda pk: first_of(selectors.categories_active().filter(pk=pk)), -1)
_COMPOUND_BUILDING = Compiled(lambda pk, compound_id: first_of(Building.objects.filter(compound_id=compound_id, pk=pk)), -1, -2)


class IssueFileForm(forms.Form):
    """A resident files an issue in a compound they live in."""

    kind = forms.ChoiceField(label=_("Kind"), choices=IssueKind.choices, initial=IssueKind.SNAPSHOT)
    category = CategoryChoiceField(
        label=_("Category"), queryset=selectors.categories_active(), empty_label=_("Choose…"), lookup=_ACTIVE_CATEGORY.first
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "data-counter": DESCRIPTION_MAX}),
        help_text=_filled(
            _("What is wrong, since when, and what you would like done (at most %(n)s characters)."), n=DESCRIPTION_MAX
        ),
    )
    photos = PhotosField(label=_("Photos"))
    building = BuildingChoiceField(
        label=_("Building"), queryset=Building.objects.none(), required=False, empty_label=_("Not a building")
    )
    household = forms.ModelChoiceField(
        label=_("Household"), queryset=Household.objects.none(), required=False, empty_label=_("Not inside a home")
    )
    common_area = forms.CharField(
        label=_("Common area"),
        max_length=100,
        required=False,
        help_text=_("If it is not a building or a home: e.g. north gate, underground garage."),
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous toward neighbours"),
        required=False,
        help_text=_("Neighbours will not see your name; the people handling it will."),
    )
    contact_preference = forms.ChoiceField(
        label=_("How may we contact you?"), choices=ContactPreference.choices, initial=ContactPreference.IN_APP
    )

    def __init__(self, *args, compound, households=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.compound = compound
        self.fields["building"].queryset = Building.objects.filter(compound=compound).order_by("name")
        self.fields["building"].lookup = lambda pk: _COMPOUND_BUILDING.first(pk, compound.pk)
        if households is None:
            households = Household.objects.none()
        self.fields["household"].queryset = households.select_related("building")
        self.fields["household"].label_from_instance = str


class OnBehalfForm(IssueFileForm):
    """Staff, the branch or a member file for a resident who phoned or came by."""

    reporter_name = forms.CharField(label=_("Resident's name"), max_length=100, required=False)
    reporter_phone = forms.CharField(
        label=_("Resident's mobile number"),
        max_length=20,
        required=False,
        help_text=_("If a resident of this compound registered with this number, the issue is linked to them."),
    )
    channel = forms.ChoiceField(
        label=_("How did they report it?"),
        choices=[(Channel.PHONE.value, Channel.PHONE.label), (Channel.VISIT.value, Channel.VISIT.label)],
        initial=Channel.PHONE,
    )

    field_order = ["reporter_name", "reporter_phone", "channel"]

    def __init__(self, *args, compound, **kwargs):
        households = Household.objects.filter(building__compound=compound).order_by("building__name", "unit", "room")
        super().__init__(*args, compound=compound, households=households, **kwargs)
        self.fields["household"].label = _("Household (any of the compound)")
        self.fields["anonymous"].help_text = _("Neighbours will not see the resident's name.")


# --- actions on one issue -------------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    photos = PhotosField(label=_("Photos of the result"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DispatchForm(forms.Form):
    to = forms.ChoiceField(label=_("Hand it to"))
    member = forms.TypedChoiceField(label=_("Party member"), coerce=int, required=False, empty_value=None)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        to = [(HandlerKind.MEMBER.value, _("A Party member"))]
        if targets["company"] is not None:
            to.append((HandlerKind.PROPERTY.value, _("The property company (%(name)s)") % {"name": targets["company"]}))
        if targets["committee"] is not None:
            to.append((HandlerKind.COMMITTEE.value, _("The owners' committee")))
        to.append((HandlerKind.COMMUNITY.value, _("The community")))
        self.fields["to"].choices = to
        self.fields["member"].choices = [("", _("Choose…"))] + [(m.pk, m.user.name) for m in targets["members"]]
        self.fields["to"].widget.attrs["data-dispatch-to"] = (self.auto_id or "id_%s") % "member"


class MergeForm(forms.Form):
    into = forms.IntegerField(
        label=_("Duplicate of issue number"), min_value=1, help_text=_("An issue of the same compound.")
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class SummonForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), empty_label=_("Choose…"))
    reason = forms.CharField(label=_("What the department must do"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, issue, **kwargs):
        super().__init__(*args, **kwargs)
        s = issue.subdistrict
        self.fields["department"].queryset = Department.objects.filter(
            Q(subdistrict=s) | Q(district_id=s.district_id)
        ).order_by("name")


class RateForm(forms.Form):
    rating = forms.ChoiceField(label=_("How satisfied are you?"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why (optional)"), max_length=500, required=False)


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), required=False)
    internal = forms.BooleanField(
        label=_("Internal: only handlers and staff see it"), required=False
    )


class ExtensionRequestForm(forms.Form):
    new_due = forms.DateTimeField(
        label=_("New resolution deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
