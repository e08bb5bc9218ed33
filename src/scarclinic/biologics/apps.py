from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class BiologicsConfig(AppConfig):
    name = "scarclinic.biologics"
    label = "biologics"
    verbose_name = gettext_lazy("Cell products and chain of custody")
