"""Template helpers of the issue pages: state badges, relative deadlines, who has a work queue."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

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
        or any(held & HANDLER_ROLES for held in scopes.compound_roles.values())
    )


def _span(delta) -> str:
    seconds = abs(delta.total_seconds())
    if seconds < 3600:
        return _("%(n)s min") % {"n": max(1, int(seconds // 60))}
    if seconds < 48 * 3600:
        return _("%(n)s h") % {"n": int(seconds // 3600)}
    return _("%(n)s d") % {"n": int(seconds // 86400)}


def deadline_text(due, now=None) -> str:
    now = now or timezone.now()
    delta = due - now
    if delta.total_seconds() < 0:
        return _("overdue %(span)s") % {"span": _span(delta)}
    return _("due in %(span)s") % {"span": _span(delta)}


@register.simple_tag
def deadline(due, done=False):
    """"due in 3 h" / "overdue 2 d", with the exact local time on hover."""
    if due is None or done:
        return "—"
    exact = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
    overdue = due < timezone.now()
    return format_html(
        '<span class="{}" title="{}" data-testid="deadline">{}</span>',
        "text-danger fw-semibold" if overdue else "",
        exact,
        deadline_text(due),
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
