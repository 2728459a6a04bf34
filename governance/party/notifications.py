from django.utils.translation import gettext_lazy as _

from governance.accounts.notifications import register_kind

CHECKIN_EXPIRING = "checkin_expiring"
CHECKIN_LAPSED = "checkin_lapsed"


def register():
    register_kind(
        CHECKIN_EXPIRING,
        label=_("My check-in with my home community is about to expire"),
        title=_("Your check-in with %(community)s expires on %(date)s"),
        body=_("Renew it to keep serving in your posts."),
    )
    register_kind(
        CHECKIN_LAPSED,
        label=_("My check-in lapsed"),
        title=_("Your check-in with %(community)s has lapsed"),
        body=_("Check in again to resume your posts."),
    )
