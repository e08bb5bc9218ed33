from __future__ import annotations

from typing import Any

from django.contrib.auth.admin import UserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from scarclinic.accounts.access import clinic_ids_with
from scarclinic.accounts.admin_site import RoleAdmin, clinic_admin_site
from scarclinic.accounts.models import Clinic, Membership, User
from scarclinic.accounts.roles import Perm


class ClinicAdmin(RoleAdmin):
    clinic_path = "pk"
    list_display = ["name", "code", "city", "time_zone"]
    search_fields = ["name", "code"]


class MembershipAdmin(RoleAdmin):
    list_display = ["user", "clinic", "role", "is_active"]
    list_filter = ["role", "is_active", "clinic"]
    search_fields = ["user__username"]
    change_perm = Perm.ADMIN_SITE

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            # Staff of the admin's own clinics, or accounts not yet in any clinic.
            clinics = clinic_ids_with(request.user, Perm.ADMIN_SITE)
            kwargs["queryset"] = User.objects.filter(
                Q(memberships__clinic_id__in=clinics) | Q(memberships__isnull=True)
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ClinicUserAdmin(RoleAdmin, UserAdmin):  # type: ignore[type-arg]
    clinic_path = None
    list_display = ["username", "first_name", "last_name", "is_active"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        clinics = clinic_ids_with(request.user, Perm.ADMIN_SITE)
        return User.objects.filter(memberships__clinic_id__in=clinics).distinct()


clinic_admin_site.register(Clinic, ClinicAdmin)
clinic_admin_site.register(Membership, MembershipAdmin)
clinic_admin_site.register(User, ClinicUserAdmin)
