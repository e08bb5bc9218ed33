"""Patients in the admin are read-only (edits go through the app's services, which validate
and version); consent templates are edited here, and a wording in use is frozen."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from scarclinic.accounts.admin_site import RoleAdmin, clinic_admin_site
from scarclinic.accounts.roles import Perm
from scarclinic.patients.models import (
    ConsentTemplate,
    ConsentTemplateVersion,
    MedicalHistoryVersion,
    Patient,
    SignedConsent,
    TemplateStatus,
)
from scarclinic.patients.services import template_version_publish, template_version_withdraw


class PatientAdmin(RoleAdmin):
    view_perm = Perm.PATIENT_VIEW
    change_perm = None
    patient_path = "pk"
    list_display = ["mrn", "family_name", "given_name", "date_of_birth", "clinic"]
    search_fields = ["mrn", "family_search"]
    exclude = ["portal_user"]


class MedicalHistoryVersionAdmin(RoleAdmin):
    view_perm = Perm.HISTORY_VIEW
    change_perm = None
    clinic_path = "patient__clinic"
    patient_path = "patient_id"
    list_display = ["patient", "version", "recorded_at", "recorded_by"]


class SignedConsentAdmin(RoleAdmin):
    view_perm = Perm.CONSENT_VIEW
    change_perm = None
    clinic_path = "patient__clinic"
    patient_path = "patient_id"
    list_display = ["patient", "title", "version_number", "signed_at", "withdrawn_at"]
    exclude = ["signature_png"]


class ConsentTemplateAdmin(RoleAdmin):
    view_perm = Perm.CONSENT_TEMPLATE_MANAGE
    change_perm = Perm.CONSENT_TEMPLATE_MANAGE
    list_display = ["title", "procedure_type", "clinic"]


class ConsentTemplateVersionAdmin(RoleAdmin):
    view_perm = Perm.CONSENT_TEMPLATE_MANAGE
    change_perm = Perm.CONSENT_TEMPLATE_MANAGE
    clinic_path = "template__clinic"
    list_display = ["template", "version", "language", "status", "published_at", "withdrawn_at"]
    list_filter = ["status", "language"]
    actions = ["publish", "withdraw"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A wording that patients have seen never changes: only drafts are editable.
        if obj is not None and obj.status != TemplateStatus.DRAFT:
            return [
                "template",
                "version",
                "language",
                "body",
                "status",
                "published_at",
                "withdrawn_at",
            ]
        return ["status", "published_at", "withdrawn_at"]

    def publish(self, request: HttpRequest, queryset: Any) -> None:
        for version in queryset:
            try:
                template_version_publish(version=version, by=request.user)  # type: ignore[arg-type]
            except ValidationError as error:
                self.message_user(request, f"{version}: {'; '.join(error.messages)}", level="error")
            else:
                self.message_user(request, f"{version} is now in use.")

    def withdraw(self, request: HttpRequest, queryset: Any) -> None:
        for version in queryset:
            try:
                template_version_withdraw(version=version, by=request.user)  # type: ignore[arg-type]
            except ValidationError as error:
                self.message_user(request, f"{version}: {'; '.join(error.messages)}", level="error")
            else:
                self.message_user(request, f"{version} is withdrawn.")


clinic_admin_site.register(Patient, PatientAdmin)
clinic_admin_site.register(MedicalHistoryVersion, MedicalHistoryVersionAdmin)
clinic_admin_site.register(SignedConsent, SignedConsentAdmin)
clinic_admin_site.register(ConsentTemplate, ConsentTemplateAdmin)
clinic_admin_site.register(ConsentTemplateVersion, ConsentTemplateVersionAdmin)
