"""The ratings' services against issue 7's acceptance points: who may open a campaign and what it
enrols, the household survey, appraisal and inspection entries, appeals with their attachments,
the final phase's flags, and reminders that are sent once however often the job runs.

Every refusal is tried by someone of the named cast and followed by a check that nothing changed.
"""

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from committees import services as committee_services
from committees.models import BodyKind, PropertyContract
from compounds import services as place_services
from governance.accounts.models import Notification
from governance.accounts.roles import Role
from governance.ratings import services
from governance.ratings.models import (
    Answer,
    Appeal,
    AppealAttachment,
    Ballot,
    Campaign,
    Entry,
    Phase,
    Score,
    Subject,
    SubjectKind,
    Template,
)
from tests import factories
from tests.committees.factories import CompanyFactory, active_contract
from tests.issues.factories import pixel_flood_png

from .conftest import open_campaign, phase_dates, templates
from .factories import (
    answers,
    committee,
    enter,
    household_member,
    indicator,
    pdf,
    png,
    project,
    shift_dates,
    text_as_pdf,
    to_phase,
)

APPRAISAL_CODES = ("appraisal-lead", "appraisal-meetings", "appraisal-disclosure")
INSPECTION_CODES = ("inspect-service", "inspect-order", "inspect-sanitation", "inspect-greening", "inspect-maintenance")


def message(exc) -> str:
    return " ".join(exc.value.messages)


def notes(kind, user=None):
    qs = Notification.objects.filter(kind=kind)
    return qs.filter(user=user).count() if user is not None else qs.count()


@pytest.fixture
def s2_admin(world):
    user = factories.UserFactory(username="s2_admin")
    place_services.role_grant(user=user, role=Role.SUBDISTRICT_ADMIN, scope=world.s2)
    return user


@pytest.fixture
def inspector(campaign, subdistrict_admin):
    user = factories.UserFactory(username="inspector", display_name="检查员")
    assert services.inspector_assign(actor=subdistrict_admin, campaign=campaign, user=user) == 2
    return user


@pytest.fixture
def appraising(campaign, inspector, django_capture_on_commit_callbacks):
    return to_phase(campaign, Phase.APPRAISAL, django_capture_on_commit_callbacks)


@pytest.fixture
def published(campaign, world, resident, secretary, inspector, django_capture_on_commit_callbacks):
    """A1's project scored 91.00 and published: no issues (each figure its maximum, 4 + 6 + 5 + 3
    + 2 = 20), one ballot of 4s (5 × 6 × 4 / 5 = 24), appraisal 3 × 4 = 12, no defect found (35)."""
    services.survey_submit(actor=resident, campaign=campaign, household=world.home, answers=answers(campaign, world.a1))
    to_phase(campaign, Phase.APPRAISAL, django_capture_on_commit_callbacks)
    enter(campaign, secretary, project(campaign), dict.fromkeys(APPRAISAL_CODES, "4"))
    enter(campaign, inspector, project(campaign), dict.fromkeys(INSPECTION_CODES, "0"))
    enter(campaign, secretary, committee(campaign), dict.fromkeys(APPRAISAL_CODES, "8"))
    return to_phase(campaign, Phase.PUBLICATION, django_capture_on_commit_callbacks)


def project_score(campaign) -> Score:
    return Score.objects.get(snapshot_id=campaign.snapshot_id, subject=project(campaign))


def committee_score(campaign) -> Score:
    return Score.objects.get(snapshot_id=campaign.snapshot_id, subject=committee(campaign))


# --- opening a campaign ---------------------------------------------------------------------------


def test_the_subdistrict_admin_opens_a_campaign_that_freezes_its_templates_and_enrols_a1(
    rated, subdistrict_admin, tasks_in_process, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        campaign = open_campaign(subdistrict_admin, rated)
    campaign.refresh_from_db()

    assert (campaign.scope, campaign.subdistrict, campaign.district) == ("subdistrict", rated.s1, rated.district)
    assert campaign.phase == Phase.SURVEY  # the job ran on commit: the survey opens today
    assert campaign.created_by == subdistrict_admin
    assert all(t.frozen for t in Template.objects.filter(version=1))


@pytest.mark.parametrize("who", ["s2_admin", "officer", "resident", "clerk", "stranger"])
def test_nobody_but_an_admin_of_the_place_may_open_a_campaign_and_nothing_is_created(
    who, rated, request, django_capture_on_commit_callbacks
):
    actor = request.getfixturevalue(who)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(PermissionDenied):
        open_campaign(actor, rated)

    assert callbacks == []
    assert Campaign.objects.count() == 0
    assert Subject.objects.count() == 0
    assert not Template.objects.filter(frozen_at__isnull=False).exists()


def test_an_admin_of_the_district_may_open_a_campaign_of_s1_too(rated, district_admin, django_capture_on_commit_callbacks):
    campaign = open_campaign(district_admin, rated)

    assert campaign.subdistrict == rated.s1


@pytest.mark.parametrize(
    "dates",
    [
        {"appraisal_starts": "survey_starts"},  # the same day
        {"scoring_starts": "appraisal_starts"},
        {"publication_starts": "survey_starts"},  # before the scoring
    ],
)
def test_phases_out_of_order_are_refused_and_nothing_is_created(dates, rated, subdistrict_admin):
    base = phase_dates()
    changed = {field: base[other] for field, other in dates.items()}

    with pytest.raises(ValidationError) as refused:
        open_campaign(subdistrict_admin, rated, dates=changed)

    assert "The phases must follow each other" in message(refused)
    assert Campaign.objects.count() == 0
    assert Subject.objects.count() == 0
    assert not Template.objects.filter(frozen_at__isnull=False).exists()


def test_a_place_has_one_campaign_per_year(campaign, rated, subdistrict_admin, district_admin):
    with pytest.raises(ValidationError) as refused:
        open_campaign(district_admin, rated, year=campaign.year)

    assert f"This place already has a campaign for {campaign.year}." in message(refused)
    assert Campaign.objects.count() == 1
    assert Subject.objects.count() == 2

    earlier = open_campaign(subdistrict_admin, rated, year=campaign.year - 1)
    assert Campaign.objects.count() == 2
    assert earlier.subjects.count() == 2


def test_a_template_in_use_cannot_change_and_its_next_version_can(campaign, subdistrict_admin):
    v1, _committee_template = templates()
    assert v1.frozen
    lead = v1.sections.get(order=2).indicators.get(code="appraisal-lead")

    with pytest.raises(ValidationError) as refused:
        services.template_update(actor=subdistrict_admin, template=v1, name="改过的名字", bonus_cap="20")
    assert "used by a campaign and can no longer change" in message(refused)
    with pytest.raises(ValidationError):
        services.indicator_update(actor=subdistrict_admin, indicator=lead, max_points="9", config={})

    v2 = services.template_new_version(actor=subdistrict_admin, template=v1)
    assert (v2.code, v2.version, v2.frozen) == (v1.code, 2, False)
    services.template_update(actor=subdistrict_admin, template=v2, name="2027 版", bonus_cap="20")
    v2_lead = v2.sections.get(order=2).indicators.get(code="appraisal-lead")
    services.indicator_update(actor=subdistrict_admin, indicator=v2_lead, max_points="9", config={})

    v1.refresh_from_db()
    lead.refresh_from_db()
    assert (v1.name, v1.bonus_cap, lead.max_points) == ("红色物业星级评价（物业服务项目）", Decimal("15.00"), Decimal("5.00"))
    v2.refresh_from_db()
    assert (v2.name, v2.bonus_cap) == ("2027 版", Decimal("20.00"))
    assert [i.code for s in v2.sections.all() for i in s.indicators.all()] == [
        i.code for s in v1.sections.all() for i in s.indicators.all()
    ]
    assert campaign.project_template_id == v1.pk


def test_a_new_version_needs_an_admin(campaign, officer):
    v1, _ = templates()

    with pytest.raises(PermissionDenied):
        services.template_new_version(actor=officer, template=v1)
    assert Template.objects.filter(code=v1.code).count() == 1


def test_enrolment_takes_only_contracts_in_force_and_committees_in_office_within_the_scope(
    rated, company, subdistrict_admin, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    make = lambda code: factories.CompoundFactory(community=rated.a, code=code, name=code)  # noqa: E731
    signed_only, ended, old_committee, dissolved, interim = make("WA2"), make("WA3"), make("WA4"), make("WA5"), make("WA6")
    # A contract signed but not yet begun; a contract that ended.
    committee_services.contract_create(
        actor=None, compound=signed_only, company=CompanyFactory(), starts_on=today + timedelta(days=30),
        ends_on=today + timedelta(days=400), fee_per_m2=Decimal("1.00"),
    )
    gone = active_contract(ended, CompanyFactory())
    committee_services.contract_end(actor=None, contract=gone, reason="合同解除")
    # A committee whose term is over, one dissolved, and a body that is not an owners' committee.
    committee_services.committee_create(
        actor=None, compound=old_committee, kind=BodyKind.OWNERS_COMMITTEE, term_start=date(2018, 1, 1), term_end=date(2021, 1, 1)
    )
    d = committee_services.committee_create(
        actor=None, compound=dissolved, kind=BodyKind.OWNERS_COMMITTEE, term_start=date(2024, 1, 1), term_end=date(2029, 1, 1)
    )
    committee_services.committee_dissolve(actor=None, committee=d)
    committee_services.committee_create(
        actor=None, compound=interim, kind=BodyKind.INTERIM_COMMITTEE, term_start=date(2024, 1, 1), term_end=date(2029, 1, 1)
    )
    # Out of scope: B1 (subdistrict 2) has a contract in force (b_company) and a committee in office.
    committee_services.committee_create(
        actor=None, compound=rated.b1, kind=BodyKind.OWNERS_COMMITTEE, term_start=date(2024, 1, 1), term_end=date(2029, 1, 1)
    )

    campaign = open_campaign(subdistrict_admin, rated)

    enrolled = sorted(campaign.subjects.values_list("kind", "compound__code", "company__name"))
    assert enrolled == [("committee", "WA1", None), ("project", "WA1", company.name)]
    assert project(campaign).contract == PropertyContract.objects.get(compound=rated.a1)


# --- the household survey -------------------------------------------------------------------------


def test_a_verified_resident_answers_every_question_once_for_the_household(campaign, resident, world):
    ballot = services.survey_submit(actor=resident, campaign=campaign, household=world.home, answers=answers(campaign, world.a1))

    assert (ballot.household, ballot.compound, ballot.submitted_by) == (world.home, world.a1, resident)
    assert Answer.objects.filter(ballot=ballot).count() == 8  # 5 about the project, 3 about the committee


@pytest.mark.parametrize("decision", ["pending", "rejected"])
def test_a_claim_not_verified_gives_no_ballot(decision, campaign, world, officer):
    claimant = factories.UserFactory(username="claimant")
    household = world.households[("WA1", "2 号楼", "102")]
    residency = place_services.residency_claim(user=claimant, household=household, relation="tenant")
    if decision == "rejected":
        place_services.residency_reject(actor=officer, residency=residency, reason="材料不全")

    with pytest.raises(PermissionDenied):
        services.survey_submit(actor=claimant, campaign=campaign, household=household, answers=answers(campaign, world.a1))
    assert Ballot.objects.count() == 0


@pytest.mark.parametrize("who, household", [("b_resident", "b_home"), ("resident", "next_door"), ("stranger", "home")])
def test_nobody_answers_for_a_household_not_verified_as_theirs(who, household, campaign, world, request, b_resident):
    with pytest.raises(PermissionDenied):
        services.survey_submit(
            actor=request.getfixturevalue(who), campaign=campaign, household=getattr(world, household),
            answers=answers(campaign, world.a1),
        )
    assert Ballot.objects.count() == 0


@pytest.mark.parametrize("bad", [0, 6, -1, "x", None, ""])
def test_answers_are_whole_numbers_from_one_to_five(bad, campaign, resident, world):
    given = answers(campaign, world.a1)
    given[next(iter(given))] = bad

    with pytest.raises(ValidationError):
        services.survey_submit(actor=resident, campaign=campaign, household=world.home, answers=given)
    assert Ballot.objects.count() == 0
    assert Answer.objects.count() == 0


def test_every_question_must_be_answered(campaign, resident, world):
    given = answers(campaign, world.a1)
    skipped = list(given)[-1]
    del given[skipped]

    with pytest.raises(ValidationError) as refused:
        services.survey_submit(actor=resident, campaign=campaign, household=world.home, answers=given)
    assert f"q{skipped}" in refused.value.message_dict
    assert Ballot.objects.count() == 0


def test_the_survey_is_answered_in_its_phase_only(campaign, resident, world, django_capture_on_commit_callbacks):
    to_phase(campaign, Phase.APPRAISAL, django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError) as refused:
        services.survey_submit(actor=resident, campaign=campaign, household=world.home, answers=answers(campaign, world.a1))
    assert "The survey of this campaign is not open." in message(refused)
    assert Ballot.objects.count() == 0


def test_a_second_ballot_of_the_household_is_refused_even_from_another_member(campaign, resident, world, officer):
    spouse = household_member(world.home, officer, username="spouse")
    services.survey_submit(actor=resident, campaign=campaign, household=world.home, answers=answers(campaign, world.a1))

    with pytest.raises(ValidationError) as refused:
        services.survey_submit(
            actor=spouse, campaign=campaign, household=world.home, answers=answers(campaign, world.a1, default=1)
        )

    assert "Your household has already answered this survey; one answer per household." in message(refused)
    assert Ballot.objects.count() == 1
    assert Answer.objects.count() == 8
    assert set(Answer.objects.values_list("value", flat=True)) == {4}


# --- appraisal and inspection entries -------------------------------------------------------------


@pytest.fixture
def a2(rated):
    """A second compound of community A (subdistrict 1) with its own company: not the secretary's."""
    compound = factories.CompoundFactory(community=rated.a, code="WA2", name="桃花苑")
    active_contract(compound, CompanyFactory(name="桃花物业"))
    return compound


@pytest.fixture
def appraising_with_a2(a2, rated, subdistrict_admin, django_capture_on_commit_callbacks, tasks_in_process):
    with django_capture_on_commit_callbacks(execute=True):
        campaign = open_campaign(subdistrict_admin, rated)
    return to_phase(campaign, Phase.APPRAISAL, django_capture_on_commit_callbacks)


def test_the_secretary_enters_the_appraisal_of_his_compound_only(appraising_with_a2, secretary, a2):
    campaign = appraising_with_a2
    lead = indicator(campaign, SubjectKind.PROJECT, "appraisal-lead")

    entry = services.entry_record(actor=secretary, subject=project(campaign), indicator=lead, value="4.5")
    committee_lead = indicator(campaign, SubjectKind.COMMITTEE, "appraisal-lead")
    services.entry_record(actor=secretary, subject=committee(campaign), indicator=committee_lead, value="9")

    assert (entry.value, entry.entered_by) == (Decimal("4.5"), secretary)
    with pytest.raises(PermissionDenied):
        services.entry_record(actor=secretary, subject=project(campaign, a2), indicator=lead, value="4")
    assert Entry.objects.count() == 2


@pytest.mark.parametrize("code", ["inspect-service", "bonus-station", "card-yellow"])
def test_the_secretary_may_not_enter_inspections_bonuses_or_cards(code, appraising, secretary):
    with pytest.raises(PermissionDenied):
        services.entry_record(
            actor=secretary, subject=project(appraising), indicator=indicator(appraising, "project", code), value="1", note="x"
        )
    assert Entry.objects.count() == 0


@pytest.mark.parametrize("who", ["inspector", "officer", "subdistrict_admin"])
def test_the_inspector_and_the_officer_enter_inspections_bonuses_and_cards(who, appraising, request):
    actor = request.getfixturevalue(who)
    subject = project(appraising)

    enter(appraising, actor, subject, {"inspect-order": "3", "bonus-station": "4.5", "card-yellow": "1"}, {"card-yellow": "消防通道堵塞"})

    assert dict(Entry.objects.values_list("indicator__code", "value")) == {
        "inspect-order": Decimal("3"), "bonus-station": Decimal("4.5"), "card-yellow": Decimal("1"),
    }
    assert set(Entry.objects.values_list("entered_by", flat=True)) == {actor.pk}


@pytest.mark.parametrize("who", ["clerk", "other_officer", "resident", "stranger", "b_clerk", "committee_member"])
def test_nobody_else_enters_anything(who, appraising, request):
    actor = request.getfixturevalue(who)
    for code in ("appraisal-lead", "inspect-order", "bonus-station", "card-red"):
        with pytest.raises(PermissionDenied):
            services.entry_record(
                actor=actor, subject=project(appraising), indicator=indicator(appraising, "project", code), value="1",
                note="违规",
            )
    assert Entry.objects.count() == 0


def test_a_second_assigned_inspector_sees_only_what_was_assigned(appraising, subdistrict_admin):
    other = factories.UserFactory(username="inspector2")
    services.inspector_assign(actor=subdistrict_admin, campaign=appraising, user=other, subjects=[committee(appraising)])

    services.entry_record(
        actor=other, subject=committee(appraising), indicator=indicator(appraising, "committee", "inspect-records"), value="2"
    )
    with pytest.raises(PermissionDenied):
        services.entry_record(
            actor=other, subject=project(appraising), indicator=indicator(appraising, "project", "inspect-order"), value="2"
        )
    assert Entry.objects.count() == 1


@pytest.mark.parametrize(
    "code, value, note, error",
    [
        ("appraisal-lead", "5.01", "", "At most 5.00 points."),
        ("bonus-station", "5.5", "", "At most 5.00 points."),
        ("appraisal-lead", "-1", "", "Enter zero or more."),
        ("appraisal-lead", "abc", "", "Enter a number."),
        ("inspect-order", "1.5", "", "Enter a whole number."),
        ("card-yellow", "1.5", "违规", "Enter a whole number."),
        ("card-red", "2", "违规", "A red card is given once (1) or not at all (0)."),
        ("card-yellow", "1", "", "Say why the card is given."),
        ("card-red", "1", "   ", "Say why the card is given."),
    ],
)
def test_entries_are_refused_beyond_their_rules(code, value, note, error, appraising, subdistrict_admin):
    with pytest.raises(ValidationError) as refused:
        services.entry_record(
            actor=subdistrict_admin, subject=project(appraising), indicator=indicator(appraising, "project", code), value=value, note=note
        )
    assert error in message(refused)
    assert Entry.objects.count() == 0


@pytest.mark.parametrize(
    "code, value",
    [
        ("appraisal-lead", "NaN"),
        ("inspect-order", "sNaN"),
        ("card-yellow", "NaN"),
        ("inspect-order", "Infinity"),
        ("bonus-station", "Infinity"),
        ("inspect-order", "1e9"),
        ("card-yellow", "10000"),
    ],
)
def test_entries_that_are_not_finite_numbers_or_beyond_any_count_are_refused(code, value, appraising, subdistrict_admin):
    with pytest.raises(ValidationError):
        services.entry_record(
            actor=subdistrict_admin, subject=project(appraising), indicator=indicator(appraising, "project", code),
            value=value, note="违规",
        )
    assert Entry.objects.count() == 0


def test_entries_at_their_limits_are_accepted(appraising, subdistrict_admin):
    enter(
        appraising, subdistrict_admin, project(appraising),
        {"appraisal-lead": "5", "bonus-honour": "5.00", "inspect-order": "12", "card-red": "1", "card-yellow": "0"},
        {"card-red": "挪用公共收益"},
    )
    assert Entry.objects.count() == 5


def test_a_survey_or_metric_line_and_another_template_s_line_are_not_entered(appraising, officer):
    for ind in (
        indicator(appraising, "project", "survey-order"),
        indicator(appraising, "project", "response"),
        indicator(appraising, "committee", "inspect-records"),
    ):
        with pytest.raises(ValidationError):
            services.entry_record(actor=officer, subject=project(appraising), indicator=ind, value="1")
    assert Entry.objects.count() == 0


def test_entries_are_made_in_the_appraisal_phase_only(campaign, officer, inspector, django_capture_on_commit_callbacks):
    order = indicator(campaign, "project", "inspect-order")
    with pytest.raises(ValidationError) as refused:
        services.entry_record(actor=officer, subject=project(campaign), indicator=order, value="1")
    assert "Appraisals and inspections are entered during their phase only." in message(refused)

    to_phase(campaign, Phase.SCORING, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        services.entry_record(actor=officer, subject=project(campaign), indicator=order, value="1")
    assert Entry.objects.count() == 0


def test_an_entry_recorded_again_is_corrected_in_place_with_its_history(appraising, officer, inspector):
    order = indicator(appraising, "project", "inspect-order")
    services.entry_record(actor=inspector, subject=project(appraising), indicator=order, value="3")
    entry = services.entry_record(actor=officer, subject=project(appraising), indicator=order, value="1")

    assert Entry.objects.count() == 1
    assert (entry.value, entry.entered_by) == (Decimal("1"), officer)
    assert list(entry.history.order_by("history_id").values_list("value", flat=True)) == [Decimal("3"), Decimal("1")]


# --- scores as published --------------------------------------------------------------------------


def test_the_published_score_is_the_hand_computed_91(published):
    score = project_score(published)

    assert (score.computed, score.total, score.stars, score.recommendation, score.listing) == (
        Decimal("91.00"), Decimal("91.00"), 4, "renew", ""
    )


# --- appeals --------------------------------------------------------------------------------------


def test_the_clerk_appeals_his_project_s_score_and_the_admins_are_told(published, clerk, subdistrict_admin, district_admin):
    appeal = services.appeal_file(actor=clerk, score=project_score(published), reason="检查当天下雨，绿化扣分不合理。")

    assert (appeal.status, appeal.filed_by) == ("pending", clerk)
    assert notes("rating_appeal_filed", subdistrict_admin) == 1
    assert notes("rating_appeal_filed", district_admin) == 1


def test_the_committee_s_seat_holder_appeals_the_committee_s_score(published, committee_member):
    appeal = services.appeal_file(actor=committee_member, score=committee_score(published), reason="业委会已按时公开财务收支。")

    assert appeal.score.subject.kind == SubjectKind.COMMITTEE


@pytest.mark.parametrize(
    "who, which",
    [
        ("outside_clerk", "project"),
        ("b_clerk", "project"),
        ("clerk", "committee"),
        ("committee_member", "project"),
        ("resident", "project"),
        ("officer", "project"),
        ("secretary", "committee"),
    ],
)
def test_only_the_rated_party_appeals(who, which, published, request):
    score = project_score(published) if which == "project" else committee_score(published)

    with pytest.raises(PermissionDenied):
        services.appeal_file(actor=request.getfixturevalue(who), score=score, reason="我认为这个分数不公平，请复核。", files=[pdf()])
    assert Appeal.objects.count() == 0
    assert AppealAttachment.objects.count() == 0


def test_appeals_wait_for_publication(campaign, clerk, inspector, django_capture_on_commit_callbacks):
    to_phase(campaign, Phase.SCORING, django_capture_on_commit_callbacks)

    with pytest.raises(ValidationError) as refused:
        services.appeal_file(actor=clerk, score=project_score(campaign), reason="我认为这个分数不公平，请复核。")
    assert "Appeals are accepted only while the result is published for appeals." in message(refused)
    assert Appeal.objects.count() == 0


def test_appeals_close_when_the_appeal_period_ends(published, clerk):
    score = project_score(published)
    days = (published.appeals_end - timezone.localdate()).days
    shift_dates(published, days)  # today is the first day after the appeal period

    with pytest.raises(ValidationError) as refused:
        services.appeal_file(actor=clerk, score=score, reason="我认为这个分数不公平，请复核。")
    assert "The appeal period ended on" in message(refused)
    assert Appeal.objects.count() == 0


def test_a_score_has_one_pending_appeal_at_a_time(published, clerk, subdistrict_admin):
    score = project_score(published)
    first = services.appeal_file(actor=clerk, score=score, reason="检查当天下雨，绿化扣分不合理。")

    with pytest.raises(ValidationError) as refused:
        services.appeal_file(actor=clerk, score=score, reason="再次申诉：绿化扣分不合理。", files=[pdf()])
    assert "An appeal of this result is already waiting for a decision." in message(refused)
    assert Appeal.objects.count() == 1
    assert AppealAttachment.objects.count() == 0

    services.appeal_decide(actor=subdistrict_admin, appeal=first, decision="upheld", reason="维持原分。")
    services.appeal_file(actor=clerk, score=score, reason="补充材料后再次申诉。")
    assert Appeal.objects.count() == 2


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_pdf_and_a_png_are_attached_to_an_appeal(published, clerk, settings):
    appeal = services.appeal_file(
        actor=clerk, score=project_score(published), reason="附检查当天照片和整改报告。", files=[pdf("整改报告.pdf"), png("现场.png")]
    )

    rows = sorted(appeal.attachments.values_list("name", "content_type"))
    assert rows == [("整改报告.pdf", "application/pdf"), ("现场.png", "image/jpeg")]  # images re-encoded
    assert len(stored_files(settings)) == 2
    assert all(a.file.storage.exists(a.file.name) for a in appeal.attachments.all())


@pytest.mark.parametrize(
    "files, error",
    [
        (lambda: [pdf(), text_as_pdf()], "notes.pdf is not a PDF, JPEG or PNG file."),
        (lambda: [pdf("big.pdf", size=10 * 1024 * 1024 + 1)], "big.pdf is larger than 10 MB."),
        (lambda: [pdf(f"p{i}.pdf") for i in range(6)], "At most 5 files."),
        (lambda: [png(), SimpleUploadedFile("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)], "broken.png: the image is damaged"),
        (lambda: [pixel_flood_png()], "flood.png: the image declares too many pixels."),
    ],
    ids=["text-renamed-pdf", "over-10-mb", "six-files", "damaged-png", "pixel-flood"],
)
def test_attachments_that_break_the_rules_refuse_the_appeal_and_store_nothing(files, error, published, clerk, settings):
    with pytest.raises(ValidationError) as refused:
        services.appeal_file(actor=clerk, score=project_score(published), reason="附检查当天照片和整改报告。", files=files())

    assert error in message(refused)
    assert Appeal.objects.count() == 0
    assert AppealAttachment.objects.count() == 0
    assert stored_files(settings) == []


def test_five_files_are_accepted(published, clerk):
    appeal = services.appeal_file(
        actor=clerk, score=project_score(published), reason="附五份材料，请复核绿化扣分。", files=[pdf(f"p{i}.pdf") for i in range(5)]
    )
    assert appeal.attachments.count() == 5


@pytest.mark.parametrize("who", ["officer", "clerk", "resident", "other_officer", "s2_admin", "secretary"])
def test_only_the_campaign_s_admins_decide_an_appeal(who, published, clerk, request):
    score = project_score(published)
    appeal = services.appeal_file(actor=clerk, score=score, reason="检查当天下雨，绿化扣分不合理。")

    with pytest.raises(PermissionDenied):
        services.appeal_decide(actor=request.getfixturevalue(who), appeal=appeal, decision="adjusted", reason="加分", adjustment="5")
    appeal.refresh_from_db()
    assert appeal.status == "pending"
    assert Score.objects.get(pk=score.pk).total == Decimal("91.00")


def test_an_upheld_appeal_keeps_the_score_and_cannot_be_decided_again(published, clerk, subdistrict_admin, district_admin):
    score = project_score(published)
    appeal = services.appeal_file(actor=clerk, score=score, reason="检查当天下雨，绿化扣分不合理。")

    services.appeal_decide(actor=subdistrict_admin, appeal=appeal, decision="upheld", reason="检查记录清楚，维持原分。", adjustment="3")

    score.refresh_from_db()
    appeal.refresh_from_db()
    assert (appeal.status, appeal.adjustment, appeal.decided_by) == ("upheld", Decimal("0"), subdistrict_admin)
    assert (score.total, score.adjustment, score.stars) == (Decimal("91.00"), Decimal("0"), 4)
    assert notes("rating_appeal_decided", clerk) == 1
    with pytest.raises(ValidationError) as refused:
        services.appeal_decide(actor=district_admin, appeal=appeal, decision="adjusted", reason="改判", adjustment="4")
    assert "This appeal has already been decided." in message(refused)
    score.refresh_from_db()
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decided_by, score.total) == ("upheld", subdistrict_admin, Decimal("91.00"))
    assert notes("rating_appeal_decided", clerk) == 1


@pytest.mark.parametrize(
    "adjustment, total, stars, recommendation, listing, rectify",
    [
        ("4", "95.00", 5, "renew", "white", False),  # 91 + 4 reaches the 5★ band: the white list
        ("-25", "66.00", 1, "rectify", "", True),  # 1★: rectify within 90 days of the final day
        ("-40", "51.00", 0, "do_not_renew", "", False),  # no star in a first year: not yet the black list
    ],
)
def test_an_adjusted_appeal_moves_the_total_and_re_applies_the_rules(
    adjustment, total, stars, recommendation, listing, rectify, published, clerk, subdistrict_admin
):
    score = project_score(published)
    appeal = services.appeal_file(actor=clerk, score=score, reason="检查当天下雨，绿化扣分不合理。")

    services.appeal_decide(actor=subdistrict_admin, appeal=appeal, decision="adjusted", reason="复核后调整。", adjustment=adjustment)

    score.refresh_from_db()
    assert (score.computed, score.adjustment, score.total) == (Decimal("91.00"), Decimal(adjustment), Decimal(total))
    assert (score.stars, score.recommendation, score.listing) == (stars, recommendation, listing)
    assert score.rectify_by == (published.appeals_end + timedelta(days=90) if rectify else None)
    # The score's and the appeal's history keep the change.
    history = list(score.history.order_by("history_id").values_list("total", "stars"))
    assert history[-1] == (Decimal(total), stars)
    statuses = list(Appeal.history.filter(id=appeal.pk).order_by("history_id").values_list("history_type", "status"))
    assert statuses[0] == ("+", "pending")
    assert statuses[-1] == ("~", "adjusted")


def test_an_adjustment_must_be_some_points_and_a_decision_needs_a_reason(published, clerk, subdistrict_admin):
    appeal = services.appeal_file(actor=clerk, score=project_score(published), reason="检查当天下雨，绿化扣分不合理。")

    for kwargs in (
        {"decision": "adjusted", "reason": "调整", "adjustment": "0"},
        {"decision": "adjusted", "reason": "调整", "adjustment": "two"},
        {"decision": "upheld", "reason": "  "},
        {"decision": "withdrawn", "reason": "撤回"},
    ):
        with pytest.raises(ValidationError):
            services.appeal_decide(actor=subdistrict_admin, appeal=appeal, **kwargs)
    appeal.refresh_from_db()
    assert appeal.status == "pending"


@pytest.mark.parametrize(
    "adjustment",
    [
        "NaN",
        "Infinity",
        "1e9",
        "0.004",
        "101",
    ],
)
def test_an_adjustment_that_is_not_a_real_change_of_points_is_refused(adjustment, published, clerk, subdistrict_admin):
    score = project_score(published)
    appeal = services.appeal_file(actor=clerk, score=score, reason="检查当天下雨，绿化扣分不合理。")

    with pytest.raises(ValidationError):
        services.appeal_decide(actor=subdistrict_admin, appeal=appeal, decision="adjusted", reason="调整", adjustment=adjustment)
    appeal.refresh_from_db()
    score.refresh_from_db()
    assert (appeal.status, score.total) == ("pending", Decimal("91.00"))


# --- the final phase ------------------------------------------------------------------------------


def test_the_final_phase_waits_for_every_appeal_to_be_decided(published, clerk, subdistrict_admin):
    appeal = services.appeal_file(actor=clerk, score=project_score(published), reason="检查当天下雨，绿化扣分不合理。")

    services.campaign_advance(campaign_id=published.pk, today=published.appeals_end + timedelta(days=3))
    published.refresh_from_db()
    assert (published.phase, published.finalised_at) == (Phase.PUBLICATION, None)

    services.appeal_decide(actor=subdistrict_admin, appeal=appeal, decision="upheld", reason="维持原分。")
    services.campaign_advance(campaign_id=published.pk, today=published.appeals_end + timedelta(days=3))
    published.refresh_from_db()
    assert published.phase == Phase.FINAL
    assert published.finalised_at is not None


def test_the_final_phase_flags_a_red_carded_project_s_contract_and_tells_the_officer_once(
    campaign, world, company, officer, other_officer, inspector, django_capture_on_commit_callbacks
):
    to_phase(campaign, Phase.APPRAISAL, django_capture_on_commit_callbacks)
    enter(campaign, inspector, project(campaign), {"card-red": "1"}, {"card-red": "挪用公共收益"})
    to_phase(campaign, Phase.PUBLICATION, django_capture_on_commit_callbacks)
    score = project_score(campaign)
    assert (score.red_card, score.recommendation, score.listing) == (True, "do_not_renew", "black")
    assert committee_score(campaign).recommendation != "renew"  # nothing entered: no star either
    contract = PropertyContract.objects.get(compound=world.a1, company=company)
    assert contract.renewal_flag == ""

    to_phase(campaign, Phase.FINAL, django_capture_on_commit_callbacks)

    contract.refresh_from_db()
    assert contract.renewal_flag == "do_not_renew"
    assert campaign.title in contract.renewal_flag_note
    assert notes("rating_contract_flagged", officer) == 1
    assert notes("rating_contract_flagged", other_officer) == 0
    assert notes("rating_contract_flagged") == 1  # committees have no contract to flag
    flagged = contract.history.count()

    # The job again, and the final step itself again: nothing more is flagged or sent.
    services.campaign_advance(campaign_id=campaign.pk, today=campaign.appeals_end + timedelta(days=1))
    services.campaigns_advance(today=campaign.appeals_end + timedelta(days=2))
    services._finalise(Campaign.objects.get(pk=campaign.pk))
    contract.refresh_from_db()
    assert contract.renewal_flag == "do_not_renew"
    assert contract.history.count() == flagged
    assert notes("rating_contract_flagged") == 1


def test_the_final_phase_leaves_a_renewed_project_s_contract_alone(published, world, company, officer, django_capture_on_commit_callbacks):
    to_phase(published, Phase.FINAL, django_capture_on_commit_callbacks)

    assert PropertyContract.objects.get(compound=world.a1, company=company).renewal_flag == ""
    assert notes("rating_contract_flagged") == 0


# --- reminders ------------------------------------------------------------------------------------


def test_the_survey_reminds_each_verified_resident_of_an_unanswered_household_once(
    campaign, world, resident, neighbour, committee_member, officer, b_resident, stranger, django_capture_on_commit_callbacks
):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.campaign_advance(campaign_id=campaign.pk, today=campaign.survey_starts)
    services.campaigns_advance(today=campaign.survey_starts)

    assert _count_by_user("rating_survey_open") == {"resident": 1, "neighbour": 1, "committee_member": 1}

    # A household that has answered reminds nobody who joins it later.
    services.survey_submit(actor=resident, campaign=campaign, household=world.home, answers=answers(campaign, world.a1))
    household_member(world.home, officer, username="spouse")
    services.campaign_advance(campaign_id=campaign.pk, today=campaign.survey_starts)
    assert _count_by_user("rating_survey_open") == {"resident": 1, "neighbour": 1, "committee_member": 1}


def _count_by_user(kind) -> dict:
    return dict(Counter(Notification.objects.filter(kind=kind).values_list("user__username", flat=True)))


def test_the_appraisal_reminds_the_secretary_and_the_assigned_inspector_once_each(
    campaign, secretary, inspector, officer, django_capture_on_commit_callbacks
):
    to_phase(campaign, Phase.APPRAISAL, django_capture_on_commit_callbacks)
    for _ in range(2):
        services.campaign_advance(campaign_id=campaign.pk, today=campaign.appraisal_starts)
    services.campaigns_advance(today=campaign.appraisal_starts + timedelta(days=1))

    assert _count_by_user("rating_appraisal_due") == {"secretary": 1}
    assert _count_by_user("rating_inspection_due") == {"inspector": 1}
