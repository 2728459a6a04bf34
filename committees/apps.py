from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteesConfig(AppConfig):
    verbose_name = _("Committees and property services")
    name = "committees"
    label = "committees"
