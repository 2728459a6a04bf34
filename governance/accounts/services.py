"""Every write to accounts goes through here (keyword-only, ``actor`` where one acts)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.compiled import Compiled, CompiledInsert

from .models import Notification, NotificationChannel, NotificationPreference, User, normalise_phone
from .notifications import get_kind


@transaction.atomic
def user_register(*, phone: str, password: str, display_name: str, email: str = "", language: str = "") -> User:
    phone = normalise_phone(phone)
    user = User(username=phone, phone=phone, display_name=display_name.strip(), email=email.strip())
    if language:
        user.language = language
    if User.objects.filter(phone=phone).exists() or User.objects.filter(username=phone).exists():
        raise ValidationError({"phone": _("This mobile number is already registered. Log in or reset the password.")})
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def user_update_profile(*, user: User, display_name: str, email: str, show_phone: bool) -> User:
    user.display_name = display_name.strip()
    user.email = email.strip()
    user.show_phone = show_phone
    user.full_clean()
    user.save(update_fields=["display_name", "email", "show_phone"])
    return user


def user_set_language(*, user: User, language: str) -> None:
    if user.is_authenticated and user.language != language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


def _channel_enabled(user: User, kind: str, channel: str) -> bool:
    pref = NotificationPreference.objects.filter(user=user, kind=kind, channel=channel).first()
    return pref.enabled if pref else True


def wants_email(user: User, kind: str) -> bool:
    return bool(user.email) and _channel_enabled(user, kind, NotificationChannel.EMAIL)


def notification_send(
    *, user: User, kind: str, params: dict | None = None, url: str = "", email: bool = True
) -> Notification | None:
    """Notify one person on the channels they keep on for this kind.

    The e-mail is sent by Celery after the surrounding transaction commits, so a rolled-back
    change never mails anyone and no request waits on the mail server. ``email=False``: the caller
    sends its own e-mail (e.g. with an attachment), checking ``wants_email`` first.
    """
    sent = notifications_send(users=[user], kind=kind, params=params, url=url, email=email)
    return sent[0] if sent else None


# Every filing and most transitions notify someone: compiled once (``governance.compiled``).
_NEW_NOTIFICATIONS = CompiledInsert(Notification)
_CHANNELS_OFF = Compiled(
    lambda user_id, kind: NotificationPreference.objects.filter(user_id=user_id, kind=kind, enabled=False).values_list(
        "user_id", "channel"
    ),
    -1,
    "kind",
)


def notifications_send(*, users, kind: str, params: dict | None = None, url: str = "", email: bool = True) -> list:
    """Notify several people of the same thing, each on the channels they keep on for this kind:
    one query for their preferences and one insert, however many they are (a branch's committee,
    a company's staff). Returns the in-app notifications created. E-mails as ``notification_send``."""
    if get_kind(kind) is None:
        raise ValueError(f"unregistered notification kind {kind!r}")
    users = list({user.pk: user for user in users}.values())
    if not users:
        return []
    params = params or {}
    # No preference row means "on": only the rows that turn a channel off matter.
    if len(users) == 1:  # most often (a member, a company's one contact): compiled once
        off = set(_CHANNELS_OFF.rows(users[0].pk, kind))
    else:
        off = set(
            NotificationPreference.objects.filter(user__in=[u.pk for u in users], kind=kind, enabled=False).values_list(
                "user_id", "channel"
            )
        )
    notifications = _NEW_NOTIFICATIONS.create(
        [
            Notification(user=user, kind=kind, params=params, url=url)
            for user in users
            if (user.pk, NotificationChannel.IN_APP) not in off
        ]
    )
    if email:
        from .tasks import send_notification_email

        for user in users:
            if user.email and (user.pk, NotificationChannel.EMAIL) not in off:
                send_notification_email.delay_on_commit(user.pk, kind, params, url)
    return notifications


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, all) of the user's notifications read; returns how many."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())


def notification_preference_set(*, user: User, kind: str, channel: str, enabled: bool) -> None:
    if get_kind(kind) is None or channel not in NotificationChannel.values:
        raise ValidationError(_("Unknown notification kind or channel."))
    NotificationPreference.objects.update_or_create(
        user=user, kind=kind, channel=channel, defaults={"enabled": enabled}
    )


def notification_purge_read(*, older_than) -> int:
    """Delete read notifications older than the cut-off; repeatable, so safe for a periodic job."""
    deleted, _ = Notification.objects.filter(read_at__isnull=False, created_at__lt=older_than).delete()
    return deleted
