from django.utils.translation import gettext_lazy as _

from governance.accounts.notifications import register_kind

from .states import Action

ISSUE_UPDATE = "issue_update"
ISSUE_ASSIGNED = "issue_assigned"
ISSUE_TO_DISPATCH = "issue_to_dispatch"
ISSUE_ESCALATED = "issue_escalated"
ISSUE_SUMMONED = "issue_summoned"
EXTENSION_REQUESTED = "extension_requested"
EXTENSION_DECIDED = "extension_decided"


def register():
    register_kind(
        ISSUE_UPDATE,
        label=_("Progress on an issue I filed"),
        title=_("Your issue %(ref)s: %(action)s"),
        body=_("Compound: %(compound)s"),
        choices={"action": Action.choices},
    )
    register_kind(
        ISSUE_ASSIGNED,
        label=_("An issue was handed to me or my organisation"),
        title=_("Issue %(ref)s at %(compound)s is yours to handle"),
        body=_("Acknowledge it by %(due)s."),
    )
    register_kind(
        ISSUE_TO_DISPATCH,
        label=_("An issue waits for me to dispatch it"),
        title=_("Issue %(ref)s at %(compound)s waits to be dispatched"),
        body=_("%(action)s"),
        choices={"action": Action.choices},
    )
    register_kind(
        ISSUE_ESCALATED,
        label=_("An overdue issue was escalated to me"),
        title=_("Overdue issue %(ref)s at %(compound)s was escalated to you"),
        body=_("Dispatch it again or, at the subdistrict, summon a department."),
    )
    register_kind(
        ISSUE_SUMMONED,
        label=_("My department was summoned to an issue"),
        title=_("Your department is summoned to issue %(ref)s at %(compound)s"),
        body=_("Respond by %(due)s."),
    )
    register_kind(
        EXTENSION_REQUESTED,
        label=_("A handler asks for more time"),
        title=_("More time asked for issue %(ref)s at %(compound)s"),
        body=_("Approve or reject the request on the issue's page."),
    )
    register_kind(
        EXTENSION_DECIDED,
        label=_("My request for more time was decided"),
        title=_("Your request for more time on issue %(ref)s was %(status)s"),
        choices={"status": [("approved", _("approved")), ("rejected", _("rejected"))]},
    )
