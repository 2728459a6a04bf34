"""Pages of the yearly ratings: the campaigns and my tasks, opening a campaign, the campaign (phases,
survey response, entry progress, inspectors, scoring progress, results, lists, export), the
household survey, the entry form of a subject, a score's breakdown with its appeals and audit trail,
the history of a company and of a compound's owners' committee, and the templates.

Each view: access helper first (404 outside scope), then the method check, then one service call.
Bad input re-renders the page with the errors (400); "visible but not allowed" is 403.
"""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from committees.models import PropertyCompany, PropertyStaff, Seat
from compounds.models import Community, Compound, District, Household, ResidencyStatus, Subdistrict
from compounds.scopes import scopes_for
from governance.accounts.roles import Role
from governance.http import form_errors_from, get_or_404, method_not_allowed, paginate

from . import engine, exports, forms, selectors, services
from .models import (
    ENTERED_SOURCES,
    PHASE_ORDER,
    Appeal,
    AppealAttachment,
    AppealStatus,
    Ballot,
    Campaign,
    Entry,
    Indicator,
    Listing,
    Phase,
    Scope,
    Score,
    SnapshotStatus,
    Source,
    Subject,
    SubjectKind,
    Template,
)
from .permissions import access_campaign, access_score, access_subject

PUBLISHED = (Phase.PUBLICATION, Phase.FINAL)


def campaign_url(campaign) -> str:
    return reverse("ratings:detail", args=[campaign.pk])


def score_url(score) -> str:
    return reverse("ratings:score", args=[score.pk])


# --- helpers ----------------------------------------------------------------------------------


def _openable_places(user):
    """(subdistricts, districts) where the caller may open a campaign."""
    s = scopes_for(user)
    if s.system_admin:
        return Subdistrict.objects.order_by("name"), District.objects.order_by("name")
    subdistricts = Subdistrict.objects.filter(Q(pk__in=s.subdistricts) | Q(district_id__in=s.districts)).order_by("name")
    return subdistricts, District.objects.filter(pk__in=s.districts).order_by("name")


def _may_open(user) -> bool:
    s = scopes_for(user)
    return s.system_admin or bool(s.districts or s.subdistricts)


def _subject_within(user, campaign) -> Q | None:
    """The part of a campaign a non-administering overseer sees (their subdistricts/communities)."""
    if services.can_administer(user, campaign):
        return None
    s = scopes_for(user)
    q = Q(pk__in=[])
    if s.subdistricts:
        q |= Q(compound__community__subdistrict_id__in=s.subdistricts)
    if s.communities:
        q |= Q(compound__community_id__in=s.communities)
    return q


def _compound_within(user, campaign) -> Q | None:
    if services.can_administer(user, campaign):
        return None
    s = scopes_for(user)
    q = Q(pk__in=[])
    if s.subdistricts:
        q |= Q(community__subdistrict_id__in=s.subdistricts)
    if s.communities:
        q |= Q(community_id__in=s.communities)
    return q


def _steps(campaign) -> list[dict]:
    current = PHASE_ORDER.index(campaign.phase)
    steps = []
    for phase, day in services.phase_dates(campaign):
        index = PHASE_ORDER.index(phase)
        steps.append({
            "phase": phase,
            "label": Phase(phase).label,
            "date": day,
            "state": "done" if index < current else ("current" if index == current else "upcoming"),
        })
    return steps


def _visible_results(user, campaign):
    """The current run's scores the caller may open, best first."""
    return (
        selectors.scores_visible(user)
        .filter(snapshot_id=campaign.snapshot_id)
        .select_related("subject__compound__community", "subject__company", "subject__committee")
        .order_by("-total", "subject_id")
    )


def _template_of(campaign, kind):
    return campaign.project_template if kind == SubjectKind.PROJECT else campaign.committee_template


# --- the list and my tasks --------------------------------------------------------------------


def _count_of(model, **filters):
    return Subquery(
        model.objects.filter(campaign=OuterRef("pk"), **filters).order_by().values("campaign").annotate(n=Count("pk")).values("n")
    )


def _my_surveys(user) -> list[dict]:
    """Campaigns in their survey phase rating a compound where the caller has a verified household."""
    homes = list(
        Household.objects.filter(residencies__user=user, residencies__status=ResidencyStatus.VERIFIED)
        .select_related("building__compound")
        .distinct()
    )
    if not homes:
        return []
    compounds = {h.building.compound_id for h in homes}
    rated = defaultdict(set)
    for campaign_id, compound_id in (
        Subject.objects.filter(campaign__phase=Phase.SURVEY, compound_id__in=compounds)
        .order_by()
        .values_list("campaign_id", "compound_id")
        .distinct()
    ):
        rated[campaign_id].add(compound_id)
    if not rated:
        return []
    campaigns = Campaign.objects.filter(pk__in=rated).order_by("-year", "pk")
    answered = {
        (b.campaign_id, b.household_id): b
        for b in Ballot.objects.filter(campaign_id__in=rated, household__in=homes).only("campaign_id", "household_id", "submitted_at")
    }
    out = []
    for campaign in campaigns:
        for home in homes:
            if home.building.compound_id in rated[campaign.pk]:
                out.append({"campaign": campaign, "household": home, "ballot": answered.get((campaign.pk, home.pk))})
    return out


def _my_entries(user):
    s = scopes_for(user)
    q = Q(inspector=user)
    secretary = s.compounds_with(Role.BRANCH_SECRETARY)
    if secretary:
        q |= Q(compound_id__in=secretary)
    return list(
        Subject.objects.filter(q, campaign__phase=Phase.APPRAISAL)
        .select_related("campaign", "compound", "company", "committee")
        .annotate(entered=Count("entries"))
        .order_by("campaign_id", "compound__name", "kind")[:200]
    )


def _my_results(user):
    companies = list(PropertyStaff.objects.filter(user=user, ended_on__isnull=True).values_list("company_id", flat=True))
    committees = list(Seat.objects.filter(user=user, ended_on__isnull=True).values_list("committee_id", flat=True))
    if not companies and not committees:
        return []
    return list(
        Score.objects.filter(Q(subject__company_id__in=companies) | Q(subject__committee_id__in=committees))
        .filter(snapshot__campaign__phase__in=PUBLISHED, snapshot_id=F("snapshot__campaign__snapshot"))
        .select_related("subject__compound", "subject__company", "snapshot__campaign")
        .order_by("-snapshot__campaign__year", "subject__compound__name")[:200]
    )


@login_required
def campaign_list(request):
    if response := method_not_allowed(request, "GET"):
        return response
    user = request.user
    overseen = paginate(
        request,
        selectors.campaigns_overseen(user)
        .select_related("subdistrict", "district", "snapshot")
        .annotate(subjects_n=_count_of(Subject), ballots_n=_count_of(Ballot))
        .order_by("-year", "-created_at"),
    )
    return render(request, "ratings/list.html", {
        "overseen": overseen,
        "can_open": _may_open(user),
        "can_templates": _may_open(user),
        "surveys": _my_surveys(user),
        "entries": _my_entries(user),
        "results": _my_results(user),
    })


# --- opening a campaign -------------------------------------------------------------------------


@login_required
def campaign_new(request):
    if not _may_open(request.user):
        raise Http404
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    subdistricts, districts = _openable_places(request.user)
    initial = forms.campaign_defaults()
    if not districts.exists():
        initial["scope"] = Scope.SUBDISTRICT
    first = subdistricts.first()
    if first is not None:
        initial["subdistrict"] = first
    form = forms.CampaignForm(request.POST or None, subdistricts=subdistricts, districts=districts, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.campaign_open(
                actor=request.user, year=data["year"], scope=data["scope"], title=data["title"],
                subdistrict=data["subdistrict"] if data["scope"] == Scope.SUBDISTRICT else None,
                district=data["district"] if data["scope"] == Scope.DISTRICT else None,
                project_template=data["project_template"], committee_template=data["committee_template"],
                survey_starts=data["survey_starts"], appraisal_starts=data["appraisal_starts"],
                scoring_starts=data["scoring_starts"], publication_starts=data["publication_starts"],
                appeal_days=data["appeal_days"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        except PermissionDenied:
            form.add_error(None, _("You may not open a campaign for this place."))
        else:
            messages.success(request, _("Campaign “%(title)s” opened; it follows its dates from here.") % {"title": campaign.title})
            return redirect(campaign_url(campaign))
    status = 400 if request.method == "POST" else 200
    return render(request, "ratings/campaign_form.html", {"form": form}, status=status)


# --- the campaign -------------------------------------------------------------------------------


def _entry_progress(campaign, within):
    subjects = campaign.subjects.all()
    if within is not None:
        subjects = subjects.filter(within)
    appraised = Exists(Entry.objects.filter(subject=OuterRef("pk"), indicator__source=Source.APPRAISAL))
    inspected = Exists(Entry.objects.filter(subject=OuterRef("pk"), indicator__source=Source.INSPECTION))
    return subjects.aggregate(
        total=Count("pk"),
        appraised=Count("pk", filter=Q(appraised)),
        inspected=Count("pk", filter=Q(inspected)),
        with_inspector=Count("pk", filter=Q(inspector__isnull=False)),
    )


def _render_detail(request, campaign, *, status=200, inspector_form=None):
    user = request.user
    can_admin = services.can_administer(user, campaign)
    within = _subject_within(user, campaign)
    snapshot = campaign.snapshot
    scored = snapshot is not None and snapshot.status == SnapshotStatus.DONE
    ctx = {
        "campaign": campaign,
        "can_admin": can_admin,
        "steps": _steps(campaign),
        "response": services.survey_response(campaign, within=_compound_within(user, campaign)),
        "progress": _entry_progress(campaign, within),
        "snapshot": snapshot,
        "scored": scored,
        "may_score": can_admin and campaign.phase == Phase.SCORING,
        "may_assign": can_admin and campaign.phase in (Phase.SCHEDULED, Phase.SURVEY, Phase.APPRAISAL),
    }
    if ctx["may_assign"]:
        communities = Community.objects.filter(pk__in=campaign.subjects.values("compound__community_id")).order_by("name")
        ctx["inspector_form"] = inspector_form or forms.InspectorForm(communities=communities)
    if scored:
        page = paginate(request, _visible_results(user, campaign))
        for offset, score in enumerate(page.object_list):
            score.rank = page.start_index() + offset
        ctx["results"] = page
        if campaign.phase == Phase.FINAL:
            listed = list(_visible_results(user, campaign).exclude(listing=Listing.NONE)[:500])
            ctx["white"] = [s for s in listed if s.listing == Listing.WHITE]
            ctx["black"] = [s for s in listed if s.listing == Listing.BLACK]
    else:
        subjects = campaign.subjects.all()
        if within is not None:
            subjects = subjects.filter(within)
        ctx["subjects"] = paginate(
            request,
            subjects.select_related("compound__community", "company", "committee", "inspector")
            .annotate(entered=Count("entries"))
            .order_by("compound__community__name", "compound__name", "kind", "pk"),
        )
    return render(request, "ratings/detail.html", ctx, status=status)


@login_required
def campaign_detail(request, pk):
    campaign = access_campaign(request.user, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    return _render_detail(request, campaign)


@login_required
def progress(request, pk):
    """The scoring run's progress: polled every 2 s by the campaign page while it runs."""
    campaign = access_campaign(request.user, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    response = render(request, "ratings/_progress.html", {"campaign": campaign, "snapshot": campaign.snapshot})
    snapshot = campaign.snapshot
    if request.GET.get("poll") and snapshot is not None and snapshot.status != SnapshotStatus.RUNNING:
        response["HX-Refresh"] = "true"  # the results appear with the page
    return response


@login_required
def score_now(request, pk):
    campaign = access_campaign(request.user, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    try:
        services.scoring_start(campaign=campaign, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Scoring started; this page shows its progress."))
    return redirect(campaign_url(campaign))


@login_required
def inspector_assign(request, pk):
    campaign = access_campaign(request.user, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    if not services.can_administer(request.user, campaign):
        raise PermissionDenied
    communities = Community.objects.filter(pk__in=campaign.subjects.values("compound__community_id")).order_by("name")
    form = forms.InspectorForm(request.POST, communities=communities)
    if form.is_valid():
        try:
            n = services.inspector_assign(
                actor=request.user, campaign=campaign, user=form.cleaned_data["user"], community=form.cleaned_data["community"]
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, ngettext(
                "%(name)s inspects %(n)s subject.", "%(name)s inspects %(n)s subjects.", n,
            ) % {"name": form.cleaned_data["user"].name, "n": n})
            return redirect(campaign_url(campaign))
    return _render_detail(request, campaign, status=400, inspector_form=form)


@login_required
def lists_print(request, pk):
    """The white and black lists as a notice for printing (A4). Once final they are a public
    notice (公示): anyone signed in may read the whole lists; before that only those who oversee
    the campaign see the page (saying the lists are not final yet)."""
    final = Campaign.objects.filter(pk=pk, phase=Phase.FINAL).select_related("subdistrict", "district").first() if str(pk).isdigit() else None
    campaign = final or access_campaign(request.user, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    listed = []
    if campaign.phase == Phase.FINAL and campaign.snapshot_id:
        listed = list(
            Score.objects.filter(snapshot_id=campaign.snapshot_id)
            .exclude(listing=Listing.NONE)
            .select_related("subject__compound__community", "subject__company")
            .order_by("-total", "subject_id")[:2000]
        )
    place = campaign.subdistrict.name if campaign.subdistrict_id else campaign.district.name
    return render(request, "ratings/lists.html", {
        "campaign": campaign,
        "place": place,
        "final": campaign.phase == Phase.FINAL,
        "white": [s for s in listed if s.listing == Listing.WHITE],
        "black": [s for s in listed if s.listing == Listing.BLACK],
        "today": timezone.localdate(),
    })


@login_required
def export(request, pk):
    campaign = access_campaign(request.user, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    if not campaign.snapshot_id:
        raise Http404
    scores = _visible_results(request.user, campaign)
    response = HttpResponse(
        exports.results_xlsx(campaign, scores),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="ratings-{campaign.year}-{campaign.pk}.xlsx"'
    return response


# --- the survey ---------------------------------------------------------------------------------


def _survey_households(request, pk):
    campaign = get_or_404(Campaign.objects.all(), pk)
    households = services.survey_households(request.user, campaign)
    if not households:
        raise Http404
    return campaign, households


@login_required
def survey(request, pk):
    campaign, households = _survey_households(request, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    ballots = {b.household_id: b for b in Ballot.objects.filter(campaign=campaign, household__in=households)}
    chosen = request.POST.get("household") or request.GET.get("household")
    household = next((h for h in households if str(h.pk) == chosen), None)
    if household is None:
        household = next((h for h in households if h.pk not in ballots), households[0])
    questions = services.survey_questions(campaign, household.building.compound_id)
    form = forms.SurveyForm(request.POST or None, questions=questions)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.survey_submit(actor=request.user, campaign=campaign, household=household, answers=form.answers())
            except ValidationError as exc:
                form_errors_from(exc, form)
            except PermissionDenied:
                raise Http404 from None
            else:
                messages.success(request, _("Thank you: your household's answer is recorded."))
                return redirect(reverse("ratings:survey", args=[campaign.pk]) + f"?household={household.pk}")
    return render(request, "ratings/survey.html", {
        "campaign": campaign,
        "households": [{"household": h, "ballot": ballots.get(h.pk)} for h in households],
        "household": household,
        "ballot": ballots.get(household.pk),
        "form": form,
        "open": campaign.phase == Phase.SURVEY,
        "answers": forms.ANSWERS,
    }, status=status)


# --- entries ------------------------------------------------------------------------------------


@login_required
def entries(request, pk):
    subject = access_subject(request.user, pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    campaign = subject.campaign
    template = _template_of(campaign, subject.kind)
    indicators = []
    if template is not None:
        indicators = list(
            Indicator.objects.filter(section__template=template, source__in=ENTERED_SOURCES)
            .select_related("section")
            .order_by("section__order", "order", "pk")
        )
    mine = [ind for ind in indicators if services.can_enter(request.user, subject, ind)]
    if not mine and not selectors.sees_unpublished(request.user, subject):
        raise Http404
    current = {e.indicator_id: e for e in Entry.objects.filter(subject=subject).select_related("entered_by")}
    open_ = campaign.phase == Phase.APPRAISAL
    form = forms.EntriesForm(request.POST or None, indicators=mine, entries=current)
    status = 200
    if request.method == "POST":
        if not open_:
            messages.error(request, _("Appraisals and inspections are entered during their phase only."))
            return redirect(reverse("ratings:entries", args=[subject.pk]))
        if form.is_valid():
            saved = 0
            for ind, value, note in list(form.changed_lines()):
                try:
                    services.entry_record(actor=request.user, subject=subject, indicator=ind, value=value, note=note)
                except ValidationError as exc:
                    errors = exc.error_dict if hasattr(exc, "error_dict") else {"value": exc.messages}
                    for key, errs in errors.items():
                        form.add_error(f"n{ind.pk}" if key == "note" else f"v{ind.pk}", errs)
                except PermissionDenied:
                    form.add_error(f"v{ind.pk}", _("You may not enter this item."))
                else:
                    saved += 1
            if not form.errors:
                if saved:
                    messages.success(request, ngettext("%(n)s line saved.", "%(n)s lines saved.", saved) % {"n": saved})
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect(reverse("ratings:entries", args=[subject.pk]))
            if saved:
                messages.success(request, ngettext("%(n)s line saved.", "%(n)s lines saved.", saved) % {"n": saved})
            current = {e.indicator_id: e for e in Entry.objects.filter(subject=subject).select_related("entered_by")}
            form.entries = current
        status = 400
    others = [ind for ind in indicators if ind not in mine] if selectors.sees_unpublished(request.user, subject) else []
    return render(request, "ratings/entries.html", {
        "subject": subject,
        "campaign": campaign,
        "form": form,
        "open": open_,
        "others": [(ind, current.get(ind.pk)) for ind in others],
    }, status=status)


# --- a score ------------------------------------------------------------------------------------


def _score_or_404(user, pk) -> Score:
    score = access_score(user, pk)
    if not score.snapshot.campaign.published and not selectors.sees_unpublished(user, score.subject):
        raise Http404
    return score


METRIC_COUNTS = {
    "response_rate": ("responded", "response_base"),
    "resolution_rate": ("resolved", "resolution_base"),
    "satisfaction_rate": ("satisfied", "basic", "rated"),
    "overdue_share": ("overdue", "counted"),
    "reopen_share": ("reopened", "counted"),
    "issues_per_100_households": ("counted",),
}


def _count_labels():
    return {
        "responded": _("responded in time"),
        "response_base": _("to respond to"),
        "resolved": _("resolved"),
        "resolution_base": _("to resolve"),
        "satisfied": _("satisfied"),
        "basic": _("basically satisfied"),
        "rated": _("rated"),
        "overdue": _("late or overdue"),
        "reopened": _("reopened"),
        "counted": _("issues"),
    }


def _rule_sentence(score, template, band) -> str:
    min_stars = template.renew_min_stars if template else 0
    if score.rule == "red_card":
        return _("A red card was given: do not renew, whatever the score.")
    if score.rule == "stars_renew":
        return _("%(stars)s star(s) reach the %(min)s needed for renewal: renew.") % {"stars": score.stars, "min": min_stars}
    if score.rule == "stars_rectify":
        by = score.rectify_by.isoformat() if score.rectify_by else "—"
        return _("%(stars)s star(s), fewer than the %(min)s needed for renewal: rectify by %(date)s.") % {
            "stars": score.stars, "min": min_stars, "date": by,
        }
    if score.rule == "no_star":
        low = band or "—"
        return _("Below the lowest star band (%(low)s points): no star, do not renew.") % {"low": low}
    return score.rule


def _listing_sentence(score, template) -> str:
    reason = score.listing_reason
    if reason == "white_stars":
        return _("%(stars)s stars reach the %(n)s needed for the white list.") % {
            "stars": score.stars, "n": template.white_list_stars if template else "—",
        }
    if reason == "starless_years":
        return _("No star for %(n)s consecutive year(s): black list.") % {
            "n": template.black_list_starless_years if template else "—",
        }
    if reason == "red_card":
        return _("A red card puts it on the black list.")
    return _("On neither list.")


def _lines(breakdown, inputs, entries):
    """The breakdown's sections with, per line, the data behind it for the page."""
    metrics = inputs.get("metrics", {})
    labels = _count_labels()
    sections = []
    for section in breakdown.get("sections", []):
        rows = []
        for line in section.get("indicators", []):
            row = dict(line)
            if line["source"] == "metric":
                keys = METRIC_COUNTS.get(line.get("metric"), ())
                row["counts"] = [(labels[k], metrics.get(k, 0)) for k in keys]
                if line.get("metric") == "issues_per_100_households":
                    row["counts"].append((_("households"), inputs.get("households", 0)))
            elif line["source"] in ("appraisal", "inspection", "bonus", "card"):
                row["entry"] = entries.get(line["code"])
            rows.append(row)
        sections.append({**section, "indicators": rows})
    return sections


def _parse_time(text):
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


# The score's stored codes, as the page names them (the audit trail shows labels, not codes).
RULE_LABELS = {
    "red_card": gettext_lazy("a red card"),
    "stars_renew": gettext_lazy("enough stars to renew"),
    "stars_rectify": gettext_lazy("stars below the renewal line"),
    "no_star": gettext_lazy("no star"),
    "white_stars": gettext_lazy("stars for the white list"),
    "starless_years": gettext_lazy("consecutive years without a star"),
}


def _shown(field: str, *values):
    choices = dict(Score._meta.get_field(field).choices or ())
    if field in ("rule", "listing_reason"):
        choices = RULE_LABELS
    return [str(choices.get(v, v)) if v not in ("", None) else "—" for v in values]


def _render_score(request, score, *, status=200, appeal_form=None, decide_form=None, decide_appeal=None):
    user = request.user
    campaign = score.snapshot.campaign
    subject = score.subject
    template = _template_of(campaign, subject.kind)
    breakdown = engine.parse(score.breakdown)
    inputs = engine.parse(score.inputs)
    entries = {
        e.indicator.code: e
        for e in Entry.objects.filter(subject=subject).select_related("indicator", "entered_by")
    }
    band = None
    if template is not None:
        _stars, band = engine.stars_for({"star_bands": template.star_bands}, score.total)
        lowest = min((Decimal(str(low)) for low, _n in template.star_bands), default=None)
    else:
        lowest = None
    appeals = list(
        Appeal.objects.filter(score=score).select_related("filed_by", "decided_by").prefetch_related("attachments").order_by("-filed_at")
    )
    can_admin = services.can_administer(user, campaign)
    party = services.is_rated_party(user, subject)
    may_appeal = (
        party
        and campaign.phase == Phase.PUBLICATION
        and score.snapshot_id == campaign.snapshot_id
        and timezone.localdate() < campaign.appeals_end
        and not any(a.status == AppealStatus.PENDING for a in appeals)
    )
    for appeal in appeals:
        if appeal.status == AppealStatus.PENDING and can_admin:
            appeal.decide_form = decide_form if decide_appeal == appeal.pk else forms.DecideForm(auto_id=f"id_a{appeal.pk}_%s")
    history = []
    for record in score.history.select_related("history_user").order_by("history_date"):
        changes = []
        if record.history_type == "~" and record.prev_record is not None:
            delta = record.diff_against(record.prev_record)
            changes = [(Score._meta.get_field(c.field).verbose_name, *_shown(c.field, c.old, c.new)) for c in delta.changes]
        history.append({"record": record, "changes": changes})
    return render(request, "ratings/score.html", {
        "score": score,
        "campaign": campaign,
        "subject": subject,
        "template": template,
        "breakdown": breakdown,
        "inputs": inputs,
        "as_of": _parse_time(inputs.get("as_of")),
        "sections": _lines(breakdown, inputs, entries),
        "band": band,
        "rule_sentence": _rule_sentence(score, template, lowest),
        "listing_sentence": _listing_sentence(score, template),
        "appeals": appeals,
        "may_appeal": may_appeal,
        "appeal_form": appeal_form or (forms.AppealForm() if may_appeal else None),
        "can_admin": can_admin,
        "history": history,
        "oversees": selectors.oversees(user, campaign),
    }, status=status)


@login_required
def score_detail(request, pk):
    score = _score_or_404(request.user, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    return _render_score(request, score)


@login_required
def appeal_file(request, pk):
    score = _score_or_404(request.user, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    form = forms.AppealForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.appeal_file(actor=request.user, score=score, reason=form.cleaned_data["reason"], files=form.cleaned_data["files"])
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Appeal filed; the campaign's admins decide it and you are notified."))
            return redirect(score_url(score))
    return _render_score(request, score, status=400, appeal_form=form)


@login_required
def appeal_decide(request, pk):
    appeal = get_or_404(Appeal.objects.all(), pk)
    score = _score_or_404(request.user, appeal.score_id)
    if response := method_not_allowed(request, "POST"):
        return response
    if not services.can_administer(request.user, score.snapshot.campaign):
        raise PermissionDenied
    form = forms.DecideForm(request.POST, auto_id=f"id_a{appeal.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.appeal_decide(
                actor=request.user, appeal=appeal, decision=data["decision"], reason=data["decision_reason"],
                adjustment=data.get("adjustment") or 0,
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Appeal decided; the appellant is notified."))
            return redirect(score_url(score))
    return _render_score(request, score, status=400, decide_form=form, decide_appeal=appeal.pk)


@login_required
def attachment(request, pk):
    """An appeal's file, only to those who may see the score."""
    item = get_or_404(AppealAttachment.objects.select_related("appeal"), pk)
    _score_or_404(request.user, item.appeal.score_id)
    if response := method_not_allowed(request, "GET"):
        return response
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    # Images (re-encoded on upload) open in the browser; PDFs download.
    response = FileResponse(handle, content_type=item.content_type, as_attachment=item.content_type == "application/pdf",
                            filename=item.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- history ------------------------------------------------------------------------------------


def _chart(scores) -> dict:
    years = sorted({s.snapshot.campaign.year for s in scores})
    by_year = defaultdict(list)
    for s in scores:
        by_year[s.snapshot.campaign.year].append(s)
    datasets = [{
        "label": str(_("Average score")),
        "data": [float(sum(s.total for s in by_year[y]) / len(by_year[y])) for y in years],
        "yAxisID": "y",
    }]
    for n in range(5, -1, -1):
        label = ngettext("%(n)s star", "%(n)s stars", n) % {"n": n} if n else _("No star")
        datasets.append({"label": str(label), "data": [sum(1 for s in by_year[y] if s.stars == n) for y in years], "yAxisID": "y1"})
    return {"labels": [str(y) for y in years], "datasets": datasets,
            "axes": {"y": str(_("Score")), "y1": str(_("Count"))}}


@login_required
def company_history(request, pk):
    company = get_or_404(PropertyCompany.objects.all(), pk)
    scores = list(selectors.history_of_company(company.pk))
    user = request.user
    staff = PropertyStaff.objects.filter(company=company, user=user, ended_on__isnull=True).exists()
    if not staff:
        campaigns = {s.snapshot.campaign_id for s in scores}
        if not campaigns or not selectors.campaigns_overseen(user).filter(pk__in=campaigns).exists():
            raise Http404
    if response := method_not_allowed(request, "GET"):
        return response
    return render(request, "ratings/history.html", {
        "title": company.name, "company": company, "scores": scores, "chart": _chart(scores), "kind": "company",
    })


@login_required
def committee_history(request, pk):
    compound = get_or_404(Compound.objects.select_related("community"), pk)
    scores = list(selectors.history_of_committees(compound.pk).select_related("subject__committee"))
    user = request.user
    s = scopes_for(user)
    allowed = compound.pk in s.resident_compounds
    if not allowed:
        committees = {sc.subject.committee_id for sc in scores}
        allowed = bool(committees) and Seat.objects.filter(committee_id__in=committees, user=user, ended_on__isnull=True).exists()
    if not allowed:
        campaigns = {sc.snapshot.campaign_id for sc in scores}
        allowed = bool(campaigns) and selectors.campaigns_overseen(user).filter(pk__in=campaigns).exists()
    if not allowed:
        raise Http404
    if response := method_not_allowed(request, "GET"):
        return response
    return render(request, "ratings/history.html", {
        "title": _("Owners' committee of %(compound)s") % {"compound": compound.name},
        "compound": compound, "scores": scores, "chart": _chart(scores), "kind": "committee",
    })


# --- templates ----------------------------------------------------------------------------------


def _template_admin(user):
    if not _may_open(user):
        raise Http404


@login_required
def template_list(request):
    _template_admin(request.user)
    if response := method_not_allowed(request, "GET"):
        return response
    templates = list(Template.objects.annotate(indicators_n=Count("sections__indicators")).order_by("code", "-version"))
    return render(request, "ratings/templates.html", {"templates": templates})


def _indicator_forms(template, bound=None):
    rows = []
    for section in template.sections.prefetch_related("indicators").order_by("order", "pk"):
        items = []
        for ind in section.indicators.all():
            if bound is not None and bound.initial.get("indicator") == ind.pk:
                form = bound
            else:
                config = ind.config or {}
                form = forms.IndicatorForm(
                    source=ind.source, auto_id=f"id_i{ind.pk}_%s",
                    initial={
                        "indicator": ind.pk,
                        "max_points": ind.max_points,
                        "thresholds": forms.thresholds_text(config.get("thresholds")),
                        "per_defect": config.get("per_defect", 1) if ind.source == Source.INSPECTION else None,
                        "per_card": config.get("per_card") if ind.source == Source.CARD else None,
                        "guidance": ind.guidance,
                    },
                )
            items.append({"indicator": ind, "form": form})
        rows.append({"section": section, "items": items})
    return rows


def _render_template(request, template, *, status=200, settings_form=None, indicator_form=None):
    if settings_form is None:
        settings_form = forms.TemplateForm(initial={
            "name": template.name, "description": template.description,
            "star_bands": forms.bands_text(template.star_bands), "bonus_cap": template.bonus_cap,
            "renew_min_stars": template.renew_min_stars, "rectify_days": template.rectify_days,
            "white_list_stars": template.white_list_stars, "black_list_starless_years": template.black_list_starless_years,
        })
    versions = list(Template.objects.filter(code=template.code).order_by("-version"))
    return render(request, "ratings/template.html", {
        "template": template,
        "settings_form": settings_form,
        "sections": _indicator_forms(template, indicator_form),
        "versions": versions,
    }, status=status)


@login_required
def template_detail(request, pk):
    _template_admin(request.user)
    template = get_or_404(Template.objects.all(), pk)
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    if request.method == "GET":
        return _render_template(request, template)
    if template.frozen:
        messages.error(request, _("This version is used by a campaign and can no longer change; make a new version."))
        return redirect(reverse("ratings:template", args=[template.pk]))
    if "indicator" in request.POST:
        indicator = get_or_404(Indicator.objects.filter(section__template=template), request.POST.get("indicator"))
        form = forms.IndicatorForm(request.POST, source=indicator.source, auto_id=f"id_i{indicator.pk}_%s",
                                   initial={"indicator": indicator.pk})
        if form.is_valid():
            try:
                services.indicator_update(
                    actor=request.user, indicator=indicator, max_points=form.cleaned_data["max_points"],
                    config=form.config(indicator.config), guidance=form.cleaned_data["guidance"],
                )
            except ValidationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, _("“%(name)s” saved.") % {"name": indicator.name_zh})
                return redirect(reverse("ratings:template", args=[template.pk]) + f"#ind-{indicator.pk}")
        return _render_template(request, template, status=400, indicator_form=form)
    form = forms.TemplateForm(request.POST)
    if form.is_valid():
        try:
            services.template_update(actor=request.user, template=template, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Template settings saved."))
            return redirect(reverse("ratings:template", args=[template.pk]))
    return _render_template(request, template, status=400, settings_form=form)


@login_required
def template_new_version(request, pk):
    _template_admin(request.user)
    template = get_or_404(Template.objects.all(), pk)
    if response := method_not_allowed(request, "POST"):
        return response
    copy = services.template_new_version(actor=request.user, template=template)
    messages.success(request, _("Version %(n)s made; edit it before a campaign uses it.") % {"n": copy.version})
    return redirect(reverse("ratings:template", args=[copy.pk]))
