import math

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def phone_of(context, person, in_scope=False):
    """A person's number as the viewer may see it: in full to themselves, to officers in scope
    (``in_scope`` is set by pages whose rows are already limited to the viewer's scope) and when
    the person chose to show it; masked (138****1234) to everyone else."""
    viewer = context.get("user")
    phone = getattr(person, "phone", "") or ""
    if not phone:
        return "—"
    if in_scope or person.show_phone or (viewer is not None and viewer.pk == person.pk):
        return phone
    return person.masked_phone


@register.inclusion_tag("includes/residency_badge.html")
def residency_badge(residency):
    return {"status": residency.status, "label": residency.get_status_display()}


@register.simple_tag(takes_context=True)
def sort_link(context, key, label):
    """A column header that sorts by ``key``, toggling direction, keeping the other filters."""
    current = context.get("sort", "")
    qs = context.get("qs", "")
    new = f"-{key}" if current == key else key
    arrow = " ▲" if current == key else (" ▼" if current == f"-{key}" else "")
    href = f"?{qs + '&' if qs else ''}sort={new}"
    return format_html('<a class="sort" href="{}">{}{}</a>', href, label, arrow)


@register.filter
def bs(field):
    """Render a form field's widget with Bootstrap classes and accessible error wiring."""
    widget = field.field.widget
    input_type = getattr(widget, "input_type", "")
    if input_type == "select" or widget.__class__.__name__.endswith("Select"):
        css = "form-select"
    elif input_type == "file":
        css = "form-control"
    else:
        css = "form-control"
    attrs = {"class": css + (" is-invalid" if field.errors else "")}
    if field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}_help"
    return field.as_widget(attrs=attrs)


@register.filter
def minutes(delta):
    """A timedelta in whole minutes, rounded up (django-axes gives the lock-out's cool-off as one)."""
    if not delta:
        return ""
    return math.ceil(delta.total_seconds() / 60)
