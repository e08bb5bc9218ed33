from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "scarclinic.interop"
    label = "interop"
    verbose_name = "FHIR and CSV interoperability (issue 9)"
