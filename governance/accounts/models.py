import re

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

phone_validator = RegexValidator(
    r"^1[3-9]\d{9}$", _("Enter an 11-digit mainland mobile number, e.g. 13812341234.")
)


def normalise_phone(value: str) -> str:
    """Strip spaces, dashes and a +86 prefix so one number has one spelling."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def mask_phone(phone: str) -> str:
    """138****1234: enough to recognise one's own number, too little to call a stranger."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


class LinliUserManager(UserManager):
    def get_by_natural_key(self, username):
        # Login accepts a mobile number or a username; both are unique.
        phone = normalise_phone(username)
        if re.fullmatch(r"1\d{10}", phone):
            user = self.filter(phone=phone).first()
            if user is not None:
                return user
        return self.get(**{self.model.USERNAME_FIELD: username})


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    phone = models.CharField(
        _("mobile number"), max_length=11, unique=True, null=True, blank=True, validators=[phone_validator]
    )
    show_phone = models.BooleanField(
        _("show my number to neighbours"),
        default=False,
        help_text=_("Otherwise others see it masked, e.g. 138****1234; officers in scope see it in full."),
    )

    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    objects = LinliUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone or "")


class Notification(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=48)
    # Stored as parameters and rendered in the reader's language when shown or mailed.
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread_idx"),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return str(self.title)

    @property
    def title(self) -> str:
        from .notifications import render

        return render(self.kind, self.params)[0]

    @property
    def body(self) -> str:
        from .notifications import render

        return render(self.kind, self.params)[1]


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", _("In the portal")
    EMAIL = "email", _("E-mail")


class NotificationPreference(models.Model):
    """A channel a user switched off for one kind. No row means the channel is on."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=48)
    channel = models.CharField(_("channel"), max_length=16, choices=NotificationChannel.choices)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="notification_pref_unique"),
        ]

    def __str__(self):
        return f"{self.user} · {self.kind} · {self.channel}: {'on' if self.enabled else 'off'}"
