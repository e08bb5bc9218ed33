from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class InteropConfig(AppConfig):
    name = "scarclinic.interop"
    label = "interop"
    verbose_name = gettext_lazy("FHIR and CSV interoperability")
