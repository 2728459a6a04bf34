from django.utils.translation import gettext_lazy as _

from governance.accounts.notifications import register_kind

SURVEY_OPEN = "rating_survey_open"
APPRAISAL_DUE = "rating_appraisal_due"
INSPECTION_DUE = "rating_inspection_due"
RESULT_PUBLISHED = "rating_result_published"
APPEAL_FILED = "rating_appeal_filed"
APPEAL_DECIDED = "rating_appeal_decided"
CONTRACT_FLAGGED = "rating_contract_flagged"


def register():
    from .models import AppealStatus

    register_kind(
        SURVEY_OPEN,
        label=_("The yearly rating's household survey is waiting for my household"),
        title=_("“%(campaign)s”: rate your compound's property service and owners' committee"),
        body=_("One answer per household, five short questions each; it takes two minutes."),
    )
    register_kind(
        APPRAISAL_DUE,
        label=_("The yearly rating waits for my branch's appraisal"),
        title=_("“%(campaign)s”: the branch's appraisal is not entered yet"),
    )
    register_kind(
        INSPECTION_DUE,
        label=_("The yearly rating waits for my inspection"),
        title=_("“%(campaign)s”: projects assigned to you are not inspected yet"),
    )
    register_kind(
        RESULT_PUBLISHED,
        label=_("A yearly rating result about us is published"),
        title=_("“%(campaign)s” is published: %(results)s result(s) about you"),
        body=_("Each result's page shows the breakdown; appeals are open during the publication period."),
    )
    register_kind(
        APPEAL_FILED,
        label=_("An appeal against a rating result waits for my decision"),
        title=_("“%(campaign)s”: appeal from %(subject)s"),
    )
    register_kind(
        APPEAL_DECIDED,
        label=_("My appeal against a rating result is decided"),
        title=_("“%(campaign)s”: your appeal for %(subject)s — %(decision)s"),
        choices={"decision": AppealStatus.choices},
    )
    register_kind(
        CONTRACT_FLAGGED,
        label=_("A contract in my community is recommended not to be renewed"),
        title=_("%(compound)s: %(company)s's contract is flagged “do not renew” by “%(campaign)s”"),
    )
