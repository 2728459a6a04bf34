from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import services
from .models import User
from .notifications import render


def notification_email(user: User, kind: str, params: dict, url: str) -> EmailMultiAlternatives:
    """The e-mail of a notification, in the reader's language (other apps add attachments)."""
    with translation.override(user.language):
        title, body = render(kind, params)
        context = {"user": user, "title": title, "body": body, "url": f"{settings.SITE_URL}{url}" if url else ""}
        subject = render_to_string("emails/notification-subject.txt", context).strip()
        text = render_to_string("emails/notification-body-text.txt", context)
        html = render_to_string("emails/notification-body-html.html", context)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(user_id: int, kind: str, params: dict, url: str) -> None:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return
    notification_email(user, kind, params, url).send()


@shared_task
def purge_read_notifications() -> int:
    return services.notification_purge_read(older_than=timezone.now() - settings.NOTIFICATION_RETENTION)
