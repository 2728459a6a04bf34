from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    verbose_name = _("Joint meetings")
    name = "governance.meetings"
    label = "meetings"

    def ready(self):
        from . import notifications

        notifications.register()
