"""One access helper per object kind (STYLE.md §6): the object, or 404 when the caller cannot see
it; 403 when they see it but may not change it."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from compounds.scopes import scopes_for
from governance.http import get_or_404

from . import selectors
from .models import Committee, PropertyCompany, PropertyContract, PropertyStaff, Seat


def access_committee(user, committee_id) -> Committee:
    return get_or_404(selectors.committees_managed(user), committee_id)


def access_seat(user, seat_id) -> Seat:
    return get_or_404(selectors.seats_managed(user), seat_id)


def access_contract(user, contract_id, *, manage: bool = True) -> PropertyContract:
    if manage:
        return get_or_404(selectors.contracts_managed(user), contract_id)
    return get_or_404(selectors.contracts_visible(user), contract_id)


def can_manage_company(user, company: PropertyCompany) -> bool:
    return selectors.companies_managed(user).filter(pk=company.pk).exists()


def access_company(user, company_id, *, manage: bool = False) -> PropertyCompany:
    company = get_or_404(selectors.companies_visible(user), company_id)
    if manage and not can_manage_company(user, company):
        raise PermissionDenied
    return company


def access_staff(user, staff_id, *, manage: bool = False) -> PropertyStaff:
    staff = get_or_404(selectors.staff_visible(user), staff_id)
    if manage and not can_manage_company(user, staff.company):
        raise PermissionDenied
    return staff


def require_staff(user) -> None:
    """Pages for officers and admins only: everyone else gets 404, as for an object out of scope."""
    if not scopes_for(user).is_staff:
        raise Http404
