"""The "3": owners' committees, supervisory boards and interim committees with their seats;
property-service companies, their staff and their contracts with compounds.

Cross-appointment (a person on the branch committee and the owners' committee) is derived from
the seats here and in ``governance.party``; it is never stored.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from compounds.models import Compound, Household

from .credit_code import validate_credit_code


class BodyKind(models.TextChoices):
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    SUPERVISORY_BOARD = "supervisory_board", _("Owners' supervisory board")
    INTERIM_COMMITTEE = "interim_committee", _("Interim property management committee")


class Committee(models.Model):
    """One term of an owners' committee, supervisory board or interim committee of a compound."""

    compound = models.ForeignKey(Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="committees")
    kind = models.CharField(_("kind"), max_length=32, choices=BodyKind.choices)
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"))
    filed_on = models.DateField(_("filed with the subdistrict on"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["compound_id", "kind", "-term_start"]
        verbose_name = _("committee")
        verbose_name_plural = _("committees")
        constraints = [
            models.CheckConstraint(condition=Q(term_end__gt=models.F("term_start")), name="committee_term_ordered"),
        ]
        indexes = [models.Index(fields=["compound", "kind", "term_end"], name="committee_compound_kind_idx")]

    def __str__(self):
        return f"{self.compound} {self.get_kind_display()} ({self.term_start:%Y}–{self.term_end:%Y})"

    @property
    def requires_owners(self) -> bool:
        # The interim committee (物管会) also seats community and subdistrict representatives.
        return self.kind != BodyKind.INTERIM_COMMITTEE


class SeatRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice-chair")
    MEMBER = "member", _("Member")


class Seat(models.Model):
    committee = models.ForeignKey(Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="seats")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="committee_seats"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household owned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The household that makes the person an owner of the compound."),
    )
    role = models.CharField(_("seat"), max_length=16, choices=SeatRole.choices, default=SeatRole.MEMBER)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["committee_id", "role", "id"]
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "user"], condition=Q(ended_on__isnull=True), name="seat_one_per_person"
            ),
            models.UniqueConstraint(
                fields=["committee"], condition=Q(ended_on__isnull=True, role="chair"), name="seat_one_chair"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"


class PropertyCompany(models.Model):
    name = models.CharField(_("name"), max_length=120)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    service_phone = models.CharField(_("24-hour service line"), max_length=20, blank=True)
    has_party_organisation = models.BooleanField(_("has a Party organisation"), default=False)
    party_instructor = models.CharField(
        _("party-building instructor"), max_length=50, blank=True, help_text=_("Sent by the community or subdistrict.")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("property company")
        verbose_name_plural = _("property companies")

    def __str__(self):
        return self.name


class ContractStatus(models.TextChoices):
    SIGNED = "signed", _("Signed, not started")
    ACTIVE = "active", _("In force")
    ENDED = "ended", _("Ended")


class RenewalFlag(models.TextChoices):
    NONE = "", _("None")
    DO_NOT_RENEW = "do_not_renew", _("Do not renew (yearly rating)")


class PropertyContract(models.Model):
    """A company's property-service contract at a compound (a "project" in the yearly ratings)."""

    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="property_contracts"
    )
    company = models.ForeignKey(
        PropertyCompany, verbose_name=_("company"), on_delete=models.PROTECT, related_name="contracts"
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    fee_per_m2 = models.DecimalField(
        _("fee per m² per month (yuan)"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    status = models.CharField(_("status"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.SIGNED)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    # Set by the yearly rating when its final result recommends not renewing this contract.
    renewal_flag = models.CharField(
        _("renewal flag"), max_length=16, choices=RenewalFlag.choices, blank=True, default=RenewalFlag.NONE
    )
    renewal_flag_note = models.CharField(_("why flagged"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["compound_id", "-starts_on"]
        verbose_name = _("property contract")
        verbose_name_plural = _("property contracts")
        constraints = [
            # At most one contract in force per compound, even under concurrent writes.
            models.UniqueConstraint(fields=["compound"], condition=Q(status="active"), name="contract_one_active"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="contract_term_ordered"),
        ]
        indexes = [models.Index(fields=["company", "status"], name="contract_company_status_idx")]

    def __str__(self):
        return f"{self.company} @ {self.compound}"


class PropertyStaff(models.Model):
    """A user working for a property company; through its contracts in force they act in compounds."""

    company = models.ForeignKey(PropertyCompany, verbose_name=_("company"), on_delete=models.PROTECT, related_name="staff")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="property_jobs"
    )
    title = models.CharField(_("job title"), max_length=50, blank=True)
    is_contact = models.BooleanField(_("contact for joint meetings"), default=False)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["company_id", "-is_contact", "id"]
        verbose_name = _("property staff")
        verbose_name_plural = _("property staff")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "user"], condition=Q(ended_on__isnull=True), name="staff_one_active_job"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.company}"
