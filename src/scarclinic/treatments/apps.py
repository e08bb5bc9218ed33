from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "scarclinic.treatments"
    label = "treatments"
    verbose_name = "Treatment plans, scheduling, procedures (issue 7)"
