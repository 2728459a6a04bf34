"""The issue's state machine, in one place.

Every change of state goes through ``governance.issues.services`` which looks the action up here:
the states it may start from and the state it leads to. An action from any other state is refused
(``IllegalTransition``: a message on the page, 409 in the API). The services move the state with a
compare-and-set UPDATE (``WHERE state IN (…from…)``), so two people acting at once cannot both win.
"""

from django.db import models
from django.utils.translation import pgettext_lazy


class State(models.TextChoices):
    SUBMITTED = "submitted", pgettext_lazy("issue state", "Submitted")
    DISPATCHED = "dispatched", pgettext_lazy("issue state", "Dispatched")
    IN_PROGRESS = "in_progress", pgettext_lazy("issue state", "In progress")
    RESOLVED = "resolved", pgettext_lazy("issue state", "Resolved")
    CLOSED = "closed", pgettext_lazy("issue state", "Closed")
    RETURNED = "returned", pgettext_lazy("issue state", "Returned")
    REOPENED = "reopened", pgettext_lazy("issue state", "Reopened")
    ESCALATED = "escalated", pgettext_lazy("issue state", "Escalated")
    CANCELLED = "cancelled", pgettext_lazy("issue state", "Cancelled")
    MERGED = "merged", pgettext_lazy("issue state", "Merged as duplicate")


S = State

# Still being worked on: counted as backlog, scanned for deadlines, shown as "open" publicly.
OPEN_STATES = frozenset({S.SUBMITTED, S.DISPATCHED, S.IN_PROGRESS, S.RETURNED, S.REOPENED, S.ESCALATED})
# Waiting for someone to choose a handler (the branch, or the level the issue was escalated to).
AWAITING_DISPATCH = frozenset({S.SUBMITTED, S.RETURNED, S.ESCALATED})
# Ended without being handled: left out of every rate.
VOID_STATES = frozenset({S.CANCELLED, S.MERGED})
DONE_STATES = frozenset({S.RESOLVED, S.CLOSED})

# One colour per state everywhere (UI.md "one colour and label per state"): Bootstrap colour names.
STATE_COLOURS = {
    S.SUBMITTED: "secondary",
    S.DISPATCHED: "info",
    S.IN_PROGRESS: "primary",
    S.RESOLVED: "success",
    S.CLOSED: "dark",
    S.RETURNED: "warning",
    S.REOPENED: "warning",
    S.ESCALATED: "danger",
    S.CANCELLED: "light",
    S.MERGED: "light",
}


class Action(models.TextChoices):
    FILE = "file", pgettext_lazy("issue event", "Filed")
    ROUTE = "route", pgettext_lazy("issue event", "Routed")
    DISPATCH = "dispatch", pgettext_lazy("issue event", "Dispatched")
    ACKNOWLEDGE = "acknowledge", pgettext_lazy("issue event", "Acknowledged")
    RESOLVE = "resolve", pgettext_lazy("issue event", "Resolved")
    MEETING_RESOLVE = "meeting_resolve", pgettext_lazy("issue event", "Resolved by a joint meeting")
    RETURN = "return", pgettext_lazy("issue event", "Returned")
    RATE = "rate", pgettext_lazy("issue event", "Rated")
    REOPEN = "reopen", pgettext_lazy("issue event", "Reopened")
    AUTO_CLOSE = "auto_close", pgettext_lazy("issue event", "Closed automatically")
    ESCALATE = "escalate", pgettext_lazy("issue event", "Escalated")
    SUMMON = "summon", pgettext_lazy("issue event", "Department summoned")
    CANCEL = "cancel", pgettext_lazy("issue event", "Cancelled")
    MERGE = "merge", pgettext_lazy("issue event", "Merged as duplicate")
    # Events that do not change the state.
    COMMENT = "comment", pgettext_lazy("issue event", "Comment")
    EXTENSION_REQUEST = "extension_request", pgettext_lazy("issue event", "Extension requested")
    EXTENSION_DECIDE = "extension_decide", pgettext_lazy("issue event", "Extension decided")
    SUPPORT = "support", pgettext_lazy("issue event", "Me too")


A = Action

# action → (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset, str]] = {
    A.DISPATCH: (frozenset({S.SUBMITTED, S.DISPATCHED, S.RETURNED, S.REOPENED, S.ESCALATED}), S.DISPATCHED),
    A.SUMMON: (frozenset(OPEN_STATES), S.DISPATCHED),
    A.ACKNOWLEDGE: (frozenset({S.DISPATCHED, S.REOPENED}), S.IN_PROGRESS),
    # The holder may still finish work that was escalated meanwhile.
    A.RESOLVE: (frozenset({S.IN_PROGRESS, S.ESCALATED}), S.RESOLVED),
    # A joint meeting's decision, carried out, settles the issues it was about, whoever held them.
    A.MEETING_RESOLVE: (frozenset(OPEN_STATES), S.RESOLVED),
    A.RETURN: (frozenset({S.DISPATCHED, S.IN_PROGRESS, S.REOPENED}), S.RETURNED),
    A.RATE: (frozenset({S.RESOLVED}), S.CLOSED),
    A.REOPEN: (frozenset({S.RESOLVED}), S.REOPENED),
    A.AUTO_CLOSE: (frozenset({S.RESOLVED}), S.CLOSED),
    A.ESCALATE: (frozenset(OPEN_STATES), S.ESCALATED),
    # The reporter may withdraw until someone has acknowledged the issue.
    A.CANCEL: (frozenset({S.SUBMITTED, S.DISPATCHED, S.RETURNED}), S.CANCELLED),
    A.MERGE: (frozenset({S.SUBMITTED, S.DISPATCHED, S.RETURNED, S.REOPENED, S.ESCALATED}), S.MERGED),
}


# What the person tried, as a whole sentence per action (an event label in a verb slot does not
# translate); the state the issue is in is filled in.
REFUSALS = {
    A.DISPATCH: pgettext_lazy("illegal transition", "This issue is %(state)s: it cannot be dispatched now."),
    A.SUMMON: pgettext_lazy("illegal transition", "This issue is %(state)s: no department can be summoned to it now."),
    A.ACKNOWLEDGE: pgettext_lazy("illegal transition", "This issue is %(state)s: it cannot be taken on now."),
    A.RESOLVE: pgettext_lazy("illegal transition", "This issue is %(state)s: it cannot be resolved now."),
    A.MEETING_RESOLVE: pgettext_lazy("illegal transition", "This issue is %(state)s: it cannot be resolved now."),
    A.RETURN: pgettext_lazy("illegal transition", "This issue is %(state)s: it cannot be returned now."),
    A.RATE: pgettext_lazy("illegal transition", "This issue is %(state)s: it cannot be rated now."),
    A.REOPEN: pgettext_lazy("illegal transition", "This issue is %(state)s: it cannot be reopened now."),
    A.AUTO_CLOSE: pgettext_lazy("illegal transition", "This issue is %(state)s: it cannot be closed now."),
    A.ESCALATE: pgettext_lazy("illegal transition", "This issue is %(state)s: it cannot be escalated now."),
    A.CANCEL: pgettext_lazy("illegal transition", "This issue is %(state)s: it can no longer be withdrawn."),
    A.MERGE: pgettext_lazy("illegal transition", "This issue is %(state)s: it cannot be merged now."),
}


class IllegalTransition(Exception):
    """An action asked of an issue in a state it cannot start from."""

    def __init__(self, action: str, state: str):
        self.action = action
        self.state = state
        super().__init__(f"{action} from {state}")

    @property
    def message(self) -> str:
        return str(REFUSALS[self.action]) % {"state": State(self.state).label}


def allowed(action: str, state: str) -> bool:
    sources, _target = TRANSITIONS[action]
    return state in sources


def target(action: str) -> str:
    return TRANSITIONS[action][1]
