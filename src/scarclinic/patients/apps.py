from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PatientsConfig(AppConfig):
    name = "scarclinic.patients"
    label = "patients"
    verbose_name = gettext_lazy("Patients, history and consent")
