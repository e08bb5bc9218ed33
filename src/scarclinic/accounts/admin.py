from __future__ import annotations

from typing import Any

from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from scarclinic.accounts.access import clinic_ids_with
from scarclinic.accounts.admin_site import RoleAdmin, clinic_admin_site
from scarclinic.accounts.models import Clinic, Membership, User
from scarclinic.accounts.roles import Perm


class ClinicAdmin(RoleAdmin):
    clinic_path = "pk"
    list_display = ["name", "code", "city"]
    search_fields = ["name", "code"]


class MembershipAdmin(RoleAdmin):
    list_display = ["user", "clinic", "role", "is_active"]
    list_filter = ["role", "is_active", "clinic"]
    search_fields = ["user__username"]
    change_perm = Perm.ADMIN_SITE


class ClinicUserAdmin(RoleAdmin, UserAdmin):  # type: ignore[type-arg]
    clinic_path = None
    list_display = ["username", "first_name", "last_name", "is_active"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        clinics = clinic_ids_with(request.user, Perm.ADMIN_SITE)
        return User.objects.filter(memberships__clinic_id__in=clinics).distinct()


clinic_admin_site.register(Clinic, ClinicAdmin)
clinic_admin_site.register(Membership, MembershipAdmin)
clinic_admin_site.register(User, ClinicUserAdmin)
