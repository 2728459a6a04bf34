"""Every write to committees, property companies, staff and contracts.

Roles follow the records: a seat grants ``committee_member`` / ``board_member`` over the
compound; a contract in force grants ``property_staff`` over its compound to each of the
company's active staff, and ending the contract (or the job) revokes it at once.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from compounds.models import Compound, Residency, ResidencyStatus, RoleAssignment
from compounds.permissions import can_manage_compound
from compounds.services import role_grant, role_revoke
from governance.accounts.roles import Role

from .credit_code import normalise
from .models import (
    BodyKind,
    Committee,
    ContractStatus,
    PropertyCompany,
    PropertyContract,
    PropertyStaff,
    RenewalFlag,
    Seat,
)

SEAT_ROLE = {
    BodyKind.OWNERS_COMMITTEE: Role.COMMITTEE_MEMBER,
    BodyKind.INTERIM_COMMITTEE: Role.COMMITTEE_MEMBER,
    BodyKind.SUPERVISORY_BOARD: Role.BOARD_MEMBER,
}


def _require_manage(actor, compound: Compound) -> None:
    if actor is not None and not can_manage_compound(actor, compound):
        raise PermissionDenied


def _clean_save(obj):
    obj.full_clean()
    obj.save()
    return obj


def _end_role(user, role: str, compound: Compound, actor) -> None:
    for assignment in RoleAssignment.objects.filter(user=user, role=role, compound=compound, ended_at__isnull=True):
        role_revoke(assignment=assignment, actor=actor)


# --- Committees and seats ---------------------------------------------------------------------


def _check_term_overlap(committee: Committee) -> None:
    overlapping = Committee.objects.filter(
        compound=committee.compound,
        kind=committee.kind,
        dissolved_on__isnull=True,
        term_start__lt=committee.term_end,
        term_end__gt=committee.term_start,
    ).exclude(pk=committee.pk)
    if overlapping.exists():
        raise ValidationError(
            {"term_start": _("This term overlaps another term of the same body in this compound: %(other)s.")
             % {"other": overlapping.first()}}
        )


@transaction.atomic
def committee_create(*, actor, compound: Compound, kind: str, term_start: date, term_end: date, filed_on=None) -> Committee:
    _require_manage(actor, compound)
    # Lock the compound row so two officers cannot create overlapping terms side by side.
    Compound.objects.select_for_update().get(pk=compound.pk)
    committee = Committee(compound=compound, kind=kind, term_start=term_start, term_end=term_end, filed_on=filed_on)
    committee.full_clean()
    _check_term_overlap(committee)
    committee.save()
    return committee


@transaction.atomic
def committee_update(*, actor, committee: Committee, term_start: date, term_end: date, filed_on=None) -> Committee:
    _require_manage(actor, committee.compound)
    Compound.objects.select_for_update().get(pk=committee.compound_id)
    committee.term_start, committee.term_end, committee.filed_on = term_start, term_end, filed_on
    committee.full_clean()
    _check_term_overlap(committee)
    committee.save()
    return committee


@transaction.atomic
def committee_dissolve(*, actor, committee: Committee, on: date | None = None) -> Committee:
    _require_manage(actor, committee.compound)
    if committee.dissolved_on:
        raise ValidationError(_("This committee has already been dissolved."))
    committee.dissolved_on = on or timezone.localdate()
    committee.save()
    for seat in committee.seats.filter(ended_on__isnull=True):
        seat_end(actor=actor, seat=seat, on=committee.dissolved_on)
    return committee


def owner_household(user, compound: Compound):
    """The household that makes ``user`` a verified owner (or co-owner) in ``compound``, or None."""
    residency = (
        Residency.objects.filter(
            user=user,
            status=ResidencyStatus.VERIFIED,
            relation__in=["owner", "co_owner"],
            household__building__compound=compound,
        )
        .select_related("household")
        .first()
    )
    return residency.household if residency else None


@transaction.atomic
def seat_add(*, actor, committee: Committee, user, role: str, started_on: date | None = None) -> Seat:
    _require_manage(actor, committee.compound)
    if committee.dissolved_on:
        raise ValidationError(_("This committee has been dissolved."))
    household = owner_household(user, committee.compound)
    if committee.requires_owners and household is None:
        raise ValidationError(
            {"user": _("%(name)s is not a verified owner in %(compound)s; only owners can hold this seat.")
             % {"name": user.name, "compound": committee.compound.name}}
        )
    started_on = started_on or max(timezone.localdate(), committee.term_start)
    if not committee.term_start <= started_on < committee.term_end:
        raise ValidationError({"started_on": _("The seat must start within the committee's term.")})
    seat = Seat(committee=committee, user=user, household=household, role=role, started_on=started_on)
    seat.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            seat.save()
    except IntegrityError:
        raise ValidationError(
            _("%(name)s already has a seat on this body, or it already has a chair.") % {"name": user.name}
        ) from None
    role_grant(user=user, role=SEAT_ROLE[committee.kind], scope=committee.compound, actor=actor)
    return seat


@transaction.atomic
def seat_end(*, actor, seat: Seat, on: date | None = None) -> Seat:
    committee = seat.committee
    _require_manage(actor, committee.compound)
    if seat.ended_on:
        raise ValidationError(_("This seat has already ended."))
    on = on or timezone.localdate()
    if on < seat.started_on:
        raise ValidationError({"ended_on": _("A seat cannot end before it started.")})
    seat.ended_on = on
    seat.save()
    role = SEAT_ROLE[committee.kind]
    still_seated = Seat.objects.filter(
        user=seat.user, ended_on__isnull=True, committee__compound=committee.compound,
        committee__kind__in=[k for k, r in SEAT_ROLE.items() if r == role],
    ).exists()
    if not still_seated:
        _end_role(seat.user, role, committee.compound, actor)
    return seat


# --- Property companies, staff, contracts -----------------------------------------------------


def _require_staff_actor(actor) -> None:
    from compounds.scopes import scopes_for

    if actor is not None and not scopes_for(actor).is_staff:
        raise PermissionDenied


@transaction.atomic
def company_create(*, actor, **fields) -> PropertyCompany:
    _require_staff_actor(actor)
    fields["credit_code"] = normalise(fields.get("credit_code", ""))
    return _clean_save(PropertyCompany(**fields))


@transaction.atomic
def company_update(*, actor, company: PropertyCompany, **fields) -> PropertyCompany:
    _require_staff_actor(actor)
    if "credit_code" in fields:
        fields["credit_code"] = normalise(fields["credit_code"])
    for name, value in fields.items():
        setattr(company, name, value)
    return _clean_save(company)


def _grant_staff(staff: PropertyStaff, contract: PropertyContract, actor) -> None:
    role_grant(user=staff.user, role=Role.PROPERTY_STAFF, scope=contract.compound, actor=actor)


def _revoke_staff(user, compound: Compound, actor) -> None:
    still = PropertyStaff.objects.filter(
        user=user, ended_on__isnull=True,
        company__contracts__compound=compound, company__contracts__status=ContractStatus.ACTIVE,
    ).exists()
    if not still:
        _end_role(user, Role.PROPERTY_STAFF, compound, actor)


@transaction.atomic
def staff_add(*, actor, company: PropertyCompany, user, title: str = "", is_contact: bool = False) -> PropertyStaff:
    _require_staff_actor(actor)
    staff = PropertyStaff(company=company, user=user, title=title, is_contact=is_contact, started_on=timezone.localdate())
    staff.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            staff.save()
    except IntegrityError:
        raise ValidationError(_("%(name)s already works for %(company)s.") % {"name": user.name, "company": company}) from None
    for contract in company.contracts.filter(status=ContractStatus.ACTIVE).select_related("compound"):
        _grant_staff(staff, contract, actor)
    return staff


@transaction.atomic
def staff_end(*, actor, staff: PropertyStaff) -> PropertyStaff:
    _require_staff_actor(actor)
    if staff.ended_on:
        raise ValidationError(_("This job has already ended."))
    staff.ended_on = timezone.localdate()
    staff.save()
    for contract in staff.company.contracts.filter(status=ContractStatus.ACTIVE).select_related("compound"):
        _revoke_staff(staff.user, contract.compound, actor)
    return staff


def _activate(contract: PropertyContract, actor) -> None:
    contract.status = ContractStatus.ACTIVE
    try:
        with transaction.atomic():
            contract.save()
    except IntegrityError:
        raise ValidationError(
            _("%(compound)s already has a property contract in force; end it first.") % {"compound": contract.compound}
        ) from None
    for staff in contract.company.staff.filter(ended_on__isnull=True).select_related("user"):
        _grant_staff(staff, contract, actor)


def _check_contract_overlap(contract: PropertyContract) -> None:
    clash = PropertyContract.objects.filter(
        compound=contract.compound,
        status__in=[ContractStatus.SIGNED, ContractStatus.ACTIVE],
        starts_on__lt=contract.ends_on,
        ends_on__gt=contract.starts_on,
    ).exclude(pk=contract.pk)
    if clash.exists():
        raise ValidationError(
            {"starts_on": _("The term overlaps another contract of this compound: %(other)s (%(start)s – %(end)s).")
             % {"other": clash.first().company, "start": clash.first().starts_on, "end": clash.first().ends_on}}
        )


@transaction.atomic
def contract_create(
    *, actor, compound: Compound, company: PropertyCompany, starts_on: date, ends_on: date, fee_per_m2, today=None
) -> PropertyContract:
    """Record a signed contract; it is in force at once if its term has begun, else from its start."""
    _require_manage(actor, compound)
    Compound.objects.select_for_update().get(pk=compound.pk)
    contract = PropertyContract(compound=compound, company=company, starts_on=starts_on, ends_on=ends_on, fee_per_m2=fee_per_m2)
    contract.full_clean(validate_constraints=False)
    _check_contract_overlap(contract)
    today = today or timezone.localdate()
    if ends_on <= today:
        raise ValidationError({"ends_on": _("This contract's term is already over.")})
    contract.save()
    if starts_on <= today:
        _activate(contract, actor)
    return contract


@transaction.atomic
def contract_end(*, actor, contract: PropertyContract, reason: str, on: date | None = None) -> PropertyContract:
    """End a contract early (or record its end); the company's staff lose the compound at once."""
    if actor is not None:
        _require_manage(actor, contract.compound)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"end_reason": _("Say why the contract ends.")})
    updated = PropertyContract.objects.filter(
        pk=contract.pk, status__in=[ContractStatus.SIGNED, ContractStatus.ACTIVE]
    ).update(status=ContractStatus.ENDED, ended_on=on or timezone.localdate(), end_reason=reason)
    if not updated:
        raise ValidationError(_("This contract has already ended."))
    contract.refresh_from_db()
    contract.save(update_fields=["status"])  # for the audit trail
    for staff in contract.company.staff.all().select_related("user"):
        _revoke_staff(staff.user, contract.compound, actor)
    return contract


def contracts_sync(*, today: date | None = None) -> dict:
    """Start contracts whose term has begun and end those whose term is over. Idempotent: each
    change is a compare-and-set on the status, so a doubled or concurrent run changes nothing more."""
    today = today or timezone.localdate()
    ended = started = 0
    for contract in PropertyContract.objects.filter(status=ContractStatus.ACTIVE, ends_on__lte=today):
        with transaction.atomic():
            if PropertyContract.objects.filter(pk=contract.pk, status=ContractStatus.ACTIVE).update(
                status=ContractStatus.ENDED, ended_on=contract.ends_on, end_reason=_("Term over")
            ):
                contract.refresh_from_db()
                contract.save(update_fields=["status"])  # for the audit trail, as contract_end
                for staff in contract.company.staff.all().select_related("user"):
                    _revoke_staff(staff.user, contract.compound, None)
                ended += 1
    for contract in PropertyContract.objects.filter(
        status=ContractStatus.SIGNED, starts_on__lte=today, ends_on__gt=today
    ).select_related("company", "compound"):
        with transaction.atomic():
            locked = PropertyContract.objects.select_for_update().filter(pk=contract.pk, status=ContractStatus.SIGNED).first()
            if locked is None:
                continue
            try:
                _activate(locked, None)
            except ValidationError:
                continue  # the compound still has a contract in force; the officer must end it
            started += 1
    return {"started": started, "ended": ended}


def compounds_without_property_service(qs=None):
    qs = qs if qs is not None else Compound.objects.all()
    return qs.exclude(Q(property_contracts__status=ContractStatus.ACTIVE))


def contract_flag_renewal(*, contract: PropertyContract, flag: str, note: str) -> bool:
    """Flag (or clear) a contract's renewal from a published yearly rating. Called by the ratings'
    final phase, not by a person, so it checks no role; a compare-and-set keeps it idempotent:
    returns whether anything changed."""
    if flag not in RenewalFlag.values:
        raise ValidationError(_("Unknown renewal flag."))
    updated = PropertyContract.objects.filter(pk=contract.pk).exclude(renewal_flag=flag, renewal_flag_note=note).update(
        renewal_flag=flag, renewal_flag_note=note[:300]
    )
    if updated:
        contract.refresh_from_db()
        contract.save(update_fields=["renewal_flag"])  # for the audit trail
    return bool(updated)
