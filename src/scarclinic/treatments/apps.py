from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class TreatmentsConfig(AppConfig):
    name = "scarclinic.treatments"
    label = "treatments"
    verbose_name = gettext_lazy("Treatment plans, scheduling, procedures")
