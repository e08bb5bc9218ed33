from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class WebConfig(AppConfig):
    name = "scarclinic.web"
    label = "web"
    verbose_name = gettext_lazy("Web shell")
