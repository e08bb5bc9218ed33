from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "scarclinic.ops"
    label = "ops"
    verbose_name = "Operations: health, metrics, worker (issue 13)"
