from django.utils.translation import gettext_lazy as _

from governance.accounts.notifications import register_kind

MEETING_REMINDER = "meeting_reminder"
ACTION_ASSIGNED = "meeting_action_assigned"
ACTION_DUE = "meeting_action_due"
MEETING_INVITED = "meeting_invited"
MEETING_CANCELLED = "meeting_cancelled"


def register():
    register_kind(
        MEETING_REMINDER,
        label=_("Reminders of joint meetings I am invited to"),
        title=_("Joint meeting “%(meeting)s” at %(when)s"),
        body=_("Place: %(place)s. The calendar file is on the meeting's page."),
    )
    register_kind(
        MEETING_INVITED,
        label=_("I am invited to a joint meeting"),
        title=_("You are invited to “%(meeting)s” at %(when)s"),
        body=_("Place: %(place)s. Reply attend or decline on the meeting's page."),
    )
    register_kind(
        MEETING_CANCELLED,
        label=_("A joint meeting I was invited to is cancelled"),
        title=_("“%(meeting)s” at %(when)s is cancelled"),
    )
    register_kind(
        ACTION_ASSIGNED,
        label=_("A meeting gave me an action item"),
        title=_("Action item from “%(meeting)s”, due %(deadline)s"),
    )
    register_kind(
        ACTION_DUE,
        label=_("An action item of mine is due soon"),
        title=_("Action item due %(deadline)s: %(decision)s"),
    )
