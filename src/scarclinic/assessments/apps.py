from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AssessmentsConfig(AppConfig):
    name = "scarclinic.assessments"
    label = "assessments"
    verbose_name = gettext_lazy("Scar assessment and photos")
