"""Joint meetings (联席会议): series that recur (e.g. "second Tuesday 19:30"), meetings with their
invitations, agendas seeded from real issues, minutes, decisions and the action items that follow
them, and the reminders sent before each meeting.

"Already done" lives in the database: a meeting per (series, date) and a reminder per
(invitation, offset, meeting version) are unique rows, so the periodic jobs that create them can
run twice, or on two workers, and act once.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from committees.models import PropertyCompany
from compounds.models import Compound, Department
from governance.issues.models import Issue
from governance.party.models import PartyBranch


class MeetingKind(models.TextChoices):
    JOINT = "joint", _("Joint meeting")
    PRE_DELIBERATION = "pre_deliberation", _("Branch pre-deliberation")


class MeetingSeries(models.Model):
    """A recurring joint meeting of a compound: the ``week_of_month``-th ``weekday`` of every month
    (week_of_month -1: the last one) at ``time``."""

    compound = models.ForeignKey(Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="meeting_series")
    branch = models.ForeignKey(
        PartyBranch, verbose_name=_("branch"), on_delete=models.SET_NULL, null=True, blank=True, related_name="meeting_series"
    )
    title = models.CharField(_("title"), max_length=120)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MaxValueValidator(6)], help_text=_("0 Monday … 6 Sunday.")
    )
    week_of_month = models.SmallIntegerField(
        _("week of the month"),
        validators=[MinValueValidator(-1), MaxValueValidator(4)],
        help_text=_("1–4, or -1 for the last one of the month."),
    )
    time = models.TimeField(_("time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=90, validators=[MinValueValidator(15)])
    place = models.CharField(_("place"), max_length=200)
    convenor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("convenor"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("first month from"), default=timezone.localdate)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["compound_id", "title"]
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        constraints = [
            models.CheckConstraint(condition=~Q(week_of_month=0), name="meeting_series_week_not_zero"),
        ]

    def __str__(self):
        return self.title


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


def _signin_code() -> str:
    return secrets.token_urlsafe(9)


class Meeting(models.Model):
    series = models.ForeignKey(MeetingSeries, on_delete=models.SET_NULL, null=True, blank=True, related_name="meetings")
    occurrence = models.DateField(null=True, blank=True, editable=False, help_text="The series date this meeting is for.")
    compound = models.ForeignKey(Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="meetings")
    branch = models.ForeignKey(PartyBranch, on_delete=models.SET_NULL, null=True, blank=True, related_name="meetings")
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices, default=MeetingKind.JOINT)
    title = models.CharField(_("title"), max_length=120)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200)
    convenor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("convenor"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    # Bumped when the time or place changes: reminders are per version, so a moved meeting is
    # announced again, and never twice for the same offset and version.
    version = models.PositiveIntegerField(default=1, editable=False)
    signin_code = models.CharField(max_length=16, default=_signin_code, editable=False)
    minutes = models.TextField(_("minutes"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "occurrence"], condition=Q(series__isnull=False), name="meeting_one_per_series_date"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["compound", "-starts_at"], name="meeting_compound_starts_idx"),
            models.Index(fields=["starts_at"], condition=Q(status="scheduled"), name="meeting_scheduled_starts_idx"),
        ]

    def __str__(self):
        return f"{self.title} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class Organisation(models.TextChoices):
    BRANCH = "branch", _("Party branch")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")
    SUPERVISORY_BOARD = "supervisory_board", _("Owners' supervisory board")
    PROPERTY_COMPANY = "property_company", _("Property company")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid worker")
    POLICE = "police", _("Police")
    DEPARTMENT = "department", _("Department")
    PARTNER = "partner", _("Partner unit")
    OTHER = "other", _("Other")


class Reply(models.TextChoices):
    PENDING = "pending", _("No reply yet")
    ATTEND = "attend", _("Attending")
    DECLINE = "decline", _("Declined")


class Invitation(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="meeting_invitations")
    organisation = models.CharField(_("organisation"), max_length=20, choices=Organisation.choices)
    organisation_name = models.CharField(_("organisation's name"), max_length=120, blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    company = models.ForeignKey(PropertyCompany, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reply = models.CharField(_("reply"), max_length=10, choices=Reply.choices, default=Reply.PENDING)
    reply_reason = models.CharField(_("reason"), max_length=300, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    signed_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)

    class Meta:
        ordering = ["meeting_id", "organisation", "id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], condition=Q(user__isnull=False), name="invitation_once_per_person"),
        ]

    def __str__(self):
        return f"{self.meeting_id} → {self.user_id or self.organisation_name}"


class ItemSource(models.TextChoices):
    MANUAL = "manual", _("Typed by hand")
    OVERDUE = "overdue", _("Overdue issue")
    REOPENED = "reopened", _("Reopened issue")
    REPEATED = "repeated", _("Repeatedly reported")
    ACTION_ITEM = "action_item", _("Open action item")


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    source = models.CharField(_("source"), max_length=16, choices=ItemSource.choices, default=ItemSource.MANUAL)
    issues = models.ManyToManyField(Issue, blank=True, related_name="agenda_items")
    review_of = models.ForeignKey(
        "ActionItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews",
        help_text="The earlier action item this item reviews.",
    )

    class Meta:
        ordering = ["meeting_id", "position", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self):
        return self.title


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class ActionItem(models.Model):
    """A decision taken on an agenda item, with who does it and by when."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="decisions")
    decision = models.TextField(_("decision"))
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, null=True, blank=True, related_name="meeting_actions"
    )
    owner_organisation = models.CharField(_("owner organisation"), max_length=20, choices=Organisation.choices, blank=True)
    owner_name = models.CharField(_("owner's name"), max_length=120, blank=True)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_user__isnull=False) | ~Q(owner_organisation=""), name="action_item_has_owner"
            ),
        ]
        indexes = [models.Index(fields=["deadline"], condition=Q(status="open"), name="action_open_deadline_idx")]

    def __str__(self):
        return self.decision[:60]

    @property
    def public_owner(self) -> str:
        """The owner as the public summary shows it: the organisation (and its name when one was
        typed for an organisation), never a person's name."""
        label = str(Organisation(self.owner_organisation or Organisation.OTHER).label)
        if self.owner_name and self.owner_user_id is None:
            return f"{label} · {self.owner_name}"
        return label


class Reminder(models.Model):
    """One reminder sent to one invitee at one offset for one version of the meeting."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="reminders")
    offset_minutes = models.PositiveIntegerField()
    version = models.PositiveIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)
    # The e-mail task claims the reminder (compare-and-set on email_claimed_at) and marks it
    # emailed after sending; the scan re-triggers reminders not emailed whose claim is missing or
    # stale, so a task lost with a killed worker, or killed mid-send, is repaired.
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("meeting reminder")
        verbose_name_plural = _("meeting reminders")
        constraints = [
            models.UniqueConstraint(fields=["invitation", "offset_minutes", "version"], name="reminder_once_per_offset_version")
        ]

    def __str__(self):
        return f"{self.invitation_id} −{self.offset_minutes} min v{self.version}"
