"""The pages of the yearly ratings: who sees what, the survey and entry forms, scoring progress,
results, the breakdown with appeals, the export, history and templates; outsiders get 404 on
every page and method, and nothing changes."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from governance.ratings import services
from governance.ratings.models import (
    Appeal,
    AppealAttachment,
    Ballot,
    Campaign,
    Entry,
    Indicator,
    Phase,
    Score,
    Snapshot,
    SubjectKind,
    Template,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _advance(campaign, day):
    services.campaign_advance(campaign_id=campaign.pk, today=day)
    campaign.refresh_from_db()


def _run(campaign):
    while services.snapshot_score_chunk(snapshot_id=campaign.snapshot_id):
        pass
    campaign.refresh_from_db()


@pytest.fixture
def appraisal(campaign, resident, world):
    questions = services.survey_questions(campaign, world.a1.pk)
    services.survey_submit(actor=resident, campaign=campaign, household=world.home, answers={q.pk: 4 for q in questions})
    _advance(campaign, campaign.appraisal_starts)
    assert campaign.phase == Phase.APPRAISAL
    return campaign


@pytest.fixture
def project(campaign):
    return campaign.subjects.get(kind=SubjectKind.PROJECT)


@pytest.fixture
def scored(appraisal, project, secretary):
    for ind in Indicator.objects.filter(section__template=appraisal.project_template, source="appraisal"):
        services.entry_record(actor=secretary, subject=project, indicator=ind, value="4")
    _advance(appraisal, appraisal.scoring_starts)
    _run(appraisal)
    assert appraisal.phase == Phase.SCORING and appraisal.snapshot.status == "done"
    return appraisal


@pytest.fixture
def published(scored):
    _advance(scored, scored.publication_starts)
    assert scored.phase == Phase.PUBLICATION
    return scored


@pytest.fixture
def score(published, project):
    return Score.objects.get(snapshot_id=published.snapshot_id, subject=project)


@pytest.fixture
def appeal(score, clerk):
    upload = SimpleUploadedFile("记录.pdf", PDF, content_type="application/pdf")
    return services.appeal_file(actor=clerk, score=score, reason="检查记录与实际不符，请复核。", files=[upload])


def _login(client, user):
    client.force_login(user)
    return client


# --- the list -----------------------------------------------------------------------------------


def test_the_list_shows_campaigns_to_those_who_oversee_them(campaign, client, subdistrict_admin, officer):
    page = _login(client, subdistrict_admin).get(reverse("ratings:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-campaign="{campaign.pk}"' in html
    assert 'data-testid="open-campaign"' in html
    page = _login(client, officer).get(reverse("ratings:list"))
    html = page.content.decode()
    assert f'data-campaign="{campaign.pk}"' in html
    assert 'data-testid="open-campaign"' not in html


def test_the_list_shows_my_survey_and_then_that_it_is_answered(campaign, client, resident, world):
    html = _login(client, resident).get(reverse("ratings:list")).content.decode()
    assert 'data-testid="survey-task"' in html and "Answer the survey" in html
    assert 'data-testid="campaigns"' not in html
    questions = services.survey_questions(campaign, world.a1.pk)
    services.survey_submit(actor=resident, campaign=campaign, household=world.home, answers={q.pk: 3 for q in questions})
    html = client.get(reverse("ratings:list")).content.decode()
    assert "answered" in html


def test_the_list_shows_entries_to_the_secretary_during_appraisal(appraisal, project, client, secretary):
    html = _login(client, secretary).get(reverse("ratings:list")).content.decode()
    assert f'data-subject="{project.pk}"' in html


def test_the_list_shows_published_results_to_the_rated_party(score, client, clerk, committee_member):
    html = _login(client, clerk).get(reverse("ratings:list")).content.decode()
    assert f'data-score="{score.pk}"' in html
    html = _login(client, committee_member).get(reverse("ratings:list")).content.decode()
    assert 'data-testid="my-results"' in html and f'data-score="{score.pk}"' not in html


def test_the_list_says_what_to_do_when_empty(campaign, client, stranger):
    page = _login(client, stranger).get(reverse("ratings:list"))
    assert page.status_code == 200
    assert 'data-testid="no-tasks"' in page.content.decode()


def test_the_nav_links_ratings_for_staff_and_people_of_a_compound(campaign, client, officer, resident, stranger):
    assert 'data-testid="nav-ratings"' in _login(client, officer).get(reverse("home")).content.decode()
    assert 'data-testid="nav-ratings"' in _login(client, resident).get(reverse("home")).content.decode()
    assert 'data-testid="nav-ratings"' not in _login(client, stranger).get(reverse("home")).content.decode()


def _list_queries(client, user, django_assert_max_num_queries, n):
    _login(client, user)
    with django_assert_max_num_queries(n):
        assert client.get(reverse("ratings:list")).status_code == 200


def test_the_list_takes_a_bounded_number_of_queries(score, client, subdistrict_admin, resident, clerk, secretary, django_assert_max_num_queries):
    _list_queries(client, subdistrict_admin, django_assert_max_num_queries, 11)
    _list_queries(client, resident, django_assert_max_num_queries, 9)
    _list_queries(client, clerk, django_assert_max_num_queries, 9)
    _list_queries(client, secretary, django_assert_max_num_queries, 9)


def test_the_list_does_not_grow_with_campaigns(score, client, subdistrict_admin, district_admin, rated, django_capture_on_commit_callbacks, django_assert_max_num_queries):
    from tests.ratings.conftest import open_campaign

    _login(client, district_admin)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(reverse("ratings:list"))
    open_campaign(district_admin, rated, year=score.snapshot.campaign.year - 1)
    with CaptureQueriesContext(connection) as after:
        assert client.get(reverse("ratings:list")).status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries)


# --- opening a campaign -------------------------------------------------------------------------


def test_an_admin_opens_a_campaign(rated, client, subdistrict_admin, world):
    page = _login(client, subdistrict_admin).get(reverse("ratings:new"))
    assert page.status_code == 200
    project, committee = Template.objects.get(code="property-project", version=1), Template.objects.get(code="owners-committee", version=1)
    from tests.ratings.conftest import phase_dates

    dates = phase_dates(phase="survey")
    data = {
        "year": dates["survey_starts"].year - 1, "scope": "subdistrict", "subdistrict": world.s1.pk, "title": "",
        "project_template": project.pk, "committee_template": committee.pk, "appeal_days": 7,
        **{k: v.isoformat() for k, v in dates.items() if k != "appeal_days"},
    }
    page = client.post(reverse("ratings:new"), data)
    assert page.status_code == 302, page.content.decode()[:3000]
    campaign = Campaign.objects.get()
    assert page["Location"] == reverse("ratings:detail", args=[campaign.pk])
    assert campaign.subjects.count() == 2
    # The same year again: the service's error, on the year field, and nothing typed is lost.
    page = client.post(reverse("ratings:new"), data)
    assert page.status_code == 400
    assert "already has a campaign" in page.content.decode()
    assert Campaign.objects.count() == 1


def test_only_admins_may_open_a_campaign(rated, client, officer, resident):
    for user in (officer, resident):
        assert _login(client, user).get(reverse("ratings:new")).status_code == 404
        assert client.post(reverse("ratings:new"), {}).status_code == 404


# --- the campaign ------------------------------------------------------------------------------


def test_the_campaign_page_shows_phases_response_and_entry_progress(appraisal, client, subdistrict_admin, officer, world):
    page = _login(client, subdistrict_admin).get(reverse("ratings:detail", args=[appraisal.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="step"') == 5
    assert 'data-state="current"' in html
    assert f'data-compound="{world.a1.pk}"' in html
    assert 'data-testid="inspector-form"' in html
    assert 'data-testid="subjects"' in html
    html = _login(client, officer).get(reverse("ratings:detail", args=[appraisal.pk])).content.decode()
    assert 'data-testid="inspector-form"' not in html


def test_an_admin_assigns_an_inspector(appraisal, client, subdistrict_admin, secretary, world):
    page = _login(client, subdistrict_admin).post(
        reverse("ratings:inspector", args=[appraisal.pk]), {"community": world.a.pk, "phone": secretary.phone}
    )
    assert page.status_code == 302
    assert set(appraisal.subjects.values_list("inspector_id", flat=True)) == {secretary.pk}
    page = client.post(reverse("ratings:inspector", args=[appraisal.pk]), {"community": world.a.pk, "phone": "13000000000"})
    assert page.status_code == 400
    assert "No registered user" in page.content.decode()


def test_an_officer_may_not_assign_inspectors(appraisal, client, officer, secretary, world):
    page = _login(client, officer).post(reverse("ratings:inspector", args=[appraisal.pk]), {"phone": secretary.phone})
    assert page.status_code == 403
    assert not appraisal.subjects.filter(inspector__isnull=False).exists()


def test_scoring_progress_is_polled_while_it_runs(appraisal, client, subdistrict_admin):
    _advance(appraisal, appraisal.scoring_starts)  # starts a run; its chunks wait for the worker
    snap = appraisal.snapshot
    assert snap.status == "running"
    _login(client, subdistrict_admin)
    html = client.get(reverse("ratings:detail", args=[appraisal.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in html
    fragment = client.get(reverse("ratings:progress", args=[appraisal.pk]) + "?poll=1")
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert 'hx-trigger="every 2s"' in text and f"0 / {snap.total}" in text
    assert "HX-Refresh" not in fragment
    _run(appraisal)
    fragment = client.get(reverse("ratings:progress", args=[appraisal.pk]) + "?poll=1")
    text = fragment.content.decode()
    assert "hx-trigger" not in text and f"{snap.total} / {snap.total}" in text
    assert fragment["HX-Refresh"] == "true"


def test_an_admin_scores_again_during_scoring(scored, client, subdistrict_admin, officer):
    page = _login(client, subdistrict_admin).get(reverse("ratings:detail", args=[scored.pk]))
    html = page.content.decode()
    assert 'data-testid="score-now"' in html and 'data-testid="results"' in html
    assert client.post(reverse("ratings:score-now", args=[scored.pk])).status_code == 302
    assert Snapshot.objects.filter(campaign=scored).count() == 2
    assert _login(client, officer).post(reverse("ratings:score-now", args=[scored.pk])).status_code == 403
    assert Snapshot.objects.filter(campaign=scored).count() == 2


def test_score_now_outside_the_scoring_phase_says_why(appraisal, client, subdistrict_admin):
    page = _login(client, subdistrict_admin).post(reverse("ratings:score-now", args=[appraisal.pk]), follow=True)
    assert "during the scoring phase" in page.content.decode()
    assert not Snapshot.objects.filter(campaign=appraisal).exists()


def test_the_results_rank_scores_with_links_to_each_breakdown(score, client, officer, django_assert_max_num_queries):
    _login(client, officer)
    client.get(reverse("ratings:detail", args=[score.snapshot.campaign_id]))
    with django_assert_max_num_queries(14):
        page = client.get(reverse("ratings:detail", args=[score.snapshot.campaign_id]))
    html = page.content.decode()
    assert reverse("ratings:score", args=[score.pk]) in html
    assert 'data-testid="lists"' not in html


def test_the_lists_when_final(score, client, subdistrict_admin):
    campaign = score.snapshot.campaign
    _login(client, subdistrict_admin)
    page = client.get(reverse("ratings:lists", args=[campaign.pk]))
    assert 'data-testid="lists-not-final"' in page.content.decode()
    _advance(campaign, campaign.appeals_end)
    assert campaign.phase == Phase.FINAL
    html = client.get(reverse("ratings:detail", args=[campaign.pk])).content.decode()
    assert 'data-testid="lists"' in html
    page = client.get(reverse("ratings:lists", args=[campaign.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="lists-notice"' in html
    assert campaign.subdistrict.name in html and str(campaign.year) in html


def test_the_export_opens_with_openpyxl_and_defuses_formulas(score, client, subdistrict_admin):
    company = score.subject.company
    company.name = "=HYPERLINK(\"http://evil\")"
    company.save()
    page = _login(client, subdistrict_admin).get(reverse("ratings:export", args=[score.snapshot.campaign_id]))
    assert page.status_code == 200
    assert "attachment" in page["Content-Disposition"]
    book = load_workbook(BytesIO(page.content))
    results, breakdown = book.worksheets
    rows = list(results.iter_rows(values_only=True))
    assert len(rows) == 1 + Score.objects.filter(snapshot_id=score.snapshot_id).count()
    assert any(cell == "'" + company.name for row in rows for cell in row)
    assert not any(isinstance(cell, str) and cell.startswith("=") for row in rows for cell in row)
    lines = list(breakdown.iter_rows(values_only=True))
    assert len(lines) > 20


# --- the survey ---------------------------------------------------------------------------------


def test_a_resident_answers_the_survey_once(campaign, client, resident, world):
    url = reverse("ratings:survey", args=[campaign.pk])
    page = _login(client, resident).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    questions = services.survey_questions(campaign, world.a1.pk)
    assert html.count('data-testid="question"') == len(questions)
    assert "Very poor" in html and "Very good" in html
    # A missing answer: refused with the question's error, nothing saved.
    partial = {"household": world.home.pk, **{f"q{q.pk}": 5 for q in questions[1:]}}
    page = client.post(url, partial)
    assert page.status_code == 400 and not Ballot.objects.exists()
    assert "Answer this question" in page.content.decode()
    answers = {"household": world.home.pk, **{f"q{q.pk}": 5 for q in questions}}
    page = client.post(url, answers)
    assert page.status_code == 302
    ballot = Ballot.objects.get()
    assert ballot.household == world.home and ballot.answers.count() == len(questions)
    html = client.get(url).content.decode()
    assert 'data-testid="already-answered"' in html and 'data-testid="survey-form"' not in html
    page = client.post(url, answers)
    assert page.status_code == 400
    assert "already answered this survey" in page.content.decode()
    assert Ballot.objects.count() == 1


def test_the_survey_when_not_open_says_so(appraisal, client, neighbour):
    page = _login(client, neighbour).get(reverse("ratings:survey", args=[appraisal.pk]))
    assert page.status_code == 200
    assert 'data-testid="survey-closed"' in page.content.decode()


def test_people_without_a_verified_household_there_get_404_on_the_survey(campaign, client, officer, secretary, clerk):
    url = reverse("ratings:survey", args=[campaign.pk])
    for user in (officer, secretary, clerk):
        assert _login(client, user).get(url).status_code == 404
        assert client.post(url, {}).status_code == 404
    assert not Ballot.objects.exists()


# --- entries ------------------------------------------------------------------------------------


def test_the_secretary_enters_the_appraisal(appraisal, project, client, secretary):
    url = reverse("ratings:entries", args=[project.pk])
    page = _login(client, secretary).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    appraisal_items = list(Indicator.objects.filter(section__template=appraisal.project_template, source="appraisal"))
    assert html.count('data-testid="entry-line"') == len(appraisal_items)
    assert 'data-source="inspection"' not in html
    first, second, third = appraisal_items
    page = client.post(url, {f"v{first.pk}": "4", f"v{second.pk}": "99", f"v{third.pk}": "", f"n{first.pk}": "按时参会"})
    assert page.status_code == 400
    assert "At most" in page.content.decode()
    assert Entry.objects.get(subject=project, indicator=first).value == Decimal("4")
    assert not Entry.objects.filter(indicator=second).exists()
    page = client.post(url, {f"v{first.pk}": "4", f"n{first.pk}": "按时参会", f"v{second.pk}": "3.5", f"v{third.pk}": "5"})
    assert page.status_code == 302
    assert Entry.objects.filter(subject=project).count() == 3


def test_an_admin_enters_inspections_and_cards(appraisal, project, client, subdistrict_admin):
    url = reverse("ratings:entries", args=[project.pk])
    page = _login(client, subdistrict_admin).get(url)
    html = page.content.decode()
    assert 'data-source="inspection"' in html and 'data-source="card"' in html
    card = Indicator.objects.get(section__template=appraisal.project_template, code="card-yellow")
    page = client.post(url, {f"v{card.pk}": "1"})
    assert page.status_code == 400 and "Say why the card is given" in page.content.decode()
    page = client.post(url, {f"v{card.pk}": "1", f"n{card.pk}": "消防通道堵塞"})
    assert page.status_code == 302
    assert Entry.objects.get(indicator=card).note == "消防通道堵塞"


def test_the_rated_party_cannot_see_the_entries(appraisal, project, client, clerk, resident):
    url = reverse("ratings:entries", args=[project.pk])
    for user in (clerk, resident):
        assert _login(client, user).get(url).status_code == 404
        assert client.post(url, {}).status_code == 404


def test_entries_after_their_phase_are_read_only(scored, project, client, secretary):
    page = _login(client, secretary).get(reverse("ratings:entries", args=[project.pk]))
    assert 'data-testid="entries-closed"' in page.content.decode()
    before = Entry.objects.count()
    ind = Indicator.objects.filter(section__template=scored.project_template, source="appraisal").first()
    client.post(reverse("ratings:entries", args=[project.pk]), {f"v{ind.pk}": "1"})
    assert Entry.objects.count() == before


# --- a score ------------------------------------------------------------------------------------


def test_the_breakdown_shows_the_data_behind_each_line(score, client, resident, subdistrict_admin):
    page = _login(client, subdistrict_admin).get(reverse("ratings:score", args=[score.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="line"') == Indicator.objects.filter(section__template=score.snapshot.campaign.project_template).count()
    assert "average 4.00 of 5 from 1 answers" in html
    assert f'data-rule="{score.rule}"' in html
    assert "version 1" in html
    assert "王书记" in html  # who entered the appraisal
    assert 'data-testid="appeal-form"' not in html
    page = _login(client, resident).get(reverse("ratings:score", args=[score.pk]))
    assert page.status_code == 200


def test_a_score_before_publication_is_for_overseers_only(scored, project, client, officer, clerk, secretary, resident):
    score = Score.objects.get(snapshot_id=scored.snapshot_id, subject=project)
    url = reverse("ratings:score", args=[score.pk])
    assert _login(client, officer).get(url).status_code == 200
    for user in (clerk, secretary, resident):
        assert _login(client, user).get(url).status_code == 404


def test_the_company_appeals_and_the_admin_decides(score, client, clerk, subdistrict_admin):
    url = reverse("ratings:score", args=[score.pk])
    html = _login(client, clerk).get(url).content.decode()
    assert 'data-testid="appeal-form"' in html
    page = client.post(reverse("ratings:appeal", args=[score.pk]), {"reason": "太短"})
    assert page.status_code == 400 and not Appeal.objects.exists()
    upload = SimpleUploadedFile("照片.pdf", PDF, content_type="application/pdf")
    page = client.post(reverse("ratings:appeal", args=[score.pk]), {"reason": "绿化检查当天下雨，扣分不合理。", "files": [upload]})
    assert page.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.attachments.count() == 1
    html = client.get(url).content.decode()
    assert 'data-testid="appeal-form"' not in html  # one pending appeal at a time
    assert 'data-testid="decide-form"' not in html
    assert client.post(reverse("ratings:appeal-decide", args=[appeal.pk]), {"decision": "upheld", "decision_reason": "x"}).status_code == 403
    _login(client, subdistrict_admin)
    assert 'data-testid="decide-form"' in client.get(url).content.decode()
    page = client.post(reverse("ratings:appeal-decide", args=[appeal.pk]), {"decision": "adjusted", "decision_reason": "复核后加 2 分"})
    assert page.status_code == 400 and "changes the score by some points" in page.content.decode()
    page = client.post(
        reverse("ratings:appeal-decide", args=[appeal.pk]), {"decision": "adjusted", "adjustment": "2", "decision_reason": "复核后加 2 分"}
    )
    assert page.status_code == 302
    score.refresh_from_db()
    assert score.total == score.computed + 2
    html = client.get(url).content.decode()
    assert 'data-testid="history-row"' in html and 'data-status="adjusted"' in html


def test_attachments_are_served_to_those_who_see_the_score(appeal, client, subdistrict_admin, b_clerk, stranger):
    attachment = AppealAttachment.objects.get()
    url = reverse("ratings:attachment", args=[attachment.pk])
    page = _login(client, subdistrict_admin).get(url)
    assert page.status_code == 200
    assert b"".join(page.streaming_content).startswith(b"%PDF")
    for user in (b_clerk, stranger):
        assert _login(client, user).get(url).status_code == 404


# --- history ------------------------------------------------------------------------------------


def test_company_history_for_its_staff_and_overseers(score, client, clerk, officer, resident, b_clerk, other_officer):
    url = reverse("ratings:company-history", args=[score.subject.company_id])
    for user in (clerk, officer):
        page = _login(client, user).get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert 'id="ratings-chart-data"' in html and f'data-score="{score.pk}"' in html
    for user in (resident, b_clerk, other_officer):
        assert _login(client, user).get(url).status_code == 404


def test_committee_history_for_residents_seat_holders_and_overseers(published, client, resident, committee_member, officer, b_resident, clerk, world):
    url = reverse("ratings:committee-history", args=[world.a1.pk])
    committee_score = Score.objects.get(snapshot_id=published.snapshot_id, subject__kind=SubjectKind.COMMITTEE)
    for user in (resident, committee_member, officer):
        page = _login(client, user).get(url)
        assert page.status_code == 200
        assert f'data-score="{committee_score.pk}"' in page.content.decode()
    for user in (b_resident, clerk):
        assert _login(client, user).get(url).status_code == 404


def test_who_serves_us_shows_the_latest_published_stars(score, client, resident, world):
    html = _login(client, resident).get(reverse("dashboards:who-serves-us", args=[world.a1.pk])).content.decode()
    assert 'data-testid="rating"' in html and reverse("ratings:score", args=[score.pk]) in html


def test_who_serves_us_without_published_ratings(campaign, client, resident, world):
    html = _login(client, resident).get(reverse("dashboards:who-serves-us", args=[world.a1.pk])).content.decode()
    assert 'data-testid="no-ratings"' in html


# --- templates ----------------------------------------------------------------------------------


def test_templates_for_admins_only(campaign, client, subdistrict_admin, officer, resident):
    frozen = campaign.project_template
    assert _login(client, subdistrict_admin).get(reverse("ratings:templates")).status_code == 200
    assert client.get(reverse("ratings:template", args=[frozen.pk])).status_code == 200
    for user in (officer, resident):
        _login(client, user)
        assert client.get(reverse("ratings:templates")).status_code == 404
        assert client.get(reverse("ratings:template", args=[frozen.pk])).status_code == 404
        assert client.post(reverse("ratings:template-new-version", args=[frozen.pk])).status_code == 404
    assert Template.objects.filter(code=frozen.code).count() == 1


def test_an_admin_makes_and_edits_a_new_version(campaign, client, subdistrict_admin):
    frozen = campaign.project_template
    _login(client, subdistrict_admin)
    page = client.post(reverse("ratings:template", args=[frozen.pk]), {"name": "x", "star_bands": "50,1"}, follow=True)
    assert "can no longer change" in page.content.decode()
    page = client.post(reverse("ratings:template-new-version", args=[frozen.pk]))
    copy = Template.objects.get(code=frozen.code, version=2)
    assert page["Location"] == reverse("ratings:template", args=[copy.pk])
    settings = {
        "name": copy.name, "description": "", "star_bands": "55,1；65,2;75,3;85,4;95,5", "bonus_cap": "10",
        "renew_min_stars": 3, "rectify_days": 60, "white_list_stars": 5, "black_list_starless_years": 2,
    }
    assert client.post(reverse("ratings:template", args=[copy.pk]), settings).status_code == 302
    copy.refresh_from_db()
    assert copy.star_bands[0] == [55.0, 1] and copy.bonus_cap == Decimal("10")
    page = client.post(reverse("ratings:template", args=[copy.pk]), {**settings, "star_bands": "60,3;70,1"})
    assert page.status_code == 400 and "Stars must rise" in page.content.decode()
    metric = Indicator.objects.get(section__template=copy, code="response")
    page = client.post(reverse("ratings:template", args=[copy.pk]), {"indicator": metric.pk, "max_points": "5", "thresholds": "95:5, 90:4，80:2", "guidance": ""})
    assert page.status_code == 302
    metric.refresh_from_db()
    assert metric.max_points == Decimal("5") and metric.config["thresholds"] == [[95.0, 5.0], [90.0, 4.0], [80.0, 2.0]]
    page = client.post(reverse("ratings:template", args=[copy.pk]), {"indicator": metric.pk, "max_points": "3", "thresholds": "95:5"})
    assert page.status_code == 400 and "cannot earn more than the indicator" in page.content.decode()


# --- outsiders ----------------------------------------------------------------------------------


def _urls(appeal):
    score = appeal.score
    campaign = score.snapshot.campaign
    subject = score.subject
    attachment = appeal.attachments.get()
    return [
        ("get", reverse("ratings:detail", args=[campaign.pk])),
        ("post", reverse("ratings:detail", args=[campaign.pk])),
        ("get", reverse("ratings:progress", args=[campaign.pk])),
        ("post", reverse("ratings:score-now", args=[campaign.pk])),
        ("get", reverse("ratings:score-now", args=[campaign.pk])),
        ("post", reverse("ratings:inspector", args=[campaign.pk])),
        ("get", reverse("ratings:lists", args=[campaign.pk])),
        ("get", reverse("ratings:export", args=[campaign.pk])),
        ("get", reverse("ratings:survey", args=[campaign.pk])),
        ("post", reverse("ratings:survey", args=[campaign.pk])),
        ("get", reverse("ratings:entries", args=[subject.pk])),
        ("post", reverse("ratings:entries", args=[subject.pk])),
        ("get", reverse("ratings:score", args=[score.pk])),
        ("post", reverse("ratings:score", args=[score.pk])),
        ("post", reverse("ratings:appeal", args=[score.pk])),
        ("get", reverse("ratings:appeal", args=[score.pk])),
        ("post", reverse("ratings:appeal-decide", args=[appeal.pk])),
        ("get", reverse("ratings:attachment", args=[attachment.pk])),
        ("get", reverse("ratings:company-history", args=[subject.company_id])),
        ("get", reverse("ratings:committee-history", args=[subject.compound_id])),
        ("get", reverse("ratings:templates")),
        ("get", reverse("ratings:template", args=[campaign.project_template_id])),
        ("post", reverse("ratings:template", args=[campaign.project_template_id])),
        ("post", reverse("ratings:template-new-version", args=[campaign.project_template_id])),
        ("get", reverse("ratings:new")),
        ("post", reverse("ratings:new")),
    ]


def _state():
    return (
        Appeal.objects.count(), Appeal.objects.filter(status="pending").count(), Ballot.objects.count(), Entry.objects.count(),
        Snapshot.objects.count(), Template.objects.count(), Campaign.objects.count(),
        list(Score.objects.order_by("pk").values_list("total", flat=True)),
    )


@pytest.mark.parametrize("who", ["b_resident", "other_officer", "outside_clerk", "b_clerk", "stranger"])
def test_outsiders_get_404_on_every_page_and_method(appeal, client, who, request):
    user = request.getfixturevalue(who)
    _login(client, user)
    before = _state()
    for method, url in _urls(appeal):
        data = {"reason": "x" * 20, "decision": "upheld", "decision_reason": "x", "phone": "13900001111", "name": "x", "star_bands": "1,1"}
        page = getattr(client, method)(url, data) if method == "post" else client.get(url)
        assert page.status_code == 404, (who, method, url, page.status_code)
    assert _state() == before


def test_anonymous_visitors_are_sent_to_log_in(appeal, client):
    for method, url in _urls(appeal):
        page = getattr(client, method)(url)
        assert page.status_code == 302 and "login" in page["Location"], url
