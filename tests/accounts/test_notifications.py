"""Notifications: in the portal and by e-mail after commit, per-kind switches, reading, purging."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from compounds.notifications import RESIDENCY_SUBMITTED, RESIDENCY_VERIFIED
from governance.accounts import services
from governance.accounts.models import Notification, NotificationPreference
from governance.accounts.notifications import render
from governance.accounts.tasks import purge_read_notifications

PARAMS = {"household": "江工塑院小区 1 号楼 101", "officer": "陈晓燕", "community": "东湾社区"}
TITLE_EN = "You are verified as a resident of 江工塑院小区 1 号楼 101"


@pytest.fixture
def reader(resident):
    """The resident, with the notice of their own verification (from the fixture) cleared away."""
    resident.notifications.all().delete()
    return resident


def send(user, **kwargs):
    return services.notification_send(
        user=user, kind=RESIDENCY_VERIFIED, params=PARAMS, url="/places/", **kwargs
    )


def test_sending_creates_an_unread_notification_in_the_portal(reader):
    notification = send(reader)

    assert notification is not None
    stored = Notification.objects.get(user=reader)
    assert stored == notification
    assert (stored.kind, stored.params, stored.url, stored.read_at) == (
        RESIDENCY_VERIFIED,
        PARAMS,
        "/places/",
        None,
    )
    with translation.override("en"):
        assert stored.title == TITLE_EN
        assert stored.body.startswith("陈晓燕 of 东湾社区 verified your claim.")


def test_an_unregistered_kind_is_a_programming_error(reader):
    with pytest.raises(ValueError, match="unregistered notification kind"):
        services.notification_send(user=reader, kind="no_such_kind")
    assert not Notification.objects.filter(user=reader).exists()


def test_the_e_mail_goes_out_only_after_the_transaction_commits(
    reader, tasks_in_process, django_capture_on_commit_callbacks
):
    reader.language = "en"
    reader.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send(reader)
        assert mail.outbox == []

    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["resident@example.org"]
    assert message.subject == f"[Linli] {TITLE_EN}"
    assert TITLE_EN in message.body
    assert "http://127.0.0.1:8000/places/" in message.body  # SITE_URL + the notification's link
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert TITLE_EN in html


def test_nothing_is_mailed_or_kept_when_the_transaction_rolls_back(
    reader, tasks_in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            send(reader)
            raise RuntimeError("the change that caused the notice failed")

    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.filter(user=reader).exists()


def test_a_person_without_an_e_mail_address_is_told_in_the_portal_only(
    reader, tasks_in_process, django_capture_on_commit_callbacks
):
    reader.email = ""
    reader.save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send(reader)

    assert callbacks == []
    assert mail.outbox == []
    assert Notification.objects.filter(user=reader).count() == 1


def switch(client, kind, channel, state):
    return client.post(
        reverse("accounts:notification-preference"), {"kind": kind, "channel": channel, "enabled": state}
    )


def test_switching_the_portal_channel_off_on_the_profile_page_stops_portal_notices_but_not_mail(
    client, reader, tasks_in_process, django_capture_on_commit_callbacks
):
    client.force_login(reader)

    response = switch(client, RESIDENCY_VERIFIED, "in_app", "off")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    assert (
        NotificationPreference.objects.get(user=reader, kind=RESIDENCY_VERIFIED, channel="in_app").enabled
        is False
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert send(reader) is None
    assert not Notification.objects.filter(user=reader).exists()
    assert len(mail.outbox) == 1
    # Other kinds are untouched.
    assert services.notification_send(
        user=reader, kind=RESIDENCY_SUBMITTED, params={"resident": "x", "household": "y"}
    )


def test_switching_e_mail_off_for_a_kind_stops_its_mail_but_not_the_portal_notice(
    client, reader, tasks_in_process, django_capture_on_commit_callbacks
):
    client.force_login(reader)
    switch(client, RESIDENCY_VERIFIED, "email", "off")

    with django_capture_on_commit_callbacks(execute=True):
        send(reader)

    assert mail.outbox == []
    assert Notification.objects.filter(user=reader).count() == 1


def test_a_channel_switched_off_can_be_switched_on_again_and_the_profile_shows_the_state(client, reader):
    client.force_login(reader)
    switch(client, RESIDENCY_VERIFIED, "email", "off")
    html = client.get(reverse("accounts:profile")).content.decode()
    assert 'aria-pressed="false"' in html
    assert html.count('aria-pressed="false"') == 1

    switch(client, RESIDENCY_VERIFIED, "email", "on")

    assert (
        NotificationPreference.objects.get(user=reader, kind=RESIDENCY_VERIFIED, channel="email").enabled
        is True
    )
    assert 'aria-pressed="false"' not in client.get(reverse("accounts:profile")).content.decode()


def test_an_unknown_kind_or_channel_is_refused_and_nothing_is_stored(client, reader):
    client.force_login(reader)

    switch(client, "no_such_kind", "email", "off")
    response = switch(client, RESIDENCY_VERIFIED, "sms", "off")

    assert response.status_code == 302
    assert not NotificationPreference.objects.exists()
    assert "Unknown notification kind or channel." in [str(m) for m in get_messages(response.wsgi_request)]


def test_the_layout_shows_the_unread_count(client, reader):
    client.force_login(reader)
    assert b'data-testid="unread-count"' not in client.get(reverse("accounts:notifications")).content

    for _ in range(3):
        send(reader)

    html = client.get(reverse("accounts:notifications")).content.decode()
    assert 'data-testid="unread-count">3</span>' in html
    assert TITLE_EN in html


def test_marking_one_read_leaves_the_others_unread(client, reader):
    first, second = send(reader), send(reader)
    client.force_login(reader)

    response = client.post(reverse("accounts:notification-read", args=[first.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:notifications")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None


def test_marking_all_read_touches_only_the_readers_own(client, reader, neighbour):
    mine = [send(reader), send(reader)]
    theirs = send(neighbour)
    client.force_login(reader)

    client.post(reverse("accounts:notifications-read-all"))

    assert all(n.read_at for n in Notification.objects.filter(pk__in=[n.pk for n in mine]))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert b'data-testid="unread-count"' not in client.get(reverse("accounts:notifications")).content


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, reader):
    notification = send(reader)
    client.force_login(reader)

    response = client.get(reverse("accounts:notification-open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/places/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_someone_elses_notification_is_not_found_and_stays_unread(client, reader, neighbour):
    notification = send(reader)
    client.force_login(neighbour)

    assert client.get(reverse("accounts:notification-open", args=[notification.pk])).status_code == 404
    assert client.post(reverse("accounts:notification-read", args=[notification.pk])).status_code == 404
    assert client.post(reverse("accounts:notification-open", args=[notification.pk])).status_code == 404

    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_read_does_not_redirect_off_site(client, reader):
    notification = send(reader)
    client.force_login(reader)

    response = client.post(
        reverse("accounts:notification-read", args=[notification.pk]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("accounts:notifications")
    response = client.post(reverse("accounts:notifications-read-all"), {"next": "/places/"})
    assert response["Location"] == "/places/"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_e_mail_is_written_in_the_readers_language_with_the_details_filled_in(
    reader, language, tasks_in_process, django_capture_on_commit_callbacks
):
    reader.language = language
    reader.save(update_fields=["language"])
    with translation.override(language):
        expected = render(RESIDENCY_VERIFIED, PARAMS)[0]

    # The sender's own language (here the other one) must not leak into the reader's mail.
    with (
        translation.override("zh-hans" if language == "en" else "en"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        send(reader)

    subject = mail.outbox[0].subject
    assert expected in subject
    assert "江工塑院小区 1 号楼 101" in subject
    if language == "en":
        assert subject == f"[Linli] {TITLE_EN}"


def test_the_portal_shows_titles_in_the_page_language_with_the_details_filled_in(client, reader):
    send(reader)
    client.force_login(reader)

    html = client.get(reverse("accounts:notifications")).content.decode()

    assert TITLE_EN in html
    assert "陈晓燕 of 东湾社区 verified your claim." in html


def test_a_notification_whose_parameters_no_longer_fit_shows_the_kinds_label(reader):
    notification = Notification.objects.create(user=reader, kind=RESIDENCY_VERIFIED, params={"old": "shape"})

    with translation.override("en"):
        assert notification.title == "My household claim was verified"
        assert notification.body == ""


def _aged(user, days, read):
    notification = Notification.objects.create(user=user, kind=RESIDENCY_VERIFIED, params=PARAMS)
    # created_at is auto_now_add: age it with an UPDATE.
    created = timezone.now() - timedelta(days=days)
    Notification.objects.filter(pk=notification.pk).update(
        created_at=created, read_at=created if read else None
    )
    return notification.pk


def test_the_purge_deletes_only_old_read_notifications_and_can_run_again(reader, settings):
    assert settings.NOTIFICATION_RETENTION == timedelta(days=180)
    old_read = _aged(reader, 200, read=True)
    old_unread = _aged(reader, 200, read=False)
    recent_read = _aged(reader, 10, read=True)

    assert purge_read_notifications() == 1
    assert set(reader.notifications.values_list("pk", flat=True)) == {old_unread, recent_read}
    assert not Notification.objects.filter(pk=old_read).exists()

    assert purge_read_notifications() == 0
    assert reader.notifications.count() == 2


def test_the_notification_list_takes_a_fixed_number_of_queries(client, reader, django_assert_max_num_queries):
    Notification.objects.bulk_create(
        [Notification(user=reader, kind=RESIDENCY_VERIFIED, params=PARAMS, url="/places/") for _ in range(50)]
    )
    client.force_login(reader)

    with django_assert_max_num_queries(6):
        response = client.get(reverse("accounts:notifications"))

    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 30


def test_several_people_told_at_once_each_get_what_their_own_switches_allow(
    reader, neighbour, officer, tasks_in_process, django_capture_on_commit_callbacks
):
    neighbour.notifications.all().delete()
    officer.notifications.all().delete()
    for user in (reader, neighbour, officer):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    NotificationPreference.objects.create(user=neighbour, kind=RESIDENCY_VERIFIED, channel="in_app", enabled=False)
    NotificationPreference.objects.create(user=officer, kind=RESIDENCY_VERIFIED, channel="email", enabled=False)
    # Another kind's switch changes nothing here.
    NotificationPreference.objects.create(user=reader, kind=RESIDENCY_SUBMITTED, channel="in_app", enabled=False)

    with django_capture_on_commit_callbacks(execute=True):
        made = services.notifications_send(
            users=[reader, neighbour, officer, reader], kind=RESIDENCY_VERIFIED, params=PARAMS, url="/places/"
        )

    assert sorted(n.user_id for n in made) == sorted([reader.pk, officer.pk])
    assert sorted(Notification.objects.filter(kind=RESIDENCY_VERIFIED).values_list("user_id", flat=True)) == sorted(
        [reader.pk, officer.pk]
    )
    assert sorted(m.to[0] for m in mail.outbox) == sorted([reader.email, neighbour.email])
