"""Officer pages for the "3": committees and their seats, property companies, staff, contracts.

Each view: access helper first (404 outside scope), then the method check, then one service call,
then render or redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from compounds.models import Compound
from compounds.permissions import access_compound
from governance.http import form_errors_from, method_not_allowed, paginate, querystring_without

from . import selectors, services
from .forms import (
    CommitteeForm,
    CompanyFilterForm,
    CompanyForm,
    ContractEndForm,
    ContractForm,
    SeatForm,
    StaffForm,
)
from .models import BodyKind, ContractStatus
from .permissions import (
    access_committee,
    access_company,
    access_contract,
    access_seat,
    access_staff,
    require_staff,
)


def _managed_compound(request, pk) -> Compound:
    return access_compound(request.user, pk, manage=True)


# --- Overview and the per-compound page ---------------------------------------------------------

SORTS = {"name": "name", "-name": "-name", "community": "community__name", "-community": "-community__name"}


@login_required
@require_GET
def overview(request):
    """Every compound in scope with its owners' committee, board and company in force."""
    require_staff(request.user)
    from compounds.selectors import compounds_managed

    qs = selectors.compounds_with_carriages(compounds_managed(request.user), timezone.localdate())
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    missing = request.GET.get("missing", "")
    if missing == "committee":
        qs = qs.filter(has_committee=False, has_interim=False)
    elif missing == "property":
        qs = qs.filter(company_in_force__isnull=True)
    sort = request.GET.get("sort", "name")
    page = paginate(request, qs.order_by(SORTS.get(sort, "name"), "pk"))
    return render(
        request,
        "committees/overview.html",
        {"page": page, "q": q, "missing": missing, "sort": sort, "qs": querystring_without(request, "page", "sort")},
    )


@login_required
def compound(request, pk):
    compound = _managed_compound(request, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    return render(request, "committees/compound.html", {"compound": compound, **selectors.carriages(compound)})


# --- Committees and seats -----------------------------------------------------------------------


@login_required
def committee_create(request, pk):
    compound = _managed_compound(request, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    kind = request.GET.get("kind")
    initial = {"kind": kind} if kind in BodyKind.values else {}
    form = CommitteeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            committee = services.committee_create(actor=request.user, compound=compound, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("%(c)s recorded. Now add its seats.") % {"c": committee})
            return redirect("committees:seat-add", committee.pk)
    return render(request, "committees/committee_form.html", {"form": form, "compound": compound})


@login_required
def committee_edit(request, pk):
    committee = access_committee(request.user, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = CommitteeForm(request.POST or None, instance=committee, editing=True)
    if request.method == "POST" and form.is_valid():
        committee.refresh_from_db()
        try:
            services.committee_update(actor=request.user, committee=committee, **form.cleaned_data)
        except ValidationError as exc:
            committee.refresh_from_db()
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("committees:compound", committee.compound_id)
    return render(
        request, "committees/committee_form.html", {"form": form, "compound": committee.compound, "committee": committee}
    )


@login_required
def committee_dissolve(request, pk):
    committee = access_committee(request.user, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    try:
        services.committee_dissolve(actor=request.user, committee=committee)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(c)s dissolved; its seats have ended.") % {"c": committee})
    return redirect("committees:compound", committee.compound_id)


@login_required
def seat_add(request, pk):
    committee = access_committee(request.user, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    owners = selectors.owners_of(committee.compound)
    form = SeatForm(
        request.POST or None,
        committee=committee,
        owners=owners,
        initial={"started_on": max(committee.term_start, timezone.localdate()) if committee.term_start else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            seat = services.seat_add(
                actor=request.user,
                committee=committee,
                user=form.person(),
                role=form.cleaned_data["role"],
                started_on=form.cleaned_data["started_on"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("%(name)s now holds a seat.") % {"name": seat.user.name})
            if "another" in request.POST:
                return redirect("committees:seat-add", committee.pk)
            return redirect("committees:compound", committee.compound_id)
    seats = committee.seats.filter(ended_on__isnull=True).select_related("user")
    return render(
        request,
        "committees/seat_form.html",
        {"form": form, "committee": committee, "compound": committee.compound, "seats": seats,
         "no_owners": committee.requires_owners and not owners.exists()},
    )


@login_required
def seat_end(request, pk):
    seat = access_seat(request.user, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    try:
        services.seat_end(actor=request.user, seat=seat)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s's seat has ended.") % {"name": seat.user.name})
    return redirect("committees:compound", seat.committee.compound_id)


# --- Property companies and staff ------------------------------------------------------------

COMPANY_SORTS = {"name": "name", "-name": "-name", "contracts": "n_active", "-contracts": "-n_active"}


@login_required
@require_GET
def company_list(request):
    require_staff(request.user)
    filters = CompanyFilterForm(request.GET or None)
    qs = selectors.companies_with_figures(selectors.companies_visible(request.user))
    q = ""
    if filters.is_valid() and filters.cleaned_data["q"]:
        q = filters.cleaned_data["q"].strip()
        qs = qs.filter(Q(name__icontains=q) | Q(credit_code__icontains=q))
    party = request.GET.get("party", "")
    if party in ("yes", "no"):
        qs = qs.filter(has_party_organisation=party == "yes")
    sort = request.GET.get("sort", "name")
    page = paginate(request, qs.order_by(COMPANY_SORTS.get(sort, "name"), "pk"))
    return render(
        request,
        "committees/company_list.html",
        {"page": page, "q": q, "party": party, "sort": sort, "qs": querystring_without(request, "page", "sort")},
    )


@login_required
def company_create(request):
    require_staff(request.user)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = CompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            company = services.company_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("%(name)s registered.") % {"name": company.name})
            return redirect("committees:company-detail", company.pk)
    return render(request, "committees/company_form.html", {"form": form})


@login_required
def company_detail(request, pk):
    company = access_company(request.user, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    from .permissions import can_manage_company

    contracts = selectors.contracts_visible(request.user).filter(company=company).order_by("-starts_on", "-pk")
    staff = company.staff.select_related("user").order_by("ended_on", "-is_contact", "pk")
    return render(
        request,
        "committees/company_detail.html",
        {
            "company": company,
            "contracts": contracts,
            "staff": staff,
            "can_manage": can_manage_company(request.user, company),
        },
    )


@login_required
def company_edit(request, pk):
    company = access_company(request.user, pk, manage=True)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = CompanyForm(request.POST or None, instance=company)
    if request.method == "POST" and form.is_valid():
        company.refresh_from_db()
        try:
            services.company_update(actor=request.user, company=company, **form.cleaned_data)
        except ValidationError as exc:
            company.refresh_from_db()
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("committees:company-detail", company.pk)
    return render(request, "committees/company_form.html", {"form": form, "company": company})


@login_required
def staff_add(request, pk):
    company = access_company(request.user, pk, manage=True)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff = services.staff_add(
                actor=request.user,
                company=company,
                user=form.cleaned_data["phone"],
                title=form.cleaned_data["title"],
                is_contact=form.cleaned_data["is_contact"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("%(name)s added to the staff.") % {"name": staff.user.name})
            return redirect("committees:company-detail", company.pk)
    return render(request, "committees/staff_form.html", {"form": form, "company": company})


@login_required
def staff_end(request, pk):
    staff = access_staff(request.user, pk, manage=True)
    if response := method_not_allowed(request, "POST"):
        return response
    try:
        services.staff_end(actor=request.user, staff=staff)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s no longer works for the company.") % {"name": staff.user.name})
    return redirect("committees:company-detail", staff.company_id)


# --- Contracts --------------------------------------------------------------------------------


@login_required
def contract_create(request, pk):
    compound = _managed_compound(request, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = ContractForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_create(actor=request.user, compound=compound, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            if contract.status == ContractStatus.ACTIVE:
                messages.success(request, _("The contract with %(c)s is in force.") % {"c": contract.company})
            else:
                messages.success(
                    request,
                    _("The contract with %(c)s is recorded; it comes into force on %(d)s.")
                    % {"c": contract.company, "d": contract.starts_on},
                )
            return redirect("committees:compound", compound.pk)
    return render(request, "committees/contract_form.html", {"form": form, "compound": compound})


@login_required
def contract_end(request, pk):
    contract = access_contract(request.user, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    form = ContractEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_end(
                actor=request.user, contract=contract, reason=form.cleaned_data["reason"], on=form.cleaned_data["on"]
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(
                request, _("The contract has ended; %(c)s's staff no longer act in this compound.") % {"c": contract.company}
            )
            return redirect("committees:compound", contract.compound_id)
    return render(
        request, "committees/contract_end.html", {"form": form, "contract": contract, "compound": contract.compound}
    )
