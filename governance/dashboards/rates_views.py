"""The three rates (三率) pages: response, resolution and satisfaction rates and their weighted
composite for every subject of a kind (compound, zone, member, property company, community,
subdistrict, department) over a period, the monthly ranking, and a compound's last twelve months.

Everything is computed by ``governance.issues.rates`` over the issues (or, for departments, the
summonses) within the caller's scope (``governance.issues.scoping``, shared with the rates API):
- officers and admins: the issues of their places;
- branch secretaries and branch committee members: the issues of the compounds their branch covers;
- property staff: the issues handled by their company at the compounds where they work;
- department responders: the issues their department was summoned to (its summonses).
Anyone else (residents, strangers) gets 404, as on the coverage page. Subject names come in one
query per kind.
"""

from datetime import date
from io import BytesIO

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font

from committees.models import PropertyCompany
from compounds.models import Community, Compound, Department, Subdistrict
from governance.http import method_not_allowed
from governance.issues import generations, rates
from governance.issues.models import IssuePolicy
from governance.issues.scoping import RatesScope, rates_scope
from governance.party.models import PartyMember, ResponsibilityZone

KINDS = [
    ("compound", _("Compounds")),
    ("zone", _("Responsibility zones")),
    ("member", _("Party members")),
    ("company", _("Property companies")),
    ("community", _("Communities")),
    ("subdistrict", _("Subdistricts")),
    ("department", _("Departments")),
]
KIND_LABELS = dict(KINDS)
SUBJECT_LABELS = {
    "compound": _("Compound"),
    "zone": _("Responsibility zone"),
    "member": _("Party member"),
    "company": _("Property company"),
    "community": _("Community"),
    "subdistrict": _("Subdistrict"),
    "department": _("Department"),
}
PRESETS = [("this_month", _("This month")), ("last_month", _("Last month")), ("this_year", _("This year")),
           ("last_12_months", _("Last 12 months"))]
MAX_DAYS = 3 * 366


# --- names and formatting ---------------------------------------------------------------------


def subject_names(kind: str, ids, also: Q | None = None) -> dict[int, str]:
    """The display names of the subjects ``ids`` and of those matching ``also``, in one query."""
    q = Q(pk__in=list(ids))
    if also is not None:
        q = q | also if also else Q()  # an empty filter matches everything: OR-ing it would drop it
    if kind == "zone":
        return {pk: f"{name}（{compound}）" for pk, name, compound in
                ResponsibilityZone.objects.filter(q).values_list("pk", "name", "compound__name").distinct()}
    if kind == "member":
        return {pk: f"{name or username}（{branch}）" for pk, name, username, branch in
                PartyMember.objects.filter(q).values_list("pk", "user__display_name", "user__username", "branch__name")
                .distinct()}
    model = {"compound": Compound, "company": PropertyCompany, "community": Community,
             "subdistrict": Subdistrict, "department": Department}[kind]
    return dict(model.objects.filter(q).values_list("pk", "name").distinct())


def pct(value) -> str:
    """A rate as a percentage with one decimal, or "—" when there is nothing to measure."""
    return "—" if value is None else f"{value * 100:.1f}%"


def _chart_value(value):
    return None if value is None else round(value * 100, 1)


def _row(pk, name, r: rates.Rates) -> dict:
    return {
        "pk": pk,
        "name": name,
        "rates": r,
        "response": pct(r.response_rate),
        "resolution": pct(r.resolution_rate),
        "satisfaction": pct(r.satisfaction_rate),
        "composite": pct(r.composite),
    }


def _sorted_rows(kind: str, by: dict, scope: RatesScope, weights) -> list[dict]:
    """A row per subject in the scope (those without issues in the period too), best first."""
    names = subject_names(kind, by, scope.subjects(kind))
    empty = rates.Rates(weights=weights)
    rows = [_row(pk, names.get(pk, f"#{pk}"), by.get(pk, empty)) for pk in names.keys() | by.keys()]
    rows.sort(key=lambda row: (row["rates"].composite is None, -(row["rates"].composite or 0), -row["rates"].counted, row["name"]))
    return rows


def _definitions(policy: IssuePolicy) -> dict:
    w = [f"{float(x):g}" for x in policy.weights()]
    return {"response": w[0], "resolution": w[1], "satisfaction": w[2]}


# --- the period -------------------------------------------------------------------------------


class DateRangeForm(forms.Form):
    """From–to dates for a figures page (both optional; at most three years)."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("The end must be on or after the start."))
            elif (end - start).days > MAX_DAYS:
                self.add_error("start", _("Choose a period of at most three years."))
        return data


class PeriodForm(DateRangeForm):
    kind = forms.ChoiceField(label=_("Subjects"), choices=KINDS, required=False)
    field_order = ["kind", "start", "end"]


def _months_back(day: date, n: int) -> date:
    """The first of the month ``n`` months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def preset_period(preset: str, today: date) -> tuple[date, date]:
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        return rates.month_bounds(_months_back(today, 1))
    if preset == "this_year":
        return today.replace(month=1, day=1), today
    return _months_back(today, 11), today


def _period(request, today: date):
    """(form, kind, start, end, preset) from the query; bad dates keep the defaults and say why."""
    preset = request.GET.get("preset", "")
    kind = request.GET.get("kind") if request.GET.get("kind") in KIND_LABELS else "compound"
    start, end = preset_period(preset, today)
    form = None
    if request.GET.get("start") or request.GET.get("end"):
        form = PeriodForm(request.GET)
        if form.is_valid():
            asked_start = form.cleaned_data["start"] or start
            asked_end = form.cleaned_data["end"] or end
            if asked_start > asked_end:
                form.add_error("end", _("The end must be on or after the start."))
            else:
                start, end, preset = asked_start, asked_end, ""
    if form is None or not form.errors:
        form = PeriodForm(initial={"kind": kind, "start": start, "end": end})
    return form, kind, start, end, preset


# --- pages ------------------------------------------------------------------------------------


def _index_rows(kind: str, start: date, end: date, scope: RatesScope, policy: IssuePolicy) -> list[dict]:
    by = rates.rates_by(kind, start, end, within=scope.within(kind), policy=policy)
    rows = _sorted_rows(kind, by, scope, policy.weights())
    for row in rows:
        row["link"] = kind == "compound" and (scope.places is not None or row["pk"] in (scope.compound_ids or ()))
    return rows


def _index_body(kind: str, start: date, end: date, scope: RatesScope, policy: IssuePolicy, today: date) -> dict:
    """The rates page's figures: the rendered table, the chart's data and how many rows.

    Kept in the page cache (``generations``) when the scope's issues all carry stamps: under the
    stamps of the scope's places (any write to one of their issues drops it), of the rollup (a
    refresh), of the names (subjects and what ties them to places) and of the people (members and
    zones), and until the clock alone would change a figure: the next deadline ahead of an open
    issue of the period (``rates.next_change``). Only the periods the page offers (its presets)
    are kept: any other pair of dates is the caller's to make up, and keeping each would let anyone
    fill the cache."""

    offered = {preset_period(value, today) for value, _label in PRESETS}
    kept = kind != "department" and scope.stamps is not None and (start, end) in offered and generations.enabled()

    def compute() -> dict:
        now = timezone.now()
        rows = _index_rows(kind, start, end, scope, policy)
        chart = {
            "type": "bar",
            "labels": [row["name"] for row in rows],
            "series": [{"label": str(_("Composite %")), "data": [_chart_value(row["rates"].composite) for row in rows]}],
        }
        table = render_to_string("dashboards/_rates_table.html", {"rows": rows, "subject_label": SUBJECT_LABELS[kind]})
        until = rates.next_change(start, end, within=scope.within(kind), now=now) if kept else None
        return {"count": len(rows), "table": table, "chart": chart, "until": until}

    if not kept:
        return compute()
    scopes = [*scope.stamps, generations.ROLLUPS]
    if kind in ("member", "zone"):
        scopes.append(generations.PEOPLE)
    body = generations.cached(
        "rates-index",
        scopes,
        (kind, start, end, policy.weights(), scope.issues, scope.places, sorted(scope.compound_ids or ())),
        compute,
        fresh=lambda body: body["until"] is None or timezone.now() < body["until"],
    )
    return {**body, "table": mark_safe(body["table"])}  # rendered by the template engine, escaped there


@login_required
def rates_index(request):
    """Every subject of a kind in the caller's scope over a period: the rates, a bar chart of the
    composite and a spreadsheet."""
    scope = rates_scope(request.user)
    if response := method_not_allowed(request, "GET"):
        return response
    today = timezone.localdate()
    form, kind, start, end, preset = _period(request, today)
    policy = IssuePolicy.current()
    if request.GET.get("format") == "xlsx":
        return _xlsx(kind, start, end, _index_rows(kind, start, end, scope, policy))
    query = request.GET.copy()
    query.update({"kind": kind, "start": start.isoformat(), "end": end.isoformat(), "format": "xlsx"})
    query.pop("preset", None)
    body = _index_body(kind, start, end, scope, policy, today)
    return render(
        request,
        "dashboards/rates.html",
        {
            "form": form,
            "kind": kind,
            "kinds": KINDS,
            "kind_label": KIND_LABELS[kind],
            "subject_label": SUBJECT_LABELS[kind],
            "start": start,
            "end": end,
            "preset": preset,
            "presets": PRESETS,
            **body,
            "xlsx_query": query.urlencode(),
            "weights": _definitions(policy),
            "ranking_month": _months_back(today, 1).strftime("%Y-%m"),
        },
    )


def _parse_month(value: str | None, today: date) -> date:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return _months_back(today, 1)


@login_required
def rates_ranking(request):
    """The month's ranking of a kind of subject: best composite first."""
    scope = rates_scope(request.user)
    if response := method_not_allowed(request, "GET"):
        return response
    today = timezone.localdate()
    kind = request.GET.get("kind") if request.GET.get("kind") in KIND_LABELS else "compound"
    month = _parse_month(request.GET.get("month"), today)
    if month > today.replace(day=1) or month.year < 2000:
        month = today.replace(day=1)
    policy = IssuePolicy.current()
    ranked = rates.ranking(kind, month, within=scope.within(kind), policy=policy)
    names = subject_names(kind, [pk for pk, _r in ranked])
    rows = []
    for position, (pk, r) in enumerate(ranked, start=1):
        row = _row(pk, names.get(pk, f"#{pk}"), r)
        row["rank"] = position if r.composite is not None else None
        row["link"] = kind == "compound" and (scope.places is not None or pk in (scope.compound_ids or ()))
        rows.append(row)
    previous = _months_back(month, 1)
    following = _months_back(month, -1)
    return render(
        request,
        "dashboards/rates_ranking.html",
        {
            "kind": kind,
            "kinds": KINDS,
            "kind_label": KIND_LABELS[kind],
            "subject_label": SUBJECT_LABELS[kind],
            "month": month,
            "month_value": month.strftime("%Y-%m"),
            "previous": previous.strftime("%Y-%m"),
            "following": following.strftime("%Y-%m") if following <= today.replace(day=1) else "",
            "rows": rows,
            "weights": _definitions(policy),
        },
    )


@login_required
def rates_compound(request, pk):
    """One compound's rates month by month over the last twelve months (a line chart and a table)."""
    scope = rates_scope(request.user)
    try:
        compound = Compound.objects.select_related("community").get(pk=pk)
    except Compound.DoesNotExist:
        raise Http404 from None
    if not scope.sees_compound(compound.pk):
        raise Http404
    if response := method_not_allowed(request, "GET"):
        return response
    today = timezone.localdate()
    policy = IssuePolicy.current()
    within = scope.issues & Q(compound_id=compound.pk)
    months = []
    for back in range(11, -1, -1):
        first = _months_back(today, back)
        start, end = rates.month_bounds(first)
        r = rates.rates_by("compound", start, min(end, today), within=within, policy=policy).get(compound.pk, rates.Rates(weights=policy.weights()))
        months.append(_row(first, first.strftime("%Y-%m"), r))
    year = rates.rates_by("compound", _months_back(today, 11), today, within=within, policy=policy).get(
        compound.pk, rates.Rates(weights=policy.weights())
    )
    chart = {
        "type": "line",
        "labels": [m["name"] for m in months],
        "series": [
            {"label": str(_("Response rate %")), "data": [_chart_value(m["rates"].response_rate) for m in months]},
            {"label": str(_("Resolution rate %")), "data": [_chart_value(m["rates"].resolution_rate) for m in months]},
            {"label": str(_("Satisfaction rate %")), "data": [_chart_value(m["rates"].satisfaction_rate) for m in months]},
            {"label": str(_("Composite %")), "data": [_chart_value(m["rates"].composite) for m in months]},
        ],
    }
    return render(
        request,
        "dashboards/rates_compound.html",
        {"compound": compound, "months": months, "year": _row(compound.pk, compound.name, year), "chart": chart,
         "weights": _definitions(policy)},
    )


# --- spreadsheet ------------------------------------------------------------------------------


def _xlsx(kind: str, start: date, end: date, rows: list[dict]) -> HttpResponse:
    book = Workbook()
    sheet = book.active
    sheet.title = _t("Three rates")[:31]
    sheet.append([
        str(SUBJECT_LABELS[kind]), _t("Issues counted"), _t("Response rate %"), _t("Resolution rate %"),
        _t("Satisfaction rate %"), _t("Composite %"), _t("Rated"), _t("Satisfied"), _t("Basically satisfied"),
        _t("Dissatisfied"),
    ])
    for c in sheet[1]:
        c.font = Font(bold=True)
    for row in rows:
        r = row["rates"]
        sheet.append([
            row["name"], r.counted, _chart_value(r.response_rate), _chart_value(r.resolution_rate),
            _chart_value(r.satisfaction_rate), _chart_value(r.composite), r.rated, r.satisfied, r.basic, r.dissatisfied,
        ])
    sheet.freeze_panes = "B2"
    out = BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="rates-{kind}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    return response

