from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "scarclinic.audit"
    label = "audit"
    verbose_name = "Audit log"
