"""The joint meetings' figures page: per compound, community or subdistrict over a period (the
last twelve months by default), meetings held against scheduled, attendance by organisation,
action items done on time and issues resolved through meetings, with a chart of the three rates.

Computed by ``governance.meetings.figures`` within the caller's scope (officers and admins: their
places; the branch: its compounds); anyone else gets 404, as on the rates pages.
"""

from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.http import method_not_allowed
from governance.meetings import figures
from governance.meetings.models import Organisation

from .rates_views import DateRangeForm, _months_back, pct

LEVELS = [("compound", _("Compounds")), ("community", _("Communities")), ("subdistrict", _("Subdistricts"))]
ROW_LABELS = {"compound": _("Compound"), "community": _("Community"), "subdistrict": _("Subdistrict")}


class MeetingsPeriodForm(DateRangeForm):
    level = forms.ChoiceField(label=_("Rows"), choices=LEVELS, required=False)
    field_order = ["level", "start", "end"]


def _period(request, today: date):
    """(form, level, start, end); bad dates keep the default period and say why."""
    level = request.GET.get("level") if request.GET.get("level") in figures.LEVELS else "compound"
    start, end = _months_back(today, 11), today
    form = None
    if request.GET.get("start") or request.GET.get("end"):
        form = MeetingsPeriodForm(request.GET)
        if form.is_valid():
            asked_start, asked_end = form.cleaned_data["start"] or start, form.cleaned_data["end"] or end
            if asked_start > asked_end:
                form.add_error("end", _("The end must be on or after the start."))
            else:
                start, end = asked_start, asked_end
    if form is None or not form.errors:
        form = MeetingsPeriodForm(initial={"level": level, "start": start, "end": end})
    return form, level, start, end


def _chart_value(value):
    return None if value is None else round(value * 100, 1)


def _organisation_columns() -> list[tuple[str, str]]:
    labels = dict(Organisation.choices)
    return [(org, labels[org]) for org in figures.ORGANISATIONS] + [(figures.OTHERS, _("Others invited"))]


def _cells(row: figures.Row, organisations) -> dict:
    total = row.attendance_total
    return {
        "row": row,
        "held_rate": pct(row.held_rate),
        "attendance": f"{total.attended}/{total.invited}",
        "attendance_rate": pct(total.rate),
        "on_time_rate": pct(row.on_time_rate),
        "organisations": [
            {"count": f"{a.attended}/{a.invited}" if a.invited else "—", "rate": pct(a.rate)}
            for a in (row.attendance_of(org) for org, _label in organisations)
        ],
    }


@login_required
def meetings_figures(request):
    """Joint meetings' figures per row of the chosen level over the chosen period."""
    figures.figures_scope(request.user)  # outsiders: 404 before anything else
    if response := method_not_allowed(request, "GET"):
        return response
    today = timezone.localdate()
    form, level, start, end = _period(request, today)
    result = figures.meeting_figures(request.user, level, start, end)
    organisations = _organisation_columns()
    rows = [_cells(row, organisations) for row in result.rows]
    chart = {
        "labels": [row.name for row in result.rows],
        "series": [
            {"label": str(_("Held of scheduled %")), "data": [_chart_value(r.held_rate) for r in result.rows]},
            {"label": str(_("Attendance %")), "data": [_chart_value(r.attendance_total.rate) for r in result.rows]},
            {"label": str(_("Action items done on time %")), "data": [_chart_value(r.on_time_rate) for r in result.rows]},
        ],
    }
    return render(
        request,
        "dashboards/meetings.html",
        {
            "form": form,
            "level": level,
            "levels": LEVELS,
            "row_label": ROW_LABELS[level],
            "start": start,
            "end": end,
            "rows": rows,
            "total": _cells(result.total, organisations),
            "organisations": organisations,
            "any_meetings": result.total.scheduled > 0,
            "chart": chart,
        },
    )
