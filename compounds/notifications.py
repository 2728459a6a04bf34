from django.utils.translation import gettext_lazy as _

from governance.accounts.notifications import register_kind

RESIDENCY_VERIFIED = "residency_verified"
RESIDENCY_REJECTED = "residency_rejected"
RESIDENCY_SUBMITTED = "residency_submitted"
RESIDENCY_STALE = "residency_stale"


def register():
    register_kind(
        RESIDENCY_VERIFIED,
        label=_("My household claim was verified"),
        title=_("You are verified as a resident of %(household)s"),
        body=_("%(officer)s of %(community)s verified your claim. You can now take part in your compound."),
    )
    register_kind(
        RESIDENCY_REJECTED,
        label=_("My household claim was rejected"),
        title=_("Your claim to %(household)s was not verified"),
        body=_("Reason given by %(community)s: %(reason)s. You can correct it and claim again."),
    )
    register_kind(
        RESIDENCY_SUBMITTED,
        label=_("A resident claimed a household in my community"),
        title=_("%(resident)s claims %(household)s"),
        body=_("Please verify or reject the claim."),
    )
    register_kind(
        RESIDENCY_STALE,
        label=_("Claims waiting too long for verification"),
        title=_("%(count)s household claims in %(community)s have waited over %(hours)s hours"),
        body=_("Residents are waiting for you to verify or reject their claims."),
    )
