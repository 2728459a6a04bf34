from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    verbose_name = _("Dashboards")
    name = "governance.dashboards"
    label = "dashboards"
