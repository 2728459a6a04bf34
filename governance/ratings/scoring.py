"""Scoring a chunk of subjects: gather every input in a few grouped queries, freeze it as the
subject's canonical inputs, and score it with ``engine``. Nothing read after this point can change
a stored score; ``rescore`` proves it by scoring the stored inputs again.
"""

from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Sum

from compounds.models import Household
from governance.issues.models import Issue
from governance.issues.rates import issue_aggregates, period_bounds
from governance.issues.states import VOID_STATES

from . import engine
from .models import Answer, Ballot, Campaign, Entry, Phase, Score, Snapshot, SubjectKind, Template

METRIC_KEYS = ("counted", "response_base", "responded", "resolution_base", "resolved", "rated", "satisfied", "basic", "overdue", "reopened")


def _spec_cache(campaign: Campaign) -> dict[str, dict]:
    specs = {}
    for kind, template_id in ((SubjectKind.PROJECT, campaign.project_template_id), (SubjectKind.COMMITTEE, campaign.committee_template_id)):
        if template_id:
            template = Template.objects.prefetch_related("sections__indicators").get(pk=template_id)
            specs[kind] = engine.template_spec(template)
    return specs


def _metrics(snap: Snapshot, subjects: list) -> dict[tuple, dict]:
    """(kind, compound id, handler id) → the year's counts of the issues that handler had there."""
    year = snap.campaign.year
    since, until = period_bounds(date(year, 1, 1), date(year, 12, 31))
    compounds = {s.compound_id for s in subjects}
    # Filed before the run's moment too, so a chunk scored a minute later counts the same issues.
    until = min(until, snap.as_of)
    base = Issue.objects.filter(compound_id__in=compounds, created_at__gte=since, created_at__lt=until).exclude(state__in=VOID_STATES)
    aggregates = issue_aggregates(snap.as_of)
    out = {}
    if any(s.kind == SubjectKind.PROJECT for s in subjects):
        rows = base.filter(handler_company__isnull=False).order_by().values("compound_id", "handler_company_id").annotate(**aggregates)
        for row in rows:
            out[(SubjectKind.PROJECT, row["compound_id"], row["handler_company_id"])] = {k: row[k] for k in METRIC_KEYS}
    if any(s.kind == SubjectKind.COMMITTEE for s in subjects):
        rows = base.filter(handler_committee__isnull=False).order_by().values("compound_id", "handler_committee_id").annotate(**aggregates)
        for row in rows:
            out[(SubjectKind.COMMITTEE, row["compound_id"], row["handler_committee_id"])] = {k: row[k] for k in METRIC_KEYS}
    return out


def _households(compounds: set[int]) -> dict[int, int]:
    return dict(
        Household.objects.filter(building__compound_id__in=compounds)
        .order_by()
        .values("building__compound_id")
        .annotate(n=Count("id"))
        .values_list("building__compound_id", "n")
    )


def _survey(campaign: Campaign, compounds: set[int]) -> tuple[dict, dict]:
    ballots = dict(
        Ballot.objects.filter(campaign=campaign, compound_id__in=compounds)
        .order_by()
        .values("compound_id")
        .annotate(n=Count("id"))
        .values_list("compound_id", "n")
    )
    answers: dict[int, dict] = {}
    rows = (
        Answer.objects.filter(ballot__campaign=campaign, ballot__compound_id__in=compounds)
        .order_by()
        .values("ballot__compound_id", "indicator__code", "indicator__section__template_id")
        .annotate(n=Count("id"), total=Sum("value"))
    )
    for row in rows:
        per = answers.setdefault(row["ballot__compound_id"], {})
        per[(row["indicator__section__template_id"], row["indicator__code"])] = {"answers": row["n"], "sum": row["total"]}
    return ballots, answers


def _entries(subjects: list) -> dict[int, dict]:
    out: dict[int, dict] = {}
    for subject_id, code, value in Entry.objects.filter(subject__in=subjects).values_list("subject_id", "indicator__code", "value"):
        out.setdefault(subject_id, {})[code] = engine.s(value)
    return out


def _history(campaign: Campaign, subjects: list, years: int) -> dict[tuple, int]:
    """(kind, compound, company or None) → consecutive earlier years without a star, from the
    final results of earlier campaigns (the published snapshot of each)."""
    if years <= 1:
        return {}
    wanted = list(range(campaign.year - 1, campaign.year - years, -1))
    rows = (
        Score.objects.filter(
            snapshot__campaign__phase=Phase.FINAL,
            snapshot__campaign__year__in=wanted,
            subject__compound_id__in={s.compound_id for s in subjects},
        )
        .filter(snapshot__campaign__snapshot=F("snapshot"))
        .values_list("subject__kind", "subject__compound_id", "subject__company_id", "snapshot__campaign__year", "stars")
    )
    stars_by: dict[tuple, dict[int, int]] = {}
    for kind, compound_id, company_id, year, stars in rows:
        key = (kind, compound_id, company_id if kind == SubjectKind.PROJECT else None)
        per = stars_by.setdefault(key, {})
        per[year] = max(per.get(year, 0), stars)
    out = {}
    for key, per in stars_by.items():
        n = 0
        for year in wanted:
            if per.get(year) == 0:
                n += 1
            else:
                break
        out[key] = n
    return out


def collect(snap: Snapshot, subjects: list, specs: dict[str, dict] | None = None) -> dict[int, dict]:
    """subject id → its inputs, in the shape ``engine.score`` reads (``specs``: the campaign's
    template specs by subject kind, when the caller has them already)."""
    campaign = snap.campaign
    specs = specs if specs is not None else _spec_cache(campaign)
    compounds = {s.compound_id for s in subjects}
    metrics = _metrics(snap, subjects)
    households = _households(compounds)
    ballots, answers = _survey(campaign, compounds)
    entries = _entries(subjects)
    years = max((spec["black_list_starless_years"] for spec in specs.values()), default=1)
    history = _history(campaign, subjects, years)
    template_of = {SubjectKind.PROJECT: campaign.project_template_id, SubjectKind.COMMITTEE: campaign.committee_template_id}
    out = {}
    for subject in subjects:
        handler = subject.company_id if subject.kind == SubjectKind.PROJECT else subject.committee_id
        spec = specs[subject.kind]
        survey_codes = [i["code"] for sec in spec["sections"] for i in sec["indicators"] if i["source"] == "survey"]
        per_compound = answers.get(subject.compound_id, {})
        questions = {
            code: per_compound[(template_of[subject.kind], code)]
            for code in survey_codes
            if (template_of[subject.kind], code) in per_compound
        }
        out[subject.pk] = {
            "subject": {
                "kind": subject.kind,
                "compound": subject.compound_id,
                "company": subject.company_id,
                "committee": subject.committee_id,
            },
            "year": campaign.year,
            "as_of": snap.as_of.isoformat(),
            "final_on": campaign.appeals_end.isoformat(),
            "households": households.get(subject.compound_id, 0),
            "metrics": metrics.get((subject.kind, subject.compound_id, handler), dict.fromkeys(METRIC_KEYS, 0)),
            "survey": {"ballots": ballots.get(subject.compound_id, 0), "questions": questions},
            "entries": entries.get(subject.pk, {}),
            "starless_years_before": history.get(
                (subject.kind, subject.compound_id, subject.company_id if subject.kind == SubjectKind.PROJECT else None), 0
            ),
        }
    return out


def _row(snap: Snapshot, subject_id: int, spec: dict, inputs: dict) -> Score:
    breakdown = engine.score(spec, inputs)
    breakdown_text = engine.canonical(breakdown)
    inputs_text = engine.canonical(inputs)
    computed = Decimal(breakdown["computed"])
    return Score(
        snapshot=snap,
        subject_id=subject_id,
        inputs=inputs_text,
        breakdown=breakdown_text,
        digest=engine.digest(inputs_text + "\n" + breakdown_text),
        computed=computed,
        total=computed,
        stars=breakdown["stars"],
        red_card=breakdown["red_card"],
        recommendation=breakdown["recommendation"],
        rectify_by=date.fromisoformat(breakdown["rectify_by"]) if breakdown["rectify_by"] else None,
        rule=breakdown["rule"],
        listing=breakdown["listing"],
        listing_reason=breakdown["listing_rule"],
    )


def score_subjects(snap: Snapshot, subjects: list) -> list[Score]:
    specs = _spec_cache(snap.campaign)
    inputs = collect(snap, subjects, specs)
    return [_row(snap, s.pk, specs[s.kind], inputs[s.pk]) for s in subjects]


def rescore(snap: Snapshot) -> list[int]:
    """Score each stored input again; the subject ids whose inputs, breakdown or digest differ."""
    specs = _spec_cache(snap.campaign)
    differ = []
    for score in Score.objects.filter(snapshot=snap).select_related("subject").order_by("pk").iterator(chunk_size=1000):
        again = _row(snap, score.subject_id, specs[score.subject.kind], engine.parse(score.inputs))
        if (again.inputs, again.breakdown, again.digest) != (score.inputs, score.breakdown, score.digest):
            differ.append(score.subject_id)
    return differ


def apply_adjustment(score: Score, adjustment: Decimal) -> Score:
    """Move a score by an appeal's adjustment and re-apply the template's bands and rules."""
    specs = _spec_cache(score.snapshot.campaign)
    spec = specs[score.subject.kind]
    inputs = engine.parse(score.inputs)
    breakdown = engine.parse(score.breakdown)
    score.adjustment = engine.q(score.adjustment + adjustment)
    score.total = max(engine.q(score.computed + score.adjustment), Decimal("0"))
    result = engine.classify(
        spec, score.total, red_card=breakdown["red_card"], starless_before=int(inputs.get("starless_years_before", 0)),
        final_on=inputs.get("final_on"),
    )
    score.stars = result["stars"]
    score.recommendation = result["recommendation"]
    score.rule = result["rule"]
    score.rectify_by = date.fromisoformat(result["rectify_by"]) if result["rectify_by"] else None
    score.listing = result["listing"]
    score.listing_reason = result["listing_rule"]
    score.save(update_fields=["adjustment", "total", "stars", "recommendation", "rule", "rectify_by", "listing", "listing_reason"])
    return score

