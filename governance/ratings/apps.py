from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    verbose_name = _("Star ratings")
    name = "governance.ratings"
    label = "ratings"

    def ready(self):
        from . import notifications

        notifications.register()
