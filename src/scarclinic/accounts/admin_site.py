"""The Django admin, behind scarclinic's roles rather than Django's staff flag, and audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy

from scarclinic.accounts.access import clinic_ids_with, has_perm_anywhere
from scarclinic.accounts.models import Clinic
from scarclinic.accounts.roles import Perm
from scarclinic.audit.models import AuditAction
from scarclinic.audit.services import audit_record


class ClinicAdminSite(admin.AdminSite):
    site_header = gettext_lazy("scarclinic administration")
    site_title = gettext_lazy("scarclinic admin")
    index_title = gettext_lazy("Configuration")

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and has_perm_anywhere(request.user, Perm.ADMIN_SITE))


clinic_admin_site = ClinicAdminSite(name="admin")


class RoleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A ModelAdmin whose rights come from roles: ``view_perm`` to look, ``change_perm`` to
    edit (None: read-only), scoped by ``clinic_path`` and audited on every read and change."""

    view_perm: Perm = Perm.ADMIN_SITE
    change_perm: Perm | None = Perm.ADMIN_SITE
    clinic_path: str | None = "clinic"
    patient_path: str | None = None

    def _clinic_ids(self, request: HttpRequest, perm: Perm) -> list[int]:
        return clinic_ids_with(request.user, perm)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if self.clinic_path is None:
            return qs
        return qs.filter(**{f"{self.clinic_path}__in": self._clinic_ids(request, self.view_perm)})

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_perm_anywhere(request.user, self.view_perm)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return has_perm_anywhere(request.user, self.view_perm)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.change_perm is not None and has_perm_anywhere(request.user, self.change_perm)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self.has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # clinical and configuration records are retired, never deleted

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # A clinic, or a record that belongs to one, can only be chosen among the clinics
        # where the user holds this admin's permission: no reaching into another clinic.
        related = db_field.related_model
        scope = self.change_perm or self.view_perm
        clinics = self._clinic_ids(request, scope)
        if related is Clinic:
            kwargs["queryset"] = Clinic.objects.filter(pk__in=clinics)
        elif any(f.name == "clinic" for f in related._meta.get_fields()):
            kwargs["queryset"] = related._default_manager.filter(clinic_id__in=clinics)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _audit(self, action: str, obj: Model | None, detail: dict[str, Any]) -> None:
        patient_id = None
        if obj is not None and self.patient_path:
            patient_id = getattr(obj, self.patient_path)
        audit_record(
            action=action,
            object_type=self.model._meta.label_lower,
            object_id=obj.pk if obj is not None else "",
            patient_id=patient_id,
            detail={"via": "admin", **detail},
        )

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if self.has_view_or_change_permission(request):  # a refused visit reads nothing
            self._audit(AuditAction.LIST, None, {})
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if request.method == "GET":
            obj = self.get_object(request, object_id)
            if obj is not None:
                self._audit(AuditAction.READ, obj, {})
        return super().change_view(request, object_id, form_url, extra_context)

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(AuditAction.ADMIN, obj, {"change": "added"})
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        self._audit(AuditAction.ADMIN, obj, {"change": "changed"})
        return super().log_change(request, obj, message)
