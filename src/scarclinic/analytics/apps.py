from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AnalyticsConfig(AppConfig):
    name = "scarclinic.analytics"
    label = "analytics"
    verbose_name = gettext_lazy("Cohort analytics: what works in this clinic")
