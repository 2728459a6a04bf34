"""Pages for places and people. Each view: access helper first (404 outside scope), then the
method check, then one service call, then render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from governance.http import form_errors_from, method_not_allowed, paginate, querystring_without

from . import importer, selectors, services
from .forms import (
    BuildingForm,
    ClaimForm,
    CompoundFilterForm,
    CompoundForm,
    HouseholdForm,
    ImportForm,
    RejectForm,
)
from .models import Compound, Household, ResidencyStatus
from .permissions import (
    access_building,
    access_compound,
    access_household,
    access_residency,
)
from .scopes import scopes_for

SORTS = {
    "name": "name",
    "-name": "-name",
    "community": "community__name",
    "-community": "-community__name",
    "households": "n_households",
    "-households": "-n_households",
    "pending": "n_pending",
    "-pending": "-n_pending",
}


def _require_staff(request):
    if not scopes_for(request.user).is_staff:
        raise Http404


@login_required
@require_GET
def compound_list(request):
    _require_staff(request)
    communities = selectors.communities_managed(request.user)
    filters = CompoundFilterForm(request.GET or None, communities=communities)
    qs = selectors.compounds_with_figures(selectors.compounds_managed(request.user))
    if filters.is_valid():
        if filters.cleaned_data["q"]:
            qs = qs.filter(Q(name__icontains=filters.cleaned_data["q"]) | Q(code__icontains=filters.cleaned_data["q"]))
        if filters.cleaned_data["community"]:
            qs = qs.filter(community=filters.cleaned_data["community"])
    sort = request.GET.get("sort", "name")
    qs = qs.order_by(SORTS.get(sort, "name"), "pk")
    page = paginate(request, qs)
    return render(
        request,
        "compounds/compound_list.html",
        {"page": page, "filters": filters, "sort": sort, "qs": querystring_without(request, "page", "sort")},
    )


@login_required
def compound_create(request):
    _require_staff(request)
    communities = selectors.communities_managed(request.user)
    form = CompoundForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        community = data.pop("community")
        try:
            compound = services.compound_create(actor=request.user, community=community, **data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Compound %(name)s created.") % {"name": compound.name})
            return redirect("compounds:compound-detail", compound.pk)
    return render(request, "compounds/compound_form.html", {"form": form})


@login_required
def compound_detail(request, pk):
    compound = access_compound(request.user, pk, manage=True)
    if response := method_not_allowed(request, "GET"):
        return response
    buildings = selectors.buildings_with_figures(compound)
    imports = compound.imports.select_related("imported_by")[:5]
    return render(
        request, "compounds/compound_detail.html", {"compound": compound, "buildings": buildings, "imports": imports}
    )


@login_required
def compound_edit(request, pk):
    compound = access_compound(request.user, pk, manage=True)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = CompoundForm(
        request.POST or None, instance=compound, communities=selectors.communities_managed(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        compound.refresh_from_db()
        try:
            services.compound_update(actor=request.user, compound=compound, **data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("compounds:compound-detail", compound.pk)
    return render(request, "compounds/compound_form.html", {"form": form, "compound": compound})


@login_required
def compound_history(request, pk):
    compound = access_compound(request.user, pk, manage=True)
    if response := method_not_allowed(request, "GET"):
        return response
    return render(
        request, "compounds/compound_history.html", {"compound": compound, "rows": selectors.compound_history(compound)}
    )


@login_required
def compound_households(request, pk):
    compound = access_compound(request.user, pk, manage=True)
    if response := method_not_allowed(request, "GET"):
        return response
    qs = selectors.households_with_residents(
        selectors.households_managed(request.user).filter(building__compound=compound)
    ).order_by("building__name", "unit", "room")
    building = request.GET.get("building")
    if building and building.isdigit():
        qs = qs.filter(building_id=building)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(room__icontains=q)
    page = paginate(request, qs)
    return render(
        request,
        "compounds/household_list.html",
        {
            "compound": compound,
            "page": page,
            "buildings": compound.buildings.all(),
            "building": building,
            "q": q,
            "qs": querystring_without(request, "page"),
        },
    )


@login_required
def compound_import(request, pk):
    compound = access_compound(request.user, pk, manage=True)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = ImportForm(request.POST or None, request.FILES or None)
    result = file_error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = importer.household_import(
                actor=request.user, compound=compound, name=upload.name, data=upload.read()
            )
        except importer.ImportFileError as exc:
            file_error = str(exc)
        else:
            if result.ok:
                if result.changed:
                    messages.success(
                        request,
                        _("Imported: %(b)s new buildings, %(c)s new households, %(u)s updated, %(n)s unchanged.")
                        % {
                            "b": result.buildings_created,
                            "c": result.households_created,
                            "u": result.households_updated,
                            "n": result.households_unchanged,
                        },
                    )
                else:
                    messages.info(
                        request,
                        _("Nothing to change: all %(n)s households are already as in the file.")
                        % {"n": result.households_unchanged},
                    )
                return redirect("compounds:compound-detail", compound.pk)
    return render(
        request,
        "compounds/import.html",
        {"compound": compound, "form": form, "result": result, "file_error": file_error},
    )


@login_required
def building_create(request, pk):
    compound = access_compound(request.user, pk, manage=True)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = BuildingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.building_create(actor=request.user, compound=compound, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Building added."))
            return redirect("compounds:compound-detail", compound.pk)
    return render(request, "compounds/building_form.html", {"form": form, "compound": compound})


@login_required
def building_edit(request, pk):
    building = access_building(request.user, pk, manage=True)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = BuildingForm(request.POST or None, instance=building)
    if request.method == "POST" and form.is_valid():
        building.refresh_from_db()
        try:
            services.building_update(actor=request.user, building=building, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("compounds:compound-detail", building.compound_id)
    return render(
        request, "compounds/building_form.html", {"form": form, "compound": building.compound, "building": building}
    )


@login_required
def household_create(request, pk):
    building = access_building(request.user, pk, manage=True)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(actor=request.user, building=building, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Household %(h)s added.") % {"h": household})
            return redirect(reverse("compounds:compound-households", args=[building.compound_id]) + f"?building={building.pk}")
    return render(
        request, "compounds/household_form.html", {"form": form, "building": building, "compound": building.compound}
    )


@login_required
def household_detail(request, pk):
    household = access_household(request.user, pk, manage=True)
    if response := method_not_allowed(request, "GET"):
        return response
    residencies = household.residencies.select_related("user", "decided_by").order_by("-created_at")
    return render(request, "compounds/household_detail.html", {"household": household, "residencies": residencies})


@login_required
def household_edit(request, pk):
    household = access_household(request.user, pk, manage=True)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = HouseholdForm(request.POST or None, instance=household)
    if request.method == "POST" and form.is_valid():
        household.refresh_from_db()
        try:
            services.household_update(actor=request.user, household=household, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("compounds:household-detail", household.pk)
    return render(
        request,
        "compounds/household_form.html",
        {"form": form, "household": household, "building": household.building, "compound": household.building.compound},
    )


@login_required
@require_GET
def resident_list(request):
    _require_staff(request)
    qs = selectors.residencies_managed(request.user).filter(status=ResidencyStatus.VERIFIED)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(
            Q(user__display_name__icontains=q) | Q(user__phone__contains=q) | Q(household__building__compound__name__icontains=q)
        )
    compound = request.GET.get("compound")
    if compound and compound.isdigit():
        qs = qs.filter(household__building__compound_id=compound)
    page = paginate(request, qs.order_by("household__building__compound__name", "household__building__name", "household__room"))
    return render(
        request, "compounds/resident_list.html", {"page": page, "q": q, "qs": querystring_without(request, "page")}
    )


@login_required
@require_GET
def verification_queue(request):
    _require_staff(request)
    qs = selectors.residencies_managed(request.user).filter(status=ResidencyStatus.PENDING).order_by("created_at")
    page = paginate(request, qs)
    return render(request, "compounds/verification_queue.html", {"page": page, "reject_form": RejectForm()})


@login_required
def residency_detail(request, pk):
    residency = access_residency(request.user, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    from .permissions import can_manage_compound

    can_decide = can_manage_compound(request.user, residency.household.building.compound)
    others = []
    if can_decide:
        others = (
            residency.household.residencies.exclude(pk=residency.pk)
            .filter(status__in=[ResidencyStatus.PENDING, ResidencyStatus.VERIFIED])
            .select_related("user")
        )
    return render(
        request,
        "compounds/residency_detail.html",
        {"residency": residency, "can_decide": can_decide, "others": others, "reject_form": RejectForm()},
    )


def _decision(request, pk, action):
    residency = access_residency(request.user, pk, manage=True)
    if response := method_not_allowed(request, "POST"):
        return response
    try:
        if action == "verify":
            services.residency_verify(actor=request.user, residency=residency)
            messages.success(request, _("%(name)s is verified for %(h)s.") % {"name": residency.user.name, "h": residency.household})
        else:
            form = RejectForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give a reason for the rejection."))
                return redirect("compounds:residency-detail", residency.pk)
            services.residency_reject(actor=request.user, residency=residency, reason=form.cleaned_data["reason"])
            messages.success(request, _("The claim was rejected and the resident told why."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        raise
    target = request.POST.get("next")
    if target == "queue":
        return redirect("compounds:verification-queue")
    return redirect("compounds:residency-detail", residency.pk)


@login_required
def residency_verify(request, pk):
    return _decision(request, pk, "verify")


@login_required
def residency_reject(request, pk):
    return _decision(request, pk, "reject")


@login_required
def residency_end(request, pk):
    residency = access_residency(request.user, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    try:
        services.residency_end(actor=request.user, residency=residency, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The residency has ended."))
    if residency.user_id == request.user.pk:
        return redirect("home")
    return redirect("compounds:household-detail", residency.household_id)


# --- Claiming a household (open to every signed-in person, for any compound) -----------------


@login_required
@require_GET
def claim_start(request):
    q = request.GET.get("q", "").strip()
    compounds = selectors.compounds_for_claim(search=q).order_by("community__name", "name")[:50]
    return render(request, "compounds/claim_start.html", {"compounds": compounds, "q": q})


def _claim_compound(pk) -> Compound:
    try:
        return Compound.objects.select_related("community").get(pk=pk)
    except (Compound.DoesNotExist, ValueError):
        raise Http404 from None


@login_required
def claim(request, pk):
    compound = _claim_compound(pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = ClaimForm(request.POST or None, compound=compound)
    if request.method == "POST" and form.is_valid():
        try:
            residency = services.residency_claim(
                user=request.user,
                household=form.cleaned_data["household"],
                relation=form.cleaned_data["relation"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(
                request,
                _("Your claim to %(h)s was sent to %(c)s for verification. We will tell you the result.")
                % {"h": residency.household, "c": compound.community},
            )
            return redirect("home")
    return render(request, "compounds/claim_form.html", {"compound": compound, "form": form})


@login_required
@require_GET
def claim_households(request, pk):
    """htmx fragment: the rooms of one building, for the claim form's second select."""
    compound = _claim_compound(pk)
    building = request.GET.get("building", "")
    households = Household.objects.none()
    if building.isdigit():
        households = Household.objects.filter(building__compound=compound, building_id=building).order_by("unit", "room")
    return render(request, "compounds/_household_options.html", {"households": households})
