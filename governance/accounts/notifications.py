"""The kinds of notification, registered by the apps that send them.

A registry instead of model choices keeps accounts (the bottom of the dependency chain) from
having to know about every later app; each app registers its kinds in ``AppConfig.ready``.
Titles and bodies are lazy translations with ``%(name)s`` placeholders, filled from the
notification's stored parameters in the reader's language.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NotificationKind:
    code: str
    label: str | Promise
    title: str | Promise
    body: str | Promise = ""
    # Parameters stored as codes and shown as labels in the reader's language: name → choices.
    choices: dict | None = None


_KINDS: dict[str, NotificationKind] = {}


def register_kind(code: str, *, label, title, body="", choices=None) -> NotificationKind:
    kind = NotificationKind(code, label, title, body, choices)
    _KINDS[code] = kind
    return kind


def kinds() -> list[NotificationKind]:
    return list(_KINDS.values())


def get_kind(code: str) -> NotificationKind | None:
    return _KINDS.get(code)


def render(code: str, params: dict) -> tuple[str, str]:
    kind = _KINDS.get(code)
    if kind is None:
        return str(_("Notification")), ""
    if kind.choices:
        params = dict(params)
        for name, options in kind.choices.items():
            if name in params:
                params[name] = str(dict(options).get(params[name], params[name]))
    try:
        return str(kind.title) % params, (str(kind.body) % params if kind.body else "")
    except (KeyError, TypeError, ValueError):
        # Parameters from an older version of the kind: show the label rather than fail the page.
        return str(kind.label), ""
