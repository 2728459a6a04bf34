"""A yearly rating campaign end to end in real Chromium against the live server (the ratings'
acceptance): the subdistrict admin opens a campaign; a resident answers the survey on a phone; the
branch secretary enters the appraisal; scoring runs in chunks while the admin's page shows its
progress; the company's clerk appeals, the admin decides with an adjustment; the lists are
published.

The periodic job (beat) is not a page: the test moves the phases as it would, with
``services.campaign_advance(today=<the phase's date>)``, and plays the worker for the scoring
chunks (``services.snapshot_score_chunk``) with Celery not eager, so the page can be seen between
two chunks.

The scenario is built so the appeal matters: with no issue filed the issue figures give their
no-data points (20), the resident answers 4 of 5 everywhere (24 of 30), the secretary gives full
appraisal points (15) and the community officer finds no defect (35): 94 points, 4 stars. The
appeal adds 2 points: 96, 5 stars, the white list. The owners' committee gets a red card: the
black list.

Assertions go through data-testid hooks and data-* attributes, never translated text.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from compounds.models import Household
from governance.ratings import defaults, services
from governance.ratings.models import (
    Appeal,
    Ballot,
    Campaign,
    Entry,
    Indicator,
    Phase,
    Score,
    Section,
    Snapshot,
    SnapshotStatus,
    SubjectKind,
    Template,
)
from tests.issues.conftest import branch, clerk, committee_member, company, secretary  # noqa: F401 - the cast

from ..factories import PASSWORD
from .conftest import PHONE, login, page_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "学院街道 上年度红色物业星级评价"
APPEAL = "检查当天下雨，绿化和保洁的扣分不合理，附现场照片。"
DECISION = "复核现场照片后加 2 分。"
ANSWER = 4  # of 5, to every question


def _fits_phone(page) -> None:
    width = page_width(page)
    assert width <= PHONE["width"], f"{page.url} scrolls sideways on a phone: {width} px wide"


def _templates() -> tuple[Template, Template]:
    # Transactional tests flush the tables, the templates seeded by the data migration included.
    defaults.install(Template, Section, Indicator)
    project = Template.objects.filter(code="property-project").order_by("-version").first()
    committee = Template.objects.filter(code="owners-committee").order_by("-version").first()
    return project, committee


def _png(tmp_path) -> str:
    path = tmp_path / "rain.png"
    Image.new("RGB", (200, 120), (70, 110, 160)).save(path, format="PNG")
    return str(path)


def test_a_campaign_runs_from_the_survey_to_the_published_lists(
    live_server, world, officer, resident, subdistrict_admin, secretary, clerk, company,  # noqa: F811
    committee_member, open_page, settings, tasks_in_process, tmp_path,  # noqa: F811
):
    url = live_server.url
    project_template, committee_template = _templates()
    today = timezone.localdate()

    # 1. The subdistrict admin, at a desk, opens a campaign whose survey runs from today.
    desk = open_page(staff=True, name="admin")
    login(desk, url, subdistrict_admin.phone, PASSWORD)
    with desk.expect_navigation():
        desk.click("nav [data-testid=nav-ratings]")
    with desk.expect_navigation():
        desk.click("[data-testid=open-campaign]")
    form = desk.locator("[data-testid=campaign-form]")
    form.locator("#id_year").fill(str(today.year - 1))
    form.locator("#id_scope").select_option(value="subdistrict")
    expect(form.locator("#id_subdistrict")).to_be_visible()
    expect(form.locator("#id_district")).to_be_hidden()
    form.locator("#id_subdistrict").select_option(value=str(world.s1.pk))
    form.locator("#id_title").fill(TITLE)
    form.locator("#id_project_template").select_option(value=str(project_template.pk))
    form.locator("#id_committee_template").select_option(value=str(committee_template.pk))
    for field, days in (("survey_starts", 0), ("appraisal_starts", 14), ("scoring_starts", 28), ("publication_starts", 35)):
        form.locator(f"#id_{field}").fill((today + datetime.timedelta(days=days)).isoformat())
    form.locator("#id_appeal_days").fill("7")
    with desk.expect_navigation():
        form.locator("button[type=submit]").click()
    campaign = Campaign.objects.get(title=TITLE)
    campaign_url = url + reverse("ratings:detail", args=[campaign.pk])
    assert desk.url == campaign_url
    expect(desk.locator("[data-testid=phase]")).to_have_attribute("data-phase", Phase.SURVEY)
    current = desk.locator("[data-testid=timeline] [data-testid=step][data-state=current]")
    expect(current).to_have_count(1)
    expect(desk.locator("[data-testid=step]").first).to_have_attribute("data-state", "current")
    assert campaign.phase == Phase.SURVEY and campaign.year == today.year - 1
    project = campaign.subjects.get(kind=SubjectKind.PROJECT)
    committee = campaign.subjects.get(kind=SubjectKind.COMMITTEE)
    assert (project.compound, project.company, committee.compound) == (world.a1, company, world.a1)
    assert campaign.subjects.count() == 2  # A1's project and A1's committee; B1 is in the other subdistrict
    a1_row = desk.locator(f"[data-testid=response-row][data-compound='{world.a1.pk}']")
    expect(a1_row.locator("td").nth(3)).to_have_text("0")

    # 2. The resident, on a phone, finds the survey among their tasks and answers every question.
    phone = open_page(name="resident")
    login(phone, url, resident.phone, PASSWORD)
    phone.goto(url + reverse("ratings:list"))
    task = phone.locator(f"[data-testid=survey-task][data-campaign='{campaign.pk}']")
    expect(task).to_have_count(1)
    with phone.expect_navigation():
        task.click()
    assert phone.url.startswith(url + reverse("ratings:survey", args=[campaign.pk]))
    questions = phone.locator("[data-testid=survey-form] [data-testid=question]")
    expected_questions = services.survey_questions(campaign, world.a1.pk)
    expect(questions).to_have_count(len(expected_questions))
    _fits_phone(phone)
    for question in expected_questions:
        box = phone.locator(f"[data-testid=question][data-question='{question.pk}']")
        box.locator(f"label[for=id_q{question.pk}_{ANSWER}]").click()
        expect(box.locator(f"input[value='{ANSWER}']")).to_be_checked()
    _fits_phone(phone)
    with phone.expect_navigation():
        phone.click("[data-testid=survey-submit]")
    expect(phone.locator("[data-testid=already-answered]")).to_be_visible()
    expect(phone.locator("main .alert-success[role=alert]")).to_have_count(1)
    expect(phone.locator("[data-testid=survey-form]")).to_have_count(0)
    _fits_phone(phone)
    ballot = Ballot.objects.get(campaign=campaign)
    assert (ballot.household, ballot.submitted_by) == (world.home, resident)
    assert sorted(ballot.answers.values_list("value", flat=True)) == [ANSWER] * len(expected_questions)

    # …and the admin's campaign page shows A1's answers and a response rate above zero.
    households = Household.objects.filter(building__compound=world.a1).count()
    desk.reload()
    expect(a1_row.locator("td").nth(3)).to_have_text("1")
    expect(a1_row.locator("td").nth(4)).to_have_text(f"{round(100 / households)}%")
    assert round(100 / households) > 0

    # 3. Beat's job moves the campaign into appraisal; the branch secretary enters the appraisal.
    services.campaign_advance(campaign_id=campaign.pk, today=campaign.appraisal_starts)
    campaign.refresh_from_db()
    assert campaign.phase == Phase.APPRAISAL
    sec = open_page(staff=True, name="secretary")
    login(sec, url, secretary.phone, PASSWORD)
    sec.goto(url + reverse("ratings:list"))
    entry_task = sec.locator(f"[data-testid=entry-task][data-subject='{project.pk}']")
    expect(entry_task).to_have_count(1)
    with sec.expect_navigation():
        entry_task.locator("a").click()
    assert sec.url == url + reverse("ratings:entries", args=[project.pk])
    appraisal = list(Indicator.objects.filter(section__template=project_template, source="appraisal"))
    lines = sec.locator("[data-testid=entry-line]")
    expect(lines).to_have_count(len(appraisal))  # the secretary enters the appraisal items only
    for indicator in appraisal:
        line = sec.locator(f"[data-testid=entry-line][data-indicator='{indicator.pk}']")
        expect(line).to_have_attribute("data-source", "appraisal")
        line.locator(f"input[name=v{indicator.pk}]").fill(format(indicator.max_points.normalize(), "f"))
    with sec.expect_navigation():
        sec.click("[data-testid=entries-submit]")
    assert sec.url == url + reverse("ratings:entries", args=[project.pk])
    expect(sec.locator("main .alert-success[role=alert]")).to_have_count(1)
    for indicator in appraisal:
        value = sec.locator(f"[data-testid=entry-line][data-indicator='{indicator.pk}'] input[name=v{indicator.pk}]")
        expect(value).to_have_value(format(indicator.max_points.normalize(), "f"))
    saved = Entry.objects.filter(subject=project, indicator__in=appraisal)
    assert saved.count() == len(appraisal)
    assert all(e.entered_by == secretary and e.value == e.indicator.max_points for e in saved)

    # The community officer's inspection (no defect found) and a red card for the committee.
    for indicator in Indicator.objects.filter(section__template=project_template, source="inspection"):
        services.entry_record(actor=officer, subject=project, indicator=indicator, value=0)
    red = Indicator.objects.get(section__template=committee_template, source="card", config__colour="red")
    services.entry_record(actor=officer, subject=committee, indicator=red, value=1, note="挪用公共收益，拒不整改。")

    # 4. Scoring, chunk by chunk, with the progress on the admin's page. Celery is not eager here,
    #    so entering the phase only enqueues the first chunk, and this test is the worker.
    from governance.celery import app

    settings.RATINGS_CHUNK_SIZE = 1
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        services.campaign_advance(campaign_id=campaign.pk, today=campaign.scoring_starts)
        campaign.refresh_from_db()
        assert campaign.phase == Phase.SCORING
        snap = Snapshot.objects.get(campaign=campaign)
        assert (snap.status, snap.done, snap.total) == (SnapshotStatus.RUNNING, 0, 2)
        desk.goto(campaign_url)
        expect(desk.locator("[data-testid=phase]")).to_have_attribute("data-phase", Phase.SCORING)
        progress = desk.locator("[data-testid=scoring-progress]")
        expect(progress).to_have_attribute("data-status", "running")
        expect(progress.locator("[data-testid=progress-count]")).to_have_text("0 / 2")
        expect(progress.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "0")
        expect(desk.locator("[data-testid=results]")).to_have_count(0)

        assert services.snapshot_score_chunk(snapshot_id=snap.pk) is True  # one of two: more remain
        # The page polls (htmx, every 2 s) and shows the run half done, without a reload.
        expect(progress.locator("[data-testid=progress-count]")).to_have_text("1 / 2")
        expect(progress.locator("[role=progressbar]")).to_have_attribute("aria-valuenow", "50")
        expect(progress.locator("[data-progress]")).to_have_attribute("data-progress", "50")
        expect(progress).to_have_attribute("data-status", "running")
        expect(desk.locator("[data-testid=results]")).to_have_count(0)

        while services.snapshot_score_chunk(snapshot_id=snap.pk):
            pass
    finally:
        app.conf.task_always_eager = eager
    snap.refresh_from_db()
    assert (snap.status, snap.done) == (SnapshotStatus.DONE, 2), snap.error
    # The poll sees the run finished and reloads the page: done, with the results table.
    expect(desk.locator("[data-testid=scoring-progress]")).to_have_attribute("data-status", "done")
    expect(desk.locator("[data-testid=progress-count]")).to_have_text("2 / 2")
    expect(desk.locator("[data-testid=scoring-progress] [role=progressbar]")).to_have_attribute("aria-valuenow", "100")
    rows = desk.locator("[data-testid=results] [data-testid=result-row]")
    expect(rows).to_have_count(2)
    score = Score.objects.get(snapshot=snap, subject=project)
    committee_score = Score.objects.get(snapshot=snap, subject=committee)
    assert (score.computed, score.stars, score.listing) == (Decimal("94.00"), 4, "")
    assert (committee_score.red_card, committee_score.listing) == (True, "black")
    expect(rows.first).to_have_attribute("data-score", str(score.pk))  # best first
    expect(desk.locator(f"[data-testid=result-row][data-score='{score.pk}'] [data-testid=stars]")).to_have_attribute(
        "data-stars", "4"
    )

    # 5. Publication: the clerk, on a phone, opens the breakdown from "my results" and appeals.
    services.campaign_advance(campaign_id=campaign.pk, today=campaign.publication_starts)
    campaign.refresh_from_db()
    assert campaign.phase == Phase.PUBLICATION
    score_url = url + reverse("ratings:score", args=[score.pk])
    mine = open_page(name="clerk")
    login(mine, url, clerk.phone, PASSWORD)
    mine.goto(url + reverse("ratings:list"))
    result = mine.locator(f"[data-testid=my-results] [data-testid=result-row][data-score='{score.pk}']")
    expect(result).to_have_count(1)
    with mine.expect_navigation():
        result.locator("a").click()
    assert mine.url == score_url
    expect(mine.locator("[data-testid=total]")).to_have_text("94.00")
    expect(mine.locator("[data-testid=no-appeals]")).to_have_count(1)
    appeal_form = mine.locator("[data-testid=appeal-form]")
    appeal_form.locator("textarea[name=reason]").fill(APPEAL)
    appeal_form.locator("input[type=file][name=files]").set_input_files(_png(tmp_path))
    with mine.expect_navigation():
        appeal_form.locator("[data-testid=appeal-submit]").click()
    assert mine.url == score_url
    filed = mine.locator("[data-testid=appeal]")
    expect(filed).to_have_count(1)
    expect(filed).to_have_attribute("data-status", "pending")
    expect(filed).to_contain_text(APPEAL)
    expect(filed.locator("[data-testid=attachment-link]")).to_have_count(1)
    expect(mine.locator("[data-testid=appeal-form]")).to_have_count(0)  # one open appeal at a time
    appeal = Appeal.objects.get(score=score)
    assert (appeal.filed_by, appeal.status, appeal.attachments.count()) == (clerk, "pending", 1)
    assert appeal.attachments.get().content_type == "image/jpeg"  # re-encoded

    # The admin opens the score from the campaign's results, sees the appeal and adjusts by +2.
    desk.goto(campaign_url)
    with desk.expect_navigation():
        desk.locator(f"[data-testid=result-row][data-score='{score.pk}'] [data-testid=score-link]").click()
    assert desk.url == score_url
    pending = desk.locator("[data-testid=appeal][data-status=pending]")
    expect(pending).to_contain_text(APPEAL)
    decide = pending.locator("[data-testid=decide-form]")
    decide.locator("input[name=decision][value=adjusted]").check()
    decide.locator("input[name=adjustment]").fill("2")
    decide.locator("textarea[name=decision_reason]").fill(DECISION)
    with desk.expect_navigation():
        decide.locator("button[type=submit]").click()
    assert desk.url == score_url
    expect(desk.locator("[data-testid=appeal]")).to_have_attribute("data-status", "adjusted")
    expect(desk.locator("[data-testid=decide-form]")).to_have_count(0)
    expect(desk.locator("[data-testid=total]")).to_have_text("96.00")
    score.refresh_from_db()
    assert (score.adjustment, score.total, score.stars, score.listing) == (Decimal("2.00"), Decimal("96.00"), 5, "white")

    # The clerk sees the decision and the new total.
    mine.reload()
    decided = mine.locator("[data-testid=appeal]")
    expect(decided).to_have_attribute("data-status", "adjusted")
    expect(decided).to_contain_text(DECISION)
    expect(mine.locator("[data-testid=adjustment]")).to_have_text("2.00")
    expect(mine.locator("[data-testid=total]")).to_have_text("96.00")
    expect(mine.locator("[data-testid=score-summary] [data-testid=listing]")).to_have_attribute("data-listing", "white")
    _fits_phone(mine)

    # 6. Appeals over: final. The admin opens the lists from the campaign page.
    services.campaign_advance(campaign_id=campaign.pk, today=campaign.appeals_end)
    campaign.refresh_from_db()
    assert campaign.phase == Phase.FINAL and campaign.finalised_at is not None
    published = Score.objects.filter(snapshot=campaign.snapshot)
    white = list(published.filter(listing="white").select_related("subject__company", "subject__compound"))
    black = list(published.filter(listing="black").select_related("subject__compound"))
    assert [s.subject for s in white] == [project] and [s.subject for s in black] == [committee]
    desk.goto(campaign_url)
    expect(desk.locator("[data-testid=phase]")).to_have_attribute("data-phase", Phase.FINAL)
    expect(desk.locator("[data-testid=lists] [data-testid=white-list] li")).to_have_count(len(white))
    with desk.expect_navigation():
        desk.click("[data-testid=lists-print-link]")
    assert desk.url == url + reverse("ratings:lists", args=[campaign.pk])
    notice = desk.locator("[data-testid=lists-notice]")
    expect(notice.locator("[data-testid=lists-not-final]")).to_have_count(0)
    white_items = notice.locator("[data-testid=white-list] li")
    black_items = notice.locator("[data-testid=black-list] li")
    expect(white_items).to_have_count(len(white))
    expect(black_items).to_have_count(len(black))
    expect(white_items.first).to_contain_text(company.name)
    expect(white_items.first).to_contain_text(str(white[0].total))
    expect(white_items.first.locator("[data-testid=stars]")).to_have_attribute("data-stars", "5")
    expect(black_items.first).to_contain_text(world.a1.name)
    expect(black_items.first).to_contain_text(str(black[0].total))
