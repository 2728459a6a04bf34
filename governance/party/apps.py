from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    verbose_name = _("Party organisation")
    name = "governance.party"
    label = "party"

    def ready(self):
        from compounds.selectors import register_history_source

        from . import notifications
        from .history import compound_sources

        notifications.register()
        register_history_source(compound_sources)
