"""A joint meeting end to end in real Chromium against the live server (issue 5's acceptance):

the secretary schedules a meeting and picks a suggested agenda item from an overdue issue; the
property company's clerk replies "attend"; minutes and a decision (owner: the clerk, with a
deadline) are recorded; the action item shows on the clerk's "My action items" page and, once the
secretary schedules the next meeting, among that meeting's agenda suggestions (to review it).

Assertions go through data-testid hooks and data-* attributes, never translated text.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from governance.issues import services as issue_services
from governance.issues.models import Category
from governance.meetings.models import ActionItem, AgendaItem, Invitation, Meeting
from tests.issues.conftest import branch, clerk, committee_member, company, secretary  # noqa: F401 - the cast

from ..factories import PASSWORD
from .conftest import PHONE, login, page_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECISION = "每天清运两次，并在 3 号门口加一个垃圾桶。"
MINUTES = "与会各方讨论了 3 号门口垃圾清运问题。"


def _sanitation() -> Category:
    # Transactional tests flush the tables, seeded rows included: make sure the category is there.
    category, _created = Category.objects.get_or_create(
        code="sanitation",
        defaults={
            "name_zh": "环境卫生",
            "name_en": "Sanitation and rubbish",
            "group": "sanitation",
            "default_handler": "property",
            "priority": "general",
            "response_hours": 24,
            "resolution_hours": 168,
        },
    )
    return category


def _schedule(desk, url, world, title, days_ahead):
    with desk.expect_navigation():
        desk.click("nav [data-testid=nav-meetings]")
    with desk.expect_navigation():
        desk.click("[data-testid=new-meeting]")
    day = timezone.localdate() + datetime.timedelta(days=days_ahead)
    desk.select_option("#id_compound", value=str(world.a1.pk))
    desk.select_option("#id_kind", value="joint")
    desk.fill("#id_title", title)
    desk.fill("#id_day", day.isoformat())
    desk.fill("#id_start", "19:30")
    desk.fill("#id_end", "21:00")
    desk.fill("#id_place", "红色驿站")
    with desk.expect_navigation():
        desk.click("[data-testid=meeting-submit]")
    meeting = Meeting.objects.get(title=title)
    assert desk.url == url + reverse("meetings:detail", args=[meeting.pk])
    return meeting


def test_the_secretary_convenes_the_clerk_attends_and_the_decision_follows_the_owner(
    live_server, world, resident, secretary, clerk, committee_member, open_page  # noqa: F811
):
    url = live_server.url
    overdue = issue_services.issue_file(
        actor=resident, compound=world.a1, category=_sanitation(), description="3 号门口的垃圾桶满了两周。",
        building=world.home.building, now=timezone.now() - datetime.timedelta(days=20),
    )

    # The secretary, at a desk, schedules a meeting and picks the overdue issue for the agenda.
    desk = open_page(staff=True, name="secretary")
    login(desk, url, secretary.phone, PASSWORD)
    meeting = _schedule(desk, url, world, "十二月联席会议", 7)
    expect(desk.locator("[data-testid=signin-code]")).to_have_value(meeting.signin_code)
    suggestion = desk.locator("[data-testid=suggestion][data-source=overdue]")
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_contain_text(overdue.reference)
    with desk.expect_navigation():
        suggestion.locator("[data-testid=pick]").click()
    item = desk.locator("[data-testid=agenda-item][data-source=overdue]")
    expect(item).to_have_count(1)
    assert list(AgendaItem.objects.get(meeting=meeting).issues.all()) == [overdue]

    # …and invites the police station by name: the form shows only the field that kind needs.
    invite = desk.locator("[data-testid=invite-form]")
    expect(invite.locator("[data-invite-field=phone]")).to_be_visible()
    invite.locator("select[name=kind]").select_option(value="police")
    expect(invite.locator("[data-invite-field=phone]")).to_be_hidden()
    invite.locator("input[name=organisation_name]").fill("江边派出所")
    with desk.expect_navigation():
        invite.locator("button[type=submit]").click()
    assert Invitation.objects.filter(meeting=meeting, organisation="police", organisation_name="江边派出所").exists()

    # The property company's clerk, on a phone, replies "attend".
    phone = open_page(name="clerk")
    login(phone, url, clerk.phone, PASSWORD)
    with phone.expect_navigation():
        phone.goto(url + reverse("meetings:list"))
    row = phone.locator(f"[data-testid=meeting-row][data-meeting='{meeting.pk}'] [data-testid=meeting-link]")
    with phone.expect_navigation():
        row.click()
    phone.check("[data-testid=reply] input[name=reply][value=attend]")
    with phone.expect_navigation():
        phone.click("[data-testid=reply-submit]")
    expect(phone.locator("[data-testid=my-reply]")).to_have_attribute("data-reply", "attend")
    assert page_width(phone) <= PHONE["width"], "the meeting page scrolls sideways on a phone"
    assert Invitation.objects.get(meeting=meeting, user=clerk).reply == "attend"

    # The secretary sees who is coming, records the minutes and a decision owned by the clerk.
    desk.reload()
    expect(desk.locator(f"[data-testid=invitee][data-user='{clerk.pk}']")).to_have_attribute("data-reply", "attend")
    expect(desk.locator("[data-testid=count-attend]")).to_have_text("1")
    desk.fill("#id_minutes", MINUTES)
    with desk.expect_navigation():
        desk.click("[data-testid=minutes-submit]")
    item = desk.locator("[data-testid=agenda-item][data-source=overdue]")
    item.locator("[data-testid=decide-toggle]").click()
    form = item.locator("[data-testid=decide-form]")
    form.locator("textarea[name=decision]").fill(DECISION)
    form.locator("select[name=owner]").select_option(value=f"user:{clerk.pk}")
    deadline = timezone.localdate() + datetime.timedelta(days=14)
    form.locator("input[name=deadline]").fill(deadline.isoformat())
    with desk.expect_navigation():
        form.locator("[data-testid=decide-submit]").click()
    expect(desk.locator("[data-testid=decision]")).to_contain_text(DECISION)
    action = ActionItem.objects.get()
    assert (action.owner_user, action.deadline, action.status) == (clerk, deadline, "open")
    assert Meeting.objects.get(pk=meeting.pk).minutes == MINUTES

    # The action item shows on the clerk's "My action items" page, linking the meeting.
    phone.goto(url + reverse("meetings:actions"))
    mine = phone.locator(f"[data-testid=action][data-action='{action.pk}']")
    expect(mine).to_contain_text(DECISION)
    expect(mine).to_have_attribute("data-status", "open")
    expect(mine.locator("[data-testid=action-meeting]")).to_have_attribute(
        "href", reverse("meetings:detail", args=[meeting.pk])
    )

    # The secretary schedules the next meeting: the open action item is suggested for review.
    nxt = _schedule(desk, url, world, "一月联席会议", 35)
    review = desk.locator(f"[data-testid=suggestion][data-source=action_item][data-review='{action.pk}']")
    expect(review).to_have_count(1)
    expect(review).to_contain_text(DECISION[:20])
    assert nxt.pk != meeting.pk


def test_a_resident_reads_the_closed_meetings_summary_on_a_phone(
    live_server, world, resident, secretary, clerk, open_page  # noqa: F811
):
    from governance.meetings import services

    start = timezone.now() + datetime.timedelta(days=1)
    meeting = services.meeting_schedule(
        actor=secretary, compound=world.a1, title="十一月联席会议", starts_at=start,
        ends_at=start + datetime.timedelta(hours=1), place="红色驿站",
    )
    item = services.agenda_add(actor=secretary, meeting=meeting, title="3 号门口垃圾清运")
    services.decision_record(actor=secretary, item=item, decision=DECISION, owner_user=clerk,
                             deadline=timezone.localdate() + datetime.timedelta(days=14))
    services.minutes_save(actor=secretary, meeting=meeting, minutes=MINUTES)
    services.meeting_close(actor=secretary, meeting=meeting, now=start + datetime.timedelta(hours=1))

    phone = open_page(name="resident")
    login(phone, live_server.url, resident.phone, PASSWORD)
    phone.goto(live_server.url + reverse("meetings:summaries", args=[world.a1.pk]))
    assert page_width(phone) <= PHONE["width"]
    with phone.expect_navigation():
        phone.click(f"[data-testid=summary-link-row][data-meeting='{meeting.pk}'] a")
    expect(phone.locator("[data-testid=summary-row]")).to_contain_text(DECISION)
    # The public summary names the organisation the owner answers for, never the person.
    expect(phone.locator("[data-testid=summary-owner]")).to_have_text("物业服务企业")
    expect(phone.locator("main")).not_to_contain_text(clerk.display_name)
    expect(phone.locator("main")).not_to_contain_text(MINUTES)
    assert page_width(phone) <= PHONE["width"]
    phone.goto(live_server.url + reverse("meetings:detail", args=[meeting.pk]))
    expect(phone.locator("[data-testid=public-summary]")).to_have_count(1)
    assert page_width(phone) <= PHONE["width"]
