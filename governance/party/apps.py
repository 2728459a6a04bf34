from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    verbose_name = _("Party organisation")
    name = "governance.party"
    label = "party"

    def ready(self):
        from . import notifications

        notifications.register()
