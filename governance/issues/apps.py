from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IssuesConfig(AppConfig):
    verbose_name = _("Resident issues")
    name = "governance.issues"
    label = "issues"

    def ready(self):
        from . import notifications, signals

        notifications.register()
        signals.register()
