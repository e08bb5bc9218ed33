from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccountsConfig(AppConfig):
    name = "scarclinic.accounts"
    label = "accounts"
    verbose_name = gettext_lazy("Clinics, users and roles")
