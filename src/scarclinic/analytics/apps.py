from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "scarclinic.analytics"
    label = "analytics"
    verbose_name = "Cohort analytics: what works in this clinic (issue 8)"
