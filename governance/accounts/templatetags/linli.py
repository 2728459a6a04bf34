import math

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import formats
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

_MENUS: dict = {}


@register.simple_tag
def main_menu(scopes):
    """The layout's main menu. It depends only on which kinds of role the person holds and on the
    language, so each variant is rendered once per process and reused: rendering its twenty links
    and labels on every page cost more than some pages' own rows."""
    from governance.issues.templatetags.issue_tags import has_queue

    flags = {
        "staff": scopes.is_staff,
        "resident": bool(scopes.resident_compounds),
        "ratings": bool(scopes.is_staff or scopes.compound_roles),
        "queue": has_queue(scopes),
        "party_member": scopes.party_member,
        "system_admin": scopes.system_admin,
    }
    return _fixed("includes/main_menu.html", flags)


@register.simple_tag
def fixed_fragment(template_name):
    """A part of the layout that is the same for everyone reading in a language (asset links,
    fixed menu entries), rendered once per process and language."""
    return _fixed(template_name, {})


def _fixed(template_name: str, flags: dict):
    key = (template_name, get_language(), get_script_prefix(), *flags.values())
    html = _MENUS.get(key)
    if html is None:
        html = render_to_string(template_name, {"flags": flags})
        if not settings.DEBUG:  # in development, template edits show at once
            _MENUS[key] = html
    return html


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


def _number(value, sep: str) -> str:
    """``formats.localize`` for the numbers of a figures table, without its per-call lookups."""
    if value is None:
        return "—"
    if settings.USE_THOUSAND_SEPARATOR or isinstance(value, bool):
        return formats.localize(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and "e" not in (text := repr(value)):
        return text.replace(".", sep)
    return formats.localize(value)


@register.simple_tag
def number_cells(values, testid=""):
    """One right-aligned ``<td>`` per number ("—" for none): a figures table's row. A district's
    coverage table has a thousand cells, which the template engine took ~5 ms to render."""
    sep = formats.get_format("DECIMAL_SEPARATOR")
    start = format_html('<td class="text-end" data-testid="{}">', testid) if testid else '<td class="text-end">'
    # Numbers (digits, a sign, the separator) and "—" need no escaping; format_html per cell
    # would cost more than the rest of the row.
    return mark_safe("".join(f"{start}{escape(_number(v, sep))}</td>" for v in values))
