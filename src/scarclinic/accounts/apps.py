from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "scarclinic.accounts"
    label = "accounts"
    verbose_name = "Clinics, users and roles"
