from django.apps import AppConfig


class BiologicsConfig(AppConfig):
    name = "scarclinic.biologics"
    label = "biologics"
    verbose_name = "Cell products and chain of custody (issue 6)"
