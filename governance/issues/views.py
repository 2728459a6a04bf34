"""Pages of the issue loop: filing (by a resident, or on a resident's behalf), my issues, the issue
with one form per action the caller may take, the work queue, and a compound's public board.

Each view: access helper first (404 outside scope), then the method check, then one service call.
A wrong state (``IllegalTransition``) is a message and a redirect on these pages (409 is the API's);
bad input re-renders the page with the errors next to the fields (400); "visible but not yours" is
PermissionDenied (403).
"""

import csv
from datetime import timedelta
from urllib.parse import urlencode

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compounds.models import Building, Compound, Household, ResidencyStatus
from compounds.scopes import scopes_for
from governance.accounts.models import User
from governance.compiled import Compiled, first_of
from governance.http import (
    form_errors_from,
    get_or_404,
    method_not_allowed,
    page_asked,
    paginate,
    paginate_deferred,
    querystring_without,
)

from . import forms, generations, permissions, selectors, services, states
from .models import (
    Category,
    ContactPreference,
    ExtensionStatus,
    HandlerKind,
    Issue,
    IssuePhoto,
    IssueSupport,
    PhotoStage,
)
from .permissions import access_issue
from .states import OPEN_STATES, TRANSITIONS, Action, IllegalTransition, State
from .templatetags.issue_tags import (
    board_row_parts,
    has_queue,
    my_issue_row_parts,
    queue_row_parts,
    queue_rows,
    select_options,
)

# --- filing -----------------------------------------------------------------------------------


def _own_households(user, compound):
    return (
        Household.objects.filter(
            residencies__user=user, residencies__status=ResidencyStatus.VERIFIED, building__compound=compound
        )
        .distinct()
        .order_by("building__name", "unit", "room")
    )


def _on_behalf_compounds(user):
    """The compounds the caller may file for: where they serve in the branch or as a member, and
    those they manage as an officer or admin."""
    s = scopes_for(user)
    mine = s.compounds_with(*permissions.ON_BEHALF_ROLES)
    q = Q(pk__in=mine)
    if s.is_staff:
        q |= s.compound_q()
    return Compound.objects.filter(q).select_related("community").order_by("name")


def _chosen(request, compounds):
    """The compound named by ?compound= (or the form), or the only one; None: let them pick."""
    wanted = request.GET.get("compound") or request.POST.get("compound")
    if wanted:
        found = [c for c in compounds if str(c.pk) == str(wanted)]
        if not found:
            raise Http404
        return found[0]
    if len(compounds) == 1:
        return compounds[0]
    return None


_COMPOUND = Compiled(
    lambda pk: first_of(Compound.objects.filter(pk=pk).select_related("community__subdistrict")), -1
)


def _compound_or_404(pk: int) -> Compound:
    """A compound the caller was already found to belong to, by compiled SQL; 404 if it is gone."""
    compound = _COMPOUND.first(pk)
    if compound is None:
        raise Http404
    return compound


def _resident_compound(request, resident_of):
    """The compound the resident files in: the one ?compound= (or the form) names, which must be
    one they live in (else 404), or the only one; None: let them pick."""
    wanted = request.GET.get("compound") or request.POST.get("compound")
    if not wanted:
        if len(resident_of) != 1:
            return None
        wanted = str(next(iter(resident_of)))
    # At most 19 digits: a bigint, and never a string too long for int() (4,300 digits: a 500).
    if not (wanted.isascii() and wanted.isdigit() and len(wanted) <= 19) or int(wanted) not in resident_of:
        raise Http404
    return _compound_or_404(int(wanted))


def _file(request, form, compound, **extra):
    data = dict(form.cleaned_data)
    photos = data.pop("photos", [])
    return services.issue_file(actor=request.user, compound=compound, photos=photos, **data, **extra)


@login_required
def issue_new(request):
    """A resident files an issue in a compound they live in (mobile first)."""
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    selectors.load_roles(request.user)  # kept between requests: no query for the caller's roles
    resident_of = scopes_for(request.user).resident_compounds
    if not resident_of:
        return render(request, "issues/new_not_resident.html")
    compound = _resident_compound(request, resident_of)
    if compound is None:
        compounds = Compound.objects.filter(pk__in=resident_of).select_related("community").order_by("name")
        return render(request, "issues/pick_compound.html", {"compounds": compounds, "url": reverse("issues:new")})
    compounds = resident_of  # the page says whether there is another to choose (its length)
    households = _own_households(request.user, compound)
    form = forms.IssueFileForm(request.POST or None, request.FILES or None, compound=compound, households=households)
    return _filing_page(
        request,
        form,
        compound,
        compounds,
        file=lambda: _file(request, form, compound),
        filed=_("Issue %(ref)s filed. You will be told of every step."),
        can_file_on_behalf=permissions.can_file_on_behalf(request.user, compound),
    )


def _filing_page(request, form, compound, compounds, *, file, filed, on_behalf=False, **context):
    """The filing form's round trip: on a valid POST file the issue (``file()``) and go to it with
    the ``filed`` message; else show the form again, with the service's errors on it (400)."""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                issue = file()
            except ValidationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, filed % {"ref": issue.reference})
                return redirect("issues:detail", issue.pk)
        status = 400
    context |= {
        "form": form,
        "compound": compound,
        "compounds": compounds,
        "on_behalf": on_behalf,
        "photos_lost": request.method == "POST" and bool(request.FILES.getlist("photos")),
    }
    return render(request, "issues/new.html", context, status=status)


def _links_by_phone(user, compound) -> bool:
    """Whether the filer may have the issue linked to the resident a phone number finds: officers
    who manage the compound and the branch (who see residents anyway). A plain Party member may
    file on behalf, but linking would let them look a resident's name up by number."""
    from compounds.permissions import can_manage_compound

    if scopes_for(user).compound_roles.get(compound.pk, set()).intersection(permissions.BRANCH_ROLES):
        return True
    return can_manage_compound(user, compound)


def _resident_of(compound, phone):
    """The registered resident of the compound with this number, if any."""
    if not phone:
        return None
    return (
        User.objects.filter(
            phone=phone, residencies__status=ResidencyStatus.VERIFIED, residencies__household__building__compound=compound
        )
        .distinct()
        .first()
    )


@login_required
def issue_new_on_behalf(request):
    """Officers, the branch and Party members file for a resident who phoned or came by."""
    selectors.load_roles(request.user)
    compounds = list(_on_behalf_compounds(request.user))
    if not compounds:
        raise Http404
    if response := method_not_allowed(request, "GET", "POST"):
        return response
    compound = _chosen(request, compounds)
    if compound is None:
        return render(
            request, "issues/pick_compound.html", {"compounds": compounds, "url": reverse("issues:new-on-behalf"), "on_behalf": True}
        )
    form = forms.OnBehalfForm(request.POST or None, request.FILES or None, compound=compound)

    def file():
        phone = form.cleaned_data["reporter_phone"].strip()
        reporter = _resident_of(compound, phone) if _links_by_phone(request.user, compound) else None
        return _file(request, form, compound, reporter=reporter)

    return _filing_page(
        request, form, compound, compounds, file=file, filed=_("Issue %(ref)s filed on the resident's behalf."), on_behalf=True
    )


@login_required
def similar(request):
    """Open issues of the same category in the same building (htmx fragment of the filing form)."""
    s = scopes_for(request.user)
    compound_id = request.GET.get("compound", "")
    if not compound_id.isdigit():
        raise Http404
    allowed = Compound.objects.filter(Q(pk__in=s.resident_compounds) | Q(pk__in=_on_behalf_compounds(request.user).values("pk")))
    compound = get_or_404(allowed, compound_id)
    if response := method_not_allowed(request, "GET"):
        return response
    category = building = None
    rows = []
    if (cid := request.GET.get("category", "")).isdigit():
        category = Category.objects.filter(pk=cid, active=True).first()
    if (bid := request.GET.get("building", "")).isdigit():
        building = Building.objects.filter(pk=bid, compound=compound).first()
    if category is not None:
        rows = list(selectors.similar_open(compound=compound, category=category, building=building))
    supported = set(
        IssueSupport.objects.filter(user=request.user, issue__in=[r.pk for r in rows]).values_list("issue_id", flat=True)
    ) if rows else set()
    return render(
        request,
        "issues/_similar.html",
        {
            "rows": rows,
            "compound": compound,
            "category": category,
            "supported": supported,
            "can_support": compound.pk in s.resident_compounds,
        },
    )


# --- lists ------------------------------------------------------------------------------------


MINE_FIELDS = (
    "id", "state", "created_at", "acknowledged_at", "response_due", "resolution_due", "common_area",
    "category__name_zh", "category__name_en", "compound__name", "building__name",
    "household__unit", "household__room", "household__building__name",
)


@login_required
def my_issues(request):
    if response := method_not_allowed(request, "GET"):
        return response
    number, size = page_asked(request)
    kept = generations.cached(
        "mine",
        [("reporter", request.user.pk)],
        (request.user.pk, number, size),
        lambda: _my_issues_page(request),
        keep=lambda kept: kept["number"] == number,
    )
    page = Paginator(range(kept["count"]), kept["size"]).get_page(kept["number"])
    page.object_list = kept["rows"]
    return render(
        request,
        "issues/mine.html",
        {"page": page, "can_file": bool(scopes_for(request.user).resident_compounds), "qs": querystring_without(request, "page")},
    )


def _my_issues_page(request) -> dict:
    """One page of the caller's own issues (``my_issue_row_parts``) with its paginator's figures;
    kept until one of their issues changes."""
    qs = selectors.issues_of_reporter(request.user).select_related("household__building")
    # Only what a row shows: an issue has over a hundred columns with its relations.
    page = paginate(request, qs.only(*MINE_FIELDS))
    return {
        "count": page.paginator.count,
        "size": page.paginator.per_page,
        "number": page.number,
        "rows": my_issue_row_parts(page.object_list),
    }


QUEUE_RELATED = (
    "household__building",
    "handler_company",
    "handler_committee",
    "handler_department",
    "branch",
    "community",
    "subdistrict",
    "reporter",
)


@login_required
def queue(request):
    """The caller's work queue, soonest deadline first; filters in the URL with counts on the chips.

    What the page shows besides the deadlines (chips, pickers, rows, pagination) is rendered once
    and kept in the page cache under the stamps of whatever can enter or leave the queue
    (``selectors.queue_stamps``) until the next deadline of an open issue in it passes (the
    overdue chip and filter move with the clock); the deadlines, relative to now, are written per
    request. The page's links carry its own filters only, so they follow from the key."""
    if response := method_not_allowed(request, "GET"):
        return response
    user = request.user
    state = request.GET.get("state", "")
    state = state if state in OPEN_STATES else ""
    category = request.GET.get("category", "")
    compound = request.GET.get("compound", "")
    compound = compound if compound.isdigit() else ""
    overdue = request.GET.get("overdue") == "1"
    now = timezone.now()

    def listed(base):
        stated = selectors.work_queue(user, state=state) if state else base
        return selectors.filter_queue(
            stated, category=category, compound=compound, overdue=overdue, open_only=True, now=now
        ).select_related(*QUEUE_RELATED)

    if request.GET.get("export") == "csv":
        return _queue_csv(listed(selectors.work_queue(user)))
    selectors.load_roles(user)
    s = scopes_for(user)
    can_bulk_dispatch = _dispatches_somewhere(s)
    queue_exists = has_queue(s)
    number, size = page_asked(request)
    filters = {"state": state, "category": category, "compound": compound, "overdue": "1" if overdue else ""}
    if size != 50:
        filters["size"] = str(size)

    def link(**changes) -> str:
        params = {k: v for k, v in {**filters, **changes}.items() if v}
        return "?" + urlencode(params) if params else "?"

    def compute() -> dict:
        base = selectors.work_queue(user)
        counts = _queue_counts(base, now, state=state, category=category, compound=compound, overdue=overdue)
        # Ids first, sorted on the issue table alone; then the page's fifty with what they show.
        page = paginate_deferred(request, listed(base), count=counts["rows"])
        by_state = counts["by_state"]
        en = (request.LANGUAGE_CODE or "").startswith("en")
        categories = [
            {"code": c["code"], "name": c["name_en"] if en else c["name_zh"], "n": c["n"]} for c in counts["categories"]
        ]
        context = {
            "page": page,
            "state": state,
            "category": category,
            "compound": compound,
            "overdue": overdue,
            "states": [(v, lbl, by_state.get(v, 0), link(state=v)) for v, lbl in State.choices if v in OPEN_STATES],
            "all_states_link": link(state=""),
            "all_states_count": sum(by_state.values()),
            "overdue_count": counts["overdue"],
            "overdue_link": link(overdue="" if overdue else "1"),
            # The pickers written once: a company's has an option per compound it serves.
            "category_options": select_options(categories, category, "code", "name"),
            "compound_options": select_options(counts["compounds"], compound, "compound_id", "compound__name"),
            "has_queue": queue_exists,
            "can_bulk_dispatch": can_bulk_dispatch,
            "filtered": bool(state or category or compound or overdue),
            "qs": link()[1:],
        }
        return {
            "until": counts["until"],
            # Only what the queue offers is kept: a page that exists, a category or compound of its
            # pickers (anything else is the caller's to make up, and keeping each would fill the
            # cache). Decided here so that the counts behind it are not kept: on a company's queue
            # they hold a row per compound, unpickled on every request that reads the page.
            "keep": (
                page.number == number
                and size == 50  # the page offers no other size
                and (not category or any(c["code"] == category for c in counts["categories"]))
                and (not compound or any(str(c["compound_id"]) == compound for c in counts["compounds"]))
            ),
            "number": page.number,
            "has_rows": bool(page.object_list),
            "top": render_to_string("issues/_queue_top.html", context),
            "table": render_to_string("issues/_queue_table.html", context),
            "rows": queue_row_parts(page.object_list, can_bulk_dispatch, DISPATCHABLE),
        }

    stamps, parts = selectors.queue_stamps(user)
    body = generations.cached(
        "queue:2",  # the kept body's shape (bodies kept in another shape are not read)
        stamps,
        (parts, state, category, compound, overdue, number, size, can_bulk_dispatch, queue_exists),
        compute,
        fresh=lambda body: body["until"] is None or timezone.now() < body["until"],
        keep=lambda body: body["keep"],
    )
    # Rendered by the template engine and format_html, escaped there.
    table = mark_safe(body["table"].replace("<!--queue-rows-->", queue_rows(body["rows"]), 1))
    return render(
        request,
        "issues/queue.html",
        {
            "top": mark_safe(body["top"]),
            "table": table,
            "page": {"object_list": body["has_rows"]},
            "can_bulk_dispatch": can_bulk_dispatch,
            "bulk_targets": [(k.value, k.label) for k in BULK_TARGETS],
            "can_file_on_behalf": _on_behalf_compounds(user).exists(),
        },
    )


def _queue_counts(base, now, *, state, category, compound, overdue) -> dict:
    """Every number the queue page shows besides its rows, from one grouped query: the rows
    (for the paginator), each state's chip, the overdue chip, and the category and compound
    pickers. Each of them used to be its own query over the queue, and compiling the queue's
    filter five times cost more than running the queries. Each number counts what the page
    would list with that one filter changed (a chip ignores the current state, the category
    picker the current category), as the separate queries did; the compound picker counts the
    whole queue."""
    groups = list(
        base.order_by()
        .values(
            "state", "compound_id", "compound__name",
            "category__code", "category__name_zh", "category__name_en", "category__order",
        )
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=selectors.overdue_open_q(now)),
            # When the overdue counts next change by the clock alone (the negation of overdue_open_q's terms).
            next_response=Min("response_due", filter=Q(response_due__gte=now, acknowledged_at__isnull=True) & ~Q(state=State.IN_PROGRESS)),
            next_resolution=Min("resolution_due", filter=Q(resolution_due__gte=now)),
        )
    )
    shown = "late" if overdue else "n"

    def matching(*, ignore: str = ""):
        for g in groups:
            if state and ignore != "state" and g["state"] != state:
                continue
            if category and ignore != "category" and g["category__code"] != category:
                continue
            if compound and str(g["compound_id"]) != compound:
                continue
            yield g

    by_state: dict[str, int] = {}
    for g in matching(ignore="state"):
        by_state[g["state"]] = by_state.get(g["state"], 0) + g[shown]
    categories: dict[str, dict] = {}
    for g in matching(ignore="category"):
        c = categories.setdefault(
            g["category__code"],
            {"code": g["category__code"], "name_zh": g["category__name_zh"], "name_en": g["category__name_en"],
             "order": g["category__order"], "n": 0},
        )
        c["n"] += g[shown]
    compounds: dict[int, dict] = {}
    for g in groups:
        c = compounds.setdefault(g["compound_id"], {"compound_id": g["compound_id"], "compound__name": g["compound__name"], "n": 0})
        c["n"] += g["n"]
    return {
        "rows": sum(g[shown] for g in matching()),
        "by_state": {k: n for k, n in by_state.items() if n},
        "overdue": sum(g["late"] for g in matching()),
        "categories": sorted((c for c in categories.values() if c["n"]), key=lambda c: (c["order"], c["code"])),
        "compounds": sorted(compounds.values(), key=lambda c: (c["compound__name"], c["compound_id"])),
        "until": min((at for g in groups for at in (g["next_response"], g["next_resolution"]) if at is not None), default=None),
    }


BULK_TARGETS = (HandlerKind.PROPERTY, HandlerKind.COMMITTEE, HandlerKind.COMMUNITY)


@login_required
def queue_dispatch(request):
    """The queue's bulk action: dispatch the ticked issues to the property company, the owners'
    committee or the community. Issues the caller cannot see are ignored as if absent."""
    if response := method_not_allowed(request, "POST"):
        return response
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("issues:queue")
    to = request.POST.get("to", "")
    ids = [i for i in request.POST.getlist("issue") if i.isdigit()][:200]
    if to not in BULK_TARGETS:
        messages.error(request, _("Choose who the selected issues go to."))
        return redirect(back)
    issues = list(
        selectors.issues_visible(request.user)
        .filter(pk__in=ids)
        .select_related("category", "compound", "community", "subdistrict", "branch", "handler_member__user")
        .order_by("pk")
    )
    if not issues:
        messages.error(request, _("Tick the issues to dispatch first."))
        return redirect(back)
    result = services.issues_dispatch_many(actor=request.user, issues=issues, to=to, note=request.POST.get("note", ""))
    if result["dispatched"]:
        messages.success(
            request,
            _("Dispatched %(n)s issues: %(refs)s.")
            % {"n": len(result["dispatched"]), "refs": ", ".join(i.reference for i in result["dispatched"])},
        )
    for issue, reason in result["refused"]:
        messages.error(request, _("%(ref)s was not dispatched: %(reason)s") % {"ref": issue.reference, "reason": reason})
    return redirect(back)


class _Echo:
    def write(self, value):
        return value


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP: prefix such text with ')."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _queue_csv(rows):
    """The filtered queue as CSV (UTF-8 with a BOM so Excel opens Chinese correctly), streamed in
    chunks so a long queue costs neither memory nor one huge query result."""
    from .templatetags.issue_tags import deadline_text

    def lines():
        writer = csv.writer(_Echo())
        yield "\ufeff"
        yield writer.writerow(
            [
                _("No."), _("Category"), _("Kind"), _("Compound"), _("Where"), _("State"), _("Handler"),
                _("Filed"), _("Respond by"), _("Resolve by"), _("Deadline"), _("Reporter"),
            ]
        )
        for issue in rows.iterator(chunk_size=500):
            yield writer.writerow(
                [_cell(value) for value in [
                    issue.reference,
                    issue.category.name,
                    issue.get_kind_display(),
                    issue.compound.name,
                    issue.public_location if not issue.household_id else issue.location_label,
                    issue.get_state_display(),
                    issue.handler_label,
                    _exact(issue.created_at),
                    _exact(issue.response_due),
                    _exact(issue.resolution_due),
                    deadline_text(issue.current_due) if issue.current_due else "",
                    _("Anonymous") if issue.anonymous and not issue.reporter_id else (
                        issue.reporter.name if issue.reporter_id else issue.reporter_name
                    ),
                ]]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="linli-queue-{stamp}.csv"'
    return response


def _exact(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


DISPATCHABLE = sorted(TRANSITIONS[Action.DISPATCH][0])


def _dispatches_somewhere(s) -> bool:
    return s.is_staff or bool(s.compounds_with(*permissions.BRANCH_ROLES))


def _board_compound(user, pk):
    """Residents of the compound, people serving in it, and officers who manage it; else 404."""
    s = scopes_for(user)
    if pk in s.compound_roles:  # a resident's or server's own compound
        return _compound_or_404(pk)
    return get_or_404(
        Compound.objects.filter(Q(pk__in=set(s.compound_roles)) | s.compound_q()).select_related("community"), pk
    )


BOARD_FIELDS = (
    "id", "compound", "kind", "state", "building__name", "common_area", "created_at", "supporters_count",
    "reporter", "category__name_zh", "category__name_en",
)


@login_required
def board(request, pk):
    """The compound's public list: no reporter, no phone, no room."""
    compound = _board_compound(request.user, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    show_all = request.GET.get("show") == "all"
    number, size = page_asked(request)
    kept = generations.cached(
        "board",
        [("compound", compound.pk)],
        (compound.pk, show_all, number, size),
        lambda: _board_page(request, compound, show_all),
        fresh=lambda kept: kept["until"] is None or timezone.now() < kept["until"],
        keep=lambda kept: kept["number"] == number,
    )
    page = Paginator(range(kept["count"]), kept["size"]).get_page(kept["number"])
    page.object_list = kept["rows"]
    can_support = compound.pk in scopes_for(request.user).resident_compounds
    # Whether the reader said "me too" matters only on open issues not their own (board_rows).
    ids = [pk for pk, reporter_id, is_open, _html in kept["rows"] if is_open and reporter_id != request.user.pk]
    supported = set(
        IssueSupport.objects.filter(user=request.user, issue_id__in=ids).values_list("issue_id", flat=True)
    ) if ids and can_support else set()
    return render(
        request,
        "issues/board.html",
        {
            "compound": compound,
            "page": page,
            "supported": supported,
            "can_support": can_support,
            "show_all": show_all,
            "qs": querystring_without(request, "page"),
        },
    )


def _board_page(request, compound, show_all) -> dict:
    """One page of the public list as every reader sees it (``board_row_parts``), with its
    paginator's figures; kept between readers until an issue of the compound changes. The default
    list also changes with the clock (closed issues leave it after 30 days): ``until`` is when
    its first closed issue leaves."""
    now = timezone.now()
    rows = selectors.issues_public_history(compound) if show_all else selectors.issues_public(compound, now=now)
    # Only what a public row shows: no reporter beyond whether it is the reader.
    page = paginate_deferred(request, rows.only(*BOARD_FIELDS))
    until = None
    if not show_all:
        first_out = rows.exclude(state__in=OPEN_STATES | {State.RESOLVED}).aggregate(at=Min("closed_at"))["at"]
        until = first_out + timedelta(days=selectors.PUBLIC_RECENT_DAYS) if first_out else None
    return {
        "count": page.paginator.count,
        "size": page.paginator.per_page,
        "number": page.number,
        "rows": board_row_parts(page.object_list, OPEN_STATES),
        "until": until,
    }


def _supportable(user, pk) -> Issue:
    """An issue the caller may see, or a public one of a compound they live in; else 404."""
    s = scopes_for(user)
    q = selectors.visibility_q(user) | Q(compound_id__in=s.resident_compounds, private=False)
    return get_or_404(Issue.objects.filter(q).select_related("compound"), pk)


@login_required
def support(request, pk):
    issue = _supportable(request.user, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    try:
        added = services.issue_support(actor=request.user, issue=issue)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if added:
            messages.success(request, _("Thank you: your \"me too\" was added to %(ref)s.") % {"ref": issue.reference})
        else:
            messages.info(request, _("You had already said \"me too\" to %(ref)s.") % {"ref": issue.reference})
    return redirect(reverse("issues:board", args=[issue.compound_id]) + f"#issue-{issue.pk}")


# --- one issue --------------------------------------------------------------------------------


def _pending_extension(issue):
    return issue.extensions.filter(status=ExtensionStatus.PENDING).select_related("requested_by").first()


def _form_for(action, issue, data=None, files=None, *, internal=False):
    kwargs = {"auto_id": f"id_{action}_%s"}
    if action == "resolve":
        return forms.ResolveForm(data, files, **kwargs)
    if action in ("return", "reopen"):
        return forms.ReasonForm(data, **kwargs)
    if action == "dispatch":
        return forms.DispatchForm(data, targets=services.dispatch_targets(issue), **kwargs)
    if action == "merge":
        return forms.MergeForm(data, **kwargs)
    if action == "summon":
        return forms.SummonForm(data, issue=issue, **kwargs)
    if action == "rate":
        return forms.RateForm(data, **kwargs)
    if action == "cancel":
        return forms.CancelForm(data, **kwargs)
    if action == "comment":
        form = forms.CommentForm(data, **kwargs)
        if not internal:
            del form.fields["internal"]
        return form
    if action == "request_extension":
        return forms.ExtensionRequestForm(data, **kwargs)
    if action == "decide_extension":
        return forms.ExtensionDecideForm(data, **kwargs)
    return django_forms.Form(data, **kwargs)  # acknowledge: nothing to fill in


# The order of the action forms on the page: the usual next step first.
ACTION_ORDER = [
    "acknowledge",
    "resolve",
    "rate",
    "reopen",
    "dispatch",
    "decide_extension",
    "request_extension",
    "return",
    "merge",
    "summon",
    "cancel",
    "comment",
]
ACTION_URL = {a: a.replace("_", "-") for a in ACTION_ORDER}
ACTION_TITLES = {
    "acknowledge": (gettext_lazy("Take it on"), gettext_lazy("Acknowledge: I handle this")),
    "resolve": (gettext_lazy("Resolve"), gettext_lazy("Mark resolved")),
    "rate": (gettext_lazy("Rate the result"), gettext_lazy("Send my rating")),
    "reopen": (gettext_lazy("Not fixed? Reopen it"), gettext_lazy("Reopen")),
    "dispatch": (gettext_lazy("Dispatch"), gettext_lazy("Dispatch")),
    "decide_extension": (gettext_lazy("Request for more time"), gettext_lazy("Decide")),
    "request_extension": (gettext_lazy("Ask for more time"), gettext_lazy("Send the request")),
    "return": (gettext_lazy("Return it (not ours to handle)"), gettext_lazy("Return")),
    "merge": (gettext_lazy("Merge as a duplicate"), gettext_lazy("Merge")),
    "summon": (gettext_lazy("Summon a department"), gettext_lazy("Summon")),
    "cancel": (gettext_lazy("Withdraw this issue"), gettext_lazy("Withdraw")),
    "comment": (gettext_lazy("Add a comment"), gettext_lazy("Comment")),
}


def _detail(request, issue, *, bound_action=None, bound_form=None, status=200):
    user = request.user
    within = services.within_rating_window(issue) if issue.state == State.RESOLVED else True
    internal = permissions.sees_internal(user, issue)
    actions = permissions.actions_for(user, issue, within_rating_window=within)
    pending = _pending_extension(issue) if "decide_extension" in actions or internal else None
    if pending is None:
        actions.discard("decide_extension")
    if bound_action:
        actions.add(bound_action)
    action_forms = []
    for action in ACTION_ORDER:
        if action not in actions:
            continue
        form = bound_form if action == bound_action else _form_for(action, issue, internal=internal)
        title, button = ACTION_TITLES[action]
        url = reverse(f"issues:{ACTION_URL[action]}", args=[issue.pk])
        action_forms.append({"name": action, "form": form, "url": url, "title": title, "button": button})
    reporter = issue.reporter_id == user.pk
    # Who filed on the resident's behalf sees what they typed, never the linked account's name.
    filer_only = not (internal or reporter) and issue.filed_by_id == user.pk
    trusted = internal or reporter or filer_only
    show_reporter = trusted or not issue.anonymous

    def timeline():
        events = list(selectors.timeline(issue, internal=internal))
        context = {"events": events, "issue": issue, "show_reporter": show_reporter, "typed_reporter_only": filer_only}
        return {
            "html": render_to_string("issues/_timeline.html", context),
            "photos": [p.pk for p in issue.photos.all() if p.stage == PhotoStage.FILED],
        }

    # The timeline and the filed photos, kept until an event or photo of the issue, the issue
    # itself or a person named is written; one copy per way of reading it (internal events or
    # not, the reporter named or not).
    kept = generations.cached(
        "timeline-and-photos",
        [("issue", issue.pk), generations.PEOPLE],
        (issue.pk, internal, show_reporter, filer_only),
        timeline,
        stamps=getattr(issue, "_stamps", None),  # read by access_issue_kept, before the issue
    )
    return render(
        request,
        "issues/detail.html",
        {
            "issue": issue,
            "photos": kept["photos"],  # ids
            "timeline": mark_safe(kept["html"]),  # rendered by the template engine, escaped there
            "action_forms": action_forms,
            "internal": internal,
            "is_reporter": reporter,
            "show_reporter": show_reporter,
            "typed_reporter_only": filer_only,
            "full_location": trusted,
            # The number in full to the reporter, and to those handling it when they asked to be
            # called (or it came in by phone or visit); masked otherwise.
            "full_phone": reporter
            or filer_only
            or (internal and (issue.contact_preference == ContactPreference.PHONE or issue.filed_by_id is not None)),
            "pending_extension": pending,
            "rating_deadline": issue.rating_deadline() if issue.state == State.RESOLVED else None,
            "open_states": OPEN_STATES,
        },
        status=status,
    )


@login_required
def issue_detail(request, pk):
    issue = permissions.access_issue_kept(request.user, pk)
    if response := method_not_allowed(request, "GET"):
        return response
    return _detail(request, issue)


def _run(request, issue, action, data):
    user = request.user
    if action == "acknowledge":
        services.issue_acknowledge(actor=user, issue=issue)
        return _("You hold %(ref)s now: work it and resolve it before its deadline.")
    if action == "resolve":
        services.issue_resolve(actor=user, issue=issue, note=data["note"], photos=data["photos"])
        return _("%(ref)s resolved; the resident is asked to rate it.")
    if action == "return":
        services.issue_return(actor=user, issue=issue, reason=data["reason"])
        return _("%(ref)s returned to the dispatcher.")
    if action == "dispatch":
        member = None
        if data.get("member"):
            targets = services.dispatch_targets(issue)
            member = next((m for m in targets["members"] if m.pk == data["member"]), None)
        services.issue_dispatch(actor=user, issue=issue, to=data["to"], member=member, note=data["note"])
        return _("%(ref)s dispatched.")
    if action == "merge":
        into = selectors.issues_visible(user).filter(pk=data["into"], compound_id=issue.compound_id).first()
        if into is None:
            raise ValidationError({"into": _("No issue with this number in this compound.")})
        services.issue_merge(actor=user, issue=issue, into=into, note=data["note"])
        return _("%(ref)s merged as a duplicate.")
    if action == "summon":
        services.issue_summon(actor=user, issue=issue, department=data["department"], reason=data["reason"])
        return _("The department was summoned to %(ref)s.")
    if action == "rate":
        services.issue_rate(actor=user, issue=issue, rating=data["rating"], comment=data["comment"])
        return _("Thank you for rating %(ref)s.")
    if action == "reopen":
        services.issue_reopen(actor=user, issue=issue, reason=data["reason"])
        return _("%(ref)s reopened; it goes back to its handler.")
    if action == "cancel":
        services.issue_cancel(actor=user, issue=issue, reason=data["reason"])
        return _("%(ref)s withdrawn.")
    if action == "comment":
        services.issue_comment(actor=user, issue=issue, text=data["text"], public=not data.get("internal", False))
        return _("Comment added to %(ref)s.")
    if action == "request_extension":
        services.extension_request(actor=user, issue=issue, new_due=data["new_due"], reason=data["reason"])
        return _("More time for %(ref)s requested; the dispatcher decides.")
    if action == "decide_extension":
        extension = _pending_extension(issue)
        if extension is None:
            raise ValidationError(_("No request for more time is waiting."))
        approve = data["decision"] == "approve"
        services.extension_decide(actor=user, extension=extension, approve=approve, note=data["note"])
        return _("Extension of %(ref)s approved.") if approve else _("Extension of %(ref)s rejected.")
    raise Http404


@login_required
def issue_action(request, pk, action):
    issue = access_issue(request.user, pk)
    if response := method_not_allowed(request, "POST"):
        return response
    # A stale page (the state changed meanwhile) gets the state's message, not a bare 403; then the
    # page cannot be used for what it does not offer (403). The rating window is left to the
    # service, which refuses a late rating with the reason.
    if action in TRANSITIONS and not states.allowed(action, issue.state):
        messages.error(request, IllegalTransition(action, issue.state).message)
        return redirect("issues:detail", issue.pk)
    permissions.require(request.user, issue, action, within_rating_window=True)
    internal = permissions.sees_internal(request.user, issue)
    form = _form_for(action, issue, request.POST, request.FILES, internal=internal)
    if form.is_valid():
        try:
            done = _run(request, issue, action, form.cleaned_data)
        except IllegalTransition as exc:
            messages.error(request, exc.message)
            return redirect("issues:detail", issue.pk)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, done % {"ref": issue.reference})
            if not selectors.issues_visible(request.user).filter(pk=issue.pk).exists():
                return redirect("issues:queue")
            return redirect("issues:detail", issue.pk)
    issue = access_issue(request.user, pk)  # as it is now, in case the service moved it
    return _detail(request, issue, bound_action=action, bound_form=form, status=400)


@login_required
def photo(request, pk):
    """A photo of an issue, streamed to those who may see the issue (never a public media URL)."""
    item = get_or_404(
        IssuePhoto.objects.filter(issue__in=selectors.issues_visible(request.user).values("pk")), pk
    )
    if response := method_not_allowed(request, "GET"):
        return response
    try:
        handle = item.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=_content_type(item.image.name))
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _content_type(name: str) -> str:
    name = name.lower()
    if name.endswith(".png"):
        return "image/png"
    if name.endswith(".webp"):
        return "image/webp"
    return "image/jpeg"

