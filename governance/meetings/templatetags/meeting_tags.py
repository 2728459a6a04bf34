"""Template helpers of the meeting pages: a series' rule in words, an action item's owner."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..forms import WEEKDAYS, WEEKS

register = template.Library()


@register.filter
def series_rule(series) -> str:
    week = dict(WEEKS).get(series.week_of_month, "")
    day = dict(WEEKDAYS).get(series.weekday, "")
    return _("the %(week)s %(day)s of the month at %(time)s") % {
        "week": week, "day": day, "time": series.time.strftime("%H:%M")
    }


@register.filter
def owner_label(action) -> str:
    """The owner as the public may read it: the person's name or the organisation, never a phone."""
    if action.owner_user_id:
        return action.owner_user.name
    label = action.get_owner_organisation_display()
    return f"{label} · {action.owner_name}" if action.owner_name else label


@register.simple_tag
def action_deadline(action):
    """The deadline date, with "overdue" when an open item is past it."""
    overdue = action.status == "open" and action.deadline < timezone.localdate()
    return format_html(
        '<span class="{}" data-testid="action-deadline">{}{}</span>',
        "text-danger fw-semibold" if overdue else "",
        action.deadline.isoformat(),
        f" · {_('overdue')}" if overdue else "",
    )


@register.inclusion_tag("meetings/_home_panel.html")
def meetings_home_panel(user):
    """The home page's "next meeting" and "my action items": two queries, whatever the counts."""
    from ..models import ActionStatus, Invitation, MeetingStatus

    upcoming = (
        Invitation.objects.filter(user=user, meeting__status=MeetingStatus.SCHEDULED, meeting__starts_at__gte=timezone.now())
        .select_related("meeting__compound")
        .order_by("meeting__starts_at")
        .first()
    )
    actions = list(
        user.meeting_actions.filter(status=ActionStatus.OPEN).select_related("item__meeting").order_by("deadline", "pk")[:5]
    )
    return {"next_invitation": upcoming, "actions": actions}


@register.simple_tag
def starts_in(when):
    """"in 3 d" / "started 2 h ago", with the exact local time on hover."""
    from governance.issues.templatetags.issue_tags import _span

    delta = when - timezone.now()
    text = _("in %(span)s") % {"span": _span(delta)} if delta.total_seconds() >= 0 else _(
        "started %(span)s ago") % {"span": _span(delta)}
    return format_html('<span title="{}" data-testid="starts-in">{}</span>', timezone.localtime(when).strftime("%Y-%m-%d %H:%M"), text)
