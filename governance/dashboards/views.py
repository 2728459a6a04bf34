from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from compounds import selectors
from compounds.models import ResidencyStatus
from compounds.scopes import scopes_for
from governance.http import method_not_allowed
from governance.ratings.selectors import published_for_compound

from . import exports
from . import selectors as dashboard_selectors


@login_required
@require_GET
def home(request):
    """One home for everyone, with a section per role the person holds."""
    user = request.user
    scopes = scopes_for(user)
    context = {"residencies": selectors.residencies_of(user).exclude(status=ResidencyStatus.ENDED)}
    if scopes.is_staff:
        compounds = selectors.compounds_with_figures(selectors.compounds_managed(user)).order_by("-n_pending", "name")
        totals = selectors.compounds_managed(user).aggregate(
            compounds=Count("pk", distinct=True),
            households=Count("buildings__households", distinct=True),
        )
        residencies = selectors.residencies_managed(user).aggregate(
            verified=Count("pk", filter=Q(status=ResidencyStatus.VERIFIED)),
            pending=Count("pk", filter=Q(status=ResidencyStatus.PENDING)),
        )
        context.update(
            {
                "staff_compounds": compounds[:12],
                "totals": totals | residencies,
                "pending_claims": selectors.residencies_managed(user)
                .filter(status=ResidencyStatus.PENDING)
                .order_by("created_at")[:5],
            }
        )
    context.update(_issue_sections(user, scopes))
    context["notifications"] = user.notifications.filter(read_at__isnull=True)[:5]
    return render(request, "dashboards/home.html", context)


def _issue_sections(user, scopes) -> dict:
    """The issue loop on the home page, a fixed number of queries whatever the counts: a resident's
    open issues (1), a handler's queue and overdue counts (2), escalations waiting for staff (1)."""
    from governance.issues import selectors as issue_selectors
    from governance.issues.states import OPEN_STATES, State
    from governance.issues.templatetags.issue_tags import has_queue

    sections = {"can_file_issue": bool(scopes.resident_compounds)}
    if scopes.resident_compounds:
        sections["my_open_issues"] = list(
            issue_selectors.issues_of_reporter(user)
            .filter(state__in=OPEN_STATES | {State.RESOLVED})
            .select_related("household__building")[:5]
        )
    if has_queue(scopes):
        work = issue_selectors.work_queue(user)
        sections["queue_figures"] = {
            "total": work.count(),
            "overdue": issue_selectors.filter_queue(work, overdue=True).count(),
        }
        if scopes.is_staff:
            sections["escalated"] = list(work.filter(state=State.ESCALATED)[:5])
    return sections


@login_required
def who_serves_us(request, pk):
    """The branch, the resident's own zone member and building leader, the committees and the
    property company of one compound; 404 for anyone who neither lives there nor manages it."""
    compound = dashboard_selectors.access_who_serves_us(request.user, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    page = dashboard_selectors.who_serves_us(request.user, compound)
    return render(request, "dashboards/who_serves_us.html", {"page": page, "compound": compound, "ratings": _latest_ratings(compound)})


def _latest_ratings(compound) -> list:
    """The compound's results of its latest published campaign (one query)."""
    rows = list(published_for_compound(compound.pk)[:20])
    if not rows:
        return []
    latest = rows[0].snapshot.campaign_id
    return [row for row in rows if row.snapshot.campaign_id == latest]


@login_required
def coverage(request):
    """Coverage of the 1 and the 3 per community, subdistrict or district, with a chart and .xlsx."""
    figures = dashboard_selectors.coverage(request.user, level=request.GET.get("level"), area_id=request.GET.get("id"))
    if response := method_not_allowed(request, "GET"):
        return response
    row_label = ROW_LABELS[figures.row_kind]
    if request.GET.get("format") == "xlsx":
        name = f"coverage-{figures.level}{'-' + str(figures.area_id) if figures.area_id else ''}-{timezone.localdate():%Y%m%d}.xlsx"
        response = HttpResponse(
            exports.coverage_xlsx(figures, str(row_label)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    columns = exports.columns()

    def table_body():
        rows = [
            {"row": row, "cells": [exports.cell(row, key) for _header, key in columns], "link": _drill_link(figures, row)}
            for row in figures.rows
        ]
        total_cells = [exports.cell(figures.total, key) for _header, key in columns]
        return render_to_string("dashboards/_coverage_body.html", {"rows": rows, "total_cells": total_cells})

    # Kept figures (a wide area, summed from the stored counts) keep their rendered table beside
    # them, under the same key: the same stored counts, the same language, the same table.
    if figures.kept_key:
        body = cache.get_or_set(f"{figures.kept_key}:table", table_body, dashboard_selectors.COVERAGE_CACHE_SECONDS)
    else:
        body = table_body()
    chart = {
        "labels": [row.name for row in figures.rows],
        "series": [
            {"label": str(_("Branch coverage %")), "data": [row.rates["branch"] for row in figures.rows]},
            {"label": str(_("Committee formation %")), "data": [row.rates["committee"] for row in figures.rows]},
            {"label": str(_("Property-service coverage %")), "data": [row.rates["property"] for row in figures.rows]},
            {"label": str(_("Zone coverage %")), "data": [row.rates["zoned"] for row in figures.rows]},
            {"label": str(_("Cross-appointment %")), "data": [row.rates["cross"] for row in figures.rows]},
        ],
    }
    query = request.GET.copy()
    query["format"] = "xlsx"
    return render(
        request,
        "dashboards/coverage.html",
        {
            "figures": figures,
            "rows": figures.rows,
            "table_body": mark_safe(body),  # rendered by the template engine, escaped there
            "headers": [header for header, _key in columns],
            "row_label": row_label,
            "chart": chart,
            "xlsx_query": query.urlencode(),
        },
    )


ROW_LABELS = {"district": _("District"), "subdistrict": _("Subdistrict"), "community": _("Community")}


def _drill_link(figures, row) -> str:
    """Rows of districts and subdistricts open the next level down."""
    if figures.row_kind == "community" and figures.level == "community":
        return ""
    return f"?level={figures.row_kind}&id={row.key}"
