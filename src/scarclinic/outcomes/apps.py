from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "scarclinic.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes and adverse events"
