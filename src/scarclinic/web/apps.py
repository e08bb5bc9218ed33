from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "scarclinic.web"
    label = "web"
    verbose_name = "Web shell"
