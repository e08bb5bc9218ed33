from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class OpsConfig(AppConfig):
    name = "scarclinic.ops"
    label = "ops"
    verbose_name = gettext_lazy("Operations: health, metrics, worker")
