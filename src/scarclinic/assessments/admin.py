"""Questionnaire definitions in the admin: a clinic that holds a licence for a published
instrument (FACE-Q Acne, FASQoL, DLQI) enters its items here; scarclinic ships none."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext

from scarclinic.accounts.access import clinic_ids_with
from scarclinic.accounts.admin_site import RoleAdmin, clinic_admin_site
from scarclinic.accounts.roles import Perm
from scarclinic.assessments.models import Instrument
from scarclinic.clinical.pro import questionnaire_problems


class InstrumentForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Instrument
        fields = [
            "clinic",
            "code",
            "name",
            "description",
            "items",
            "scoring",
            "higher_is_worse",
            "licence_note",
            "is_active",
        ]
        help_texts = {
            "items": 'A list like [{"id": "q1", "text": "…", "options": [{"value": 0, '
            '"label": "Not at all"}, {"value": 1, "label": "A little"}]}]',
            "licence_note": "Who licensed the instrument to the clinic, and until when.",
        }

    def clean_items(self) -> Any:
        items = self.cleaned_data["items"]
        if not isinstance(items, list):
            raise forms.ValidationError(gettext("Items must be a list."))
        problems = questionnaire_problems(items)
        if problems:
            raise forms.ValidationError(problems)
        return items

    def clean_clinic(self) -> Any:
        clinic = self.cleaned_data.get("clinic")
        if clinic is None:
            raise forms.ValidationError(
                gettext("A clinic's own instrument belongs to that clinic.")
            )
        return clinic


class InstrumentAdmin(RoleAdmin):
    form = InstrumentForm
    view_perm = Perm.INSTRUMENT_MANAGE
    change_perm = Perm.INSTRUMENT_MANAGE
    list_display = ["name", "code", "clinic", "scoring", "is_active"]

    def get_queryset(self, request: Any) -> Any:
        # Built-in instruments are listed too (read-only below), so a clinic sees what exists.
        return Instrument.objects.filter(
            Q(clinic__isnull=True) | Q(clinic_id__in=clinic_ids_with(request.user, self.view_perm))
        )

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        if obj is not None and obj.clinic_id is None:
            return False
        return super().has_change_permission(request, obj)


clinic_admin_site.register(Instrument, InstrumentAdmin)
