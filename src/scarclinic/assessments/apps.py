from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "scarclinic.assessments"
    label = "assessments"
    verbose_name = "Scar assessment and photos (issue 4)"
