from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompoundsConfig(AppConfig):
    verbose_name = _("Places and people")
    name = "compounds"
    label = "compounds"

    def ready(self):
        from . import notifications

        notifications.register()
