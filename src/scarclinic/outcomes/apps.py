from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class OutcomesConfig(AppConfig):
    name = "scarclinic.outcomes"
    label = "outcomes"
    verbose_name = gettext_lazy("Outcomes and adverse events")
