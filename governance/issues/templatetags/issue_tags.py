"""Template helpers of the issue pages: state badges, relative deadlines, who has a work queue."""

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from governance.accounts.models import mask_phone
from governance.accounts.roles import Role

register = template.Library()

HANDLER_ROLES = {Role.PARTY_MEMBER, Role.BRANCH_SECRETARY, Role.BRANCH_COMMITTEE, Role.PROPERTY_STAFF, Role.COMMITTEE_MEMBER}


def has_queue(scopes) -> bool:
    """Whether the person holds a role that handles or dispatches issues (so has a work queue)."""
    return bool(
        scopes.system_admin
        or scopes.districts
        or scopes.subdistricts
        or scopes.communities
        or scopes.departments
        or bool(scopes.compounds_with(*HANDLER_ROLES))
    )


def _units() -> tuple:
    return _("%(n)s min"), _("%(n)s h"), _("%(n)s d")


def _span(delta, units=None) -> str:
    minutes, hours, days = units or _units()
    seconds = abs(delta.total_seconds())
    if seconds < 3600:
        return minutes % {"n": max(1, int(seconds // 60))}
    if seconds < 48 * 3600:
        return hours % {"n": int(seconds // 3600)}
    return days % {"n": int(seconds // 86400)}


def deadline_words() -> tuple:
    """The words of a deadline, looked up once for a list of them: (due in, overdue, units)."""
    return _("due in %(span)s"), _("overdue %(span)s"), _units()


def deadline_text(due, now=None, words=None) -> str:
    now = now or timezone.now()
    due_in, overdue, units = words or deadline_words()
    delta = due - now
    return (overdue if delta.total_seconds() < 0 else due_in) % {"span": _span(delta, units)}


def _exact(due) -> str:
    return timezone.localtime(due).strftime("%Y-%m-%d %H:%M")


@register.simple_tag
def deadline(due, done=False, *, exact=None, now=None, words=None):
    """"due in 3 h" / "overdue 2 d", with the exact local time on hover (``exact``: already
    written, as kept rows have it; ``words``: ``deadline_words()``, for a list)."""
    if due is None or done:
        return "—"
    return mark_safe(_deadline_html(due, exact or _exact(due), now or timezone.now(), words))


def _deadline_html(due, exact: str, now, words) -> str:
    # Escaped here, without format_html's per-argument SafeString checks: a queue writes fifty of
    # these on every request (its rows are kept, their deadlines are not).
    return '<span class="{}" title="{}" data-testid="deadline">{}</span>'.format(
        "text-danger fw-semibold" if due < now else "", escape(exact), escape(deadline_text(due, now, words))
    )


@register.simple_tag
def state_badge(issue):
    # format_html, not an inclusion template: lists render fifty of these per page.
    return format_html(
        '<span class="badge text-bg-{} state-{}" data-testid="issue-state" data-state="{}">{}</span>',
        issue.state_colour,
        issue.state,
        issue.state,
        issue.get_state_display(),
    )


@register.filter
def masked(phone):
    return mask_phone(phone or "") if phone else ""


@register.filter
def local_exact(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


# --- rows built in Python ----------------------------------------------------------------------
# The work queue's fifty rows and its compound picker (a big company's queue spans hundreds of
# compounds) cost more through the template engine than everything else on the page together;
# built here they cost a tenth. The markup is the template's, kept in one place.

_URLS: dict = {}
_SENTINEL = 987654321


def url_for_pk(name: str, pk) -> str:
    """``reverse(name, args=[pk])`` for an integer pk, reversing each name once per prefix."""
    key = (name, get_script_prefix())
    pattern = _URLS.get(key)
    if pattern is None:
        pattern = _URLS[key] = reverse(name, args=[_SENTINEL]).replace(str(_SENTINEL), "{}")
    return pattern.format(int(pk))


@register.simple_tag
def select_options(options, selected, value_key, label_key):
    """``<option>``s with a count: ``value (n)``; ``selected`` compares as text."""
    return format_html_join(
        "",
        '<option value="{}"{}>{} ({})</option>',
        (
            (o[value_key], mark_safe(" selected") if str(o[value_key]) == selected else "", o[label_key], o["n"])
            for o in options
        ),
    )


def _reporter_cell(issue) -> str:
    if issue.reporter_id:
        who = format_html('{} <span class="small text-muted">{}</span>', issue.reporter.name, issue.reporter.masked_phone)
    elif issue.reporter_name or issue.reporter_phone:
        who = format_html('{} <span class="small text-muted">{}</span>', issue.reporter_name, masked(issue.reporter_phone))
    else:
        who = "—"
    if issue.anonymous:
        who = format_html(
            '{} <span class="badge text-bg-secondary" title="{}">{}</span>',
            who, _("Anonymous toward neighbours"), _("anonymous"),
        )
    return who


def queue_row_parts(issues, can_bulk_dispatch, dispatchable) -> list[tuple]:
    """The queue's rows as kept between requests: ``(html before the deadline, deadline, html
    after it)``; ``queue_rows`` writes the deadline, relative to now, per request."""
    parts = []
    for issue in issues:
        pick = ""
        if can_bulk_dispatch:
            box = ""
            if issue.state in dispatchable:
                box = format_html(
                    '<input class="form-check-input" type="checkbox" name="issue" value="{}" form="bulk-dispatch"'
                    ' aria-label="{}" data-testid="bulk-pick">',
                    issue.pk,
                    _("Select %(ref)s") % {"ref": issue.reference},
                )
            pick = format_html("<td>{}</td>", box)
        held = ""
        if issue.holder_id:
            held = format_html('<div class="small text-muted">{} {}</div>', _("held by"), issue.holder.name)
        before = format_html(
            '<tr data-testid="queue-row" data-issue="{pk}">{pick}'
            '<td><a href="{href}" data-testid="queue-link">{ref}</a></td>'
            '<td>{category}<div class="small text-muted">{kind}</div></td>'
            '<td>{compound}<div class="small text-muted">{location}</div></td>'
            "<td>{state}</td><td>{handler}{held}</td><td>",
            pk=issue.pk,
            pick=pick,
            href=url_for_pk("issues:detail", issue.pk),
            ref=issue.reference,
            category=issue.category.name,
            kind=issue.get_kind_display(),
            compound=issue.compound.name,
            location=issue.location_label,
            state=state_badge(issue),
            handler=issue.handler_label,
            held=held,
        )
        after = format_html("</td><td>{}</td></tr>", _reporter_cell(issue))
        due = issue.current_due
        parts.append((str(before), due, _exact(due) if due else "", str(after)))
    return parts


def queue_rows(parts) -> str:
    """The rows from ``queue_row_parts``, each deadline written against now."""
    now, words = timezone.now(), deadline_words()
    return mark_safe(
        "\n".join(
            f"{before}{_deadline_html(due, exact, now, words) if due is not None else '—'}{after}" for before, due, exact, after in parts
        )
    )


def _local_day(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d")


def board_row_parts(issues, open_states) -> list[tuple]:
    """The public rows as kept between readers: ``(pk, reporter_id, open, html)``, the html up to
    the reader's own action (``board_rows`` adds it). Public fields only: no reporter, no room."""
    parts = []
    for issue in issues:
        n = issue.supporters_count
        html = format_html(
            '<li class="list-group-item" id="issue-{pk}" data-testid="board-row">'
            '<div class="d-flex justify-content-between align-items-start gap-2">'
            '<span class="fw-semibold">{ref} {category} <span class="small text-muted">· {kind}</span></span>{state}</div>'
            '<div class="small text-muted">{where} · {filed} <span title="{exact}">{day}</span></div>'
            '<div class="d-flex justify-content-between align-items-center gap-2 mt-1">'
            '<span class="small" data-testid="support-count">{support}</span>',
            pk=issue.pk,
            ref=issue.reference,
            category=issue.category.name,
            kind=issue.get_kind_display(),
            state=state_badge(issue),
            where=issue.public_location,
            filed=_("filed"),
            exact=local_exact(issue.created_at),
            day=_local_day(issue.created_at),
            support=ngettext("%(n)s neighbour says “me too”", "%(n)s neighbours say “me too”", n) % {"n": n},
        )
        parts.append((issue.pk, issue.reporter_id, issue.state in open_states, str(html)))
    return parts


@register.simple_tag(takes_context=True)
def board_rows(context, parts, can_support, supported):
    """The compound's public list rows (``board_row_parts``) with the reader's action on each:
    "me too", "you said me too", or a link to their own issue."""
    user_id = context["user"].pk
    token = str(context.get("csrf_token", ""))
    rows = []
    for pk, reporter_id, is_open, html in parts:
        mine = reporter_id == user_id
        if can_support and is_open and not mine:
            if pk in supported:
                action = format_html('<span class="badge text-bg-success">{}</span>', _("You said me too"))
            else:
                action = format_html(
                    '<form method="post" action="{}"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                    '<button class="btn btn-outline-primary btn-sm touch-target" type="submit" data-testid="me-too">'
                    '<i class="bi bi-hand-thumbs-up me-1" aria-hidden="true"></i>{}</button></form>',
                    url_for_pk("issues:support", pk), token, _("Me too"),
                )
        elif mine:
            action = format_html('<a class="small" href="{}">{}</a>', url_for_pk("issues:detail", pk), _("Your issue"))
        else:
            action = ""
        rows.append(f"{html}{action}</div></li>")
    return mark_safe("\n".join(rows))


def my_issue_row_parts(issues) -> list[tuple]:
    """"My issues" rows as kept between requests: ``(html, due, after)``, split where the deadline
    goes ("due in 3 h" moves with the clock, so ``my_issue_rows`` writes it each time)."""
    parts = []
    for issue in issues:
        due = issue.current_due
        after = ""
        if not due and issue.state == "resolved":
            after = str(format_html('<span class="text-success">{}</span>', _("Resolved: please rate it")))
        html = format_html(
            '<li class="list-group-item" data-testid="my-issue">'
            '<div class="d-flex justify-content-between align-items-start gap-2">'
            '<a class="fw-semibold" href="{href}">{ref} {category}</a>{state}</div>'
            '<div class="small text-muted">{compound} · {location}</div>'
            '<div class="small d-flex justify-content-between flex-wrap gap-2">'
            '<span>{filed} <span title="{exact}">{day}</span></span>',
            href=url_for_pk("issues:detail", issue.pk),
            ref=issue.reference,
            category=issue.category.name,
            state=state_badge(issue),
            compound=issue.compound.name,
            location=issue.location_label,
            filed=_("Filed"),
            exact=local_exact(issue.created_at),
            day=_local_day(issue.created_at),
        )
        parts.append((str(html), due, after))
    return parts


@register.simple_tag
def my_issue_rows(parts):
    """"My issues": the reporter's own rows (``my_issue_row_parts``), with the deadline that
    matters now."""
    rows = []
    for html, due, after in parts:
        if due:
            after = format_html("<span>{}</span>", deadline(due))
        rows.append(f"{html}{after}</div></li>")
    return mark_safe("\n".join(rows))
