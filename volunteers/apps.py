from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    verbose_name = _("Volunteers and partners")
    name = "volunteers"
    label = "volunteers"
