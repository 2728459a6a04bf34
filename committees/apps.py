from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    verbose_name = _("Committees and property services")
    name = "committees"
    label = "committees"

    def ready(self):
        from compounds.selectors import register_history_source

        from .history import compound_sources

        register_history_source(compound_sources)
