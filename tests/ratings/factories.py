"""Builders for the ratings' service tests: moving a campaign through its phases as the periodic
job would (on the phase's first day), the survey's answers, entries by code, attachments."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from compounds import services as place_services
from governance.ratings import services
from governance.ratings.models import PHASE_ORDER, Campaign, Indicator, Phase, SubjectKind
from tests import factories


def first_day(campaign: Campaign, phase: str):
    return {
        Phase.SURVEY: campaign.survey_starts,
        Phase.APPRAISAL: campaign.appraisal_starts,
        Phase.SCORING: campaign.scoring_starts,
        Phase.PUBLICATION: campaign.publication_starts,
        Phase.FINAL: campaign.appeals_end,
    }[phase]


def to_phase(campaign: Campaign, phase: str, capture) -> Campaign:
    """Run the job on the first day of each phase up to ``phase``, running what it enqueues
    (``capture`` is pytest-django's django_capture_on_commit_callbacks; tasks run in process)."""
    campaign.refresh_from_db()
    for step in PHASE_ORDER[PHASE_ORDER.index(campaign.phase) + 1 : PHASE_ORDER.index(phase) + 1]:
        with capture(execute=True):
            services.campaign_advance(campaign_id=campaign.pk, today=first_day(campaign, step))
        campaign.refresh_from_db()
    assert campaign.phase == phase, (campaign.phase, phase)
    return campaign


def shift_dates(campaign: Campaign, days: int) -> Campaign:
    """Move every date of the campaign ``days`` earlier: as if that much time had passed."""
    delta = timedelta(days=days)
    Campaign.objects.filter(pk=campaign.pk).update(
        survey_starts=campaign.survey_starts - delta,
        appraisal_starts=campaign.appraisal_starts - delta,
        scoring_starts=campaign.scoring_starts - delta,
        publication_starts=campaign.publication_starts - delta,
    )
    campaign.refresh_from_db()
    return campaign


def indicator(campaign: Campaign, kind: str, code: str) -> Indicator:
    template_id = campaign.project_template_id if kind == SubjectKind.PROJECT else campaign.committee_template_id
    return Indicator.objects.get(section__template_id=template_id, code=code)


def project(campaign: Campaign, compound=None):
    subjects = campaign.subjects.filter(kind=SubjectKind.PROJECT)
    return subjects.get(compound=compound) if compound is not None else subjects.get(compound__code="WA1")


def committee(campaign: Campaign):
    return campaign.subjects.get(kind=SubjectKind.COMMITTEE, compound__code="WA1")


def answers(campaign: Campaign, compound, by_code: dict | None = None, default: int = 4) -> dict:
    """{question id: value} for every survey question at ``compound``; ``by_code`` sets some."""
    by_code = by_code or {}
    return {q.pk: by_code.get((q.section.template.subject_kind, q.code), default) for q in services.survey_questions(campaign, compound.pk)}


def enter(campaign: Campaign, actor, subject, values: dict, notes: dict | None = None) -> None:
    """Record entries ``{code: value}`` for a subject."""
    notes = notes or {}
    for code, value in values.items():
        services.entry_record(
            actor=actor, subject=subject, indicator=indicator(campaign, subject.kind, code), value=value, note=notes.get(code, "")
        )


def household_member(household, officer, **fields):
    """Another verified resident of ``household``."""
    user = factories.UserFactory(**fields)
    residency = place_services.residency_claim(user=user, household=household, relation="family")
    place_services.residency_verify(actor=officer, residency=residency)
    return user


def pdf(name="evidence.pdf", size=None) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    if size is not None:
        body += b"0" * (size - len(body))
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def png(name="photo.png") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 160, 60)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def text_as_pdf(name="notes.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"just some text, not a PDF at all\n", content_type="application/pdf")
