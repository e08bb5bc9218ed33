from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "scarclinic.patients"
    label = "patients"
    verbose_name = "Patients, history and consent"
