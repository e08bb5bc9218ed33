"""Forms of the plan, scheduling, procedure and post-care pages. They parse; the services
validate and save."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from scarclinic.accounts.models import User
from scarclinic.clinical.evidence import CATALOGUE, Modality
from scarclinic.patients.models import Language
from scarclinic.treatments.clinical_text import clinical_text
from scarclinic.treatments.forms import DateInput
from scarclinic.treatments.models import Device, DeviceKind, PlanStatus, Room
from scarclinic.treatments.models.consultation import MODALITY_CHOICES
from scarclinic.treatments.protocol import protocol_default

UNIT_CHOICES = [("weeks", gettext_lazy("weeks")), ("months", gettext_lazy("months"))]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class LocalDateTimeField(forms.DateTimeField):
    """A datetime-local value, read in the clinic's time zone."""

    widget = DateTimeLocalInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime | None:
        result = super().to_python(value)
        if result is not None and timezone.is_naive(result):
            result = timezone.make_aware(result)
        return result


class PlanForm(forms.Form):
    """A new plan: the goal, the start, and per modality the sessions and interval (filled
    with the catalogue's defaults)."""

    goal = forms.CharField(
        label=gettext_lazy("Goal of the plan"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What the patient and you aim for, in words the patient agreed to."),
    )
    start_date = forms.DateField(label=gettext_lazy("First session on"), widget=DateInput())
    reason = forms.CharField(
        label=gettext_lazy("Why the plan differs from the usual protocol (if it does)"),
        max_length=500,
        required=False,
    )

    def __init__(self, *args: Any, modalities: list[Modality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.modalities = modalities
        self.fields["start_date"].initial = timezone.localdate()
        self.fields["start_date"].widget.attrs["min"] = timezone.localdate().isoformat()
        for m in modalities:
            default = protocol_default(m)
            unit = default.minimum.unit if default.minimum else "weeks"
            self.fields[f"{m.value}__sessions"] = forms.IntegerField(
                label=gettext("%(label)s: sessions") % {"label": gettext(m.label)},
                min_value=1,
                max_value=20,
                initial=default.sessions,
                help_text=clinical_text(CATALOGUE[m].sessions.text),
            )
            self.fields[f"{m.value}__interval_value"] = forms.IntegerField(
                label=gettext("%(label)s: every") % {"label": gettext(m.label)},
                min_value=1,
                max_value=52,
                required=False,
                initial=default.interval.value if default.interval else None,
            )
            self.fields[f"{m.value}__interval_unit"] = forms.ChoiceField(
                label=gettext("%(label)s: unit") % {"label": gettext(m.label)},
                choices=UNIT_CHOICES,
                initial=unit,
            )
            self.fields[f"{m.value}__first_offset_days"] = forms.IntegerField(
                label=gettext("%(label)s: first session, days after the start")
                % {"label": gettext(m.label)},
                min_value=0,
                max_value=365,
                initial=0,
            )

    def modality_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "modality": m,
                "default": protocol_default(m),
                "sessions": self[f"{m.value}__sessions"],
                "interval_value": self[f"{m.value}__interval_value"],
                "interval_unit": self[f"{m.value}__interval_unit"],
                "first_offset_days": self[f"{m.value}__first_offset_days"],
            }
            for m in self.modalities
        ]


class ModalityPickForm(forms.Form):
    """Without a decision: which treatments the plan has."""

    modalities = forms.MultipleChoiceField(
        label=gettext_lazy("Treatments"),
        choices=MODALITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )


class PlanChangeForm(forms.Form):
    modality = forms.ChoiceField(choices=MODALITY_CHOICES)
    sessions = forms.IntegerField(min_value=1, max_value=20)
    interval_value = forms.IntegerField(min_value=1, max_value=52, required=False)
    interval_unit = forms.ChoiceField(choices=UNIT_CHOICES)
    reason = forms.CharField(max_length=500)


class PlanStatusForm(forms.Form):
    status = forms.ChoiceField(choices=PlanStatus.choices)
    reason = forms.CharField(max_length=500, required=False)


class ClinicianChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class BookingForm(forms.Form):
    starts_at = LocalDateTimeField(label=gettext_lazy("Starts at"))
    clinician = ClinicianChoiceField(queryset=User.objects.none(), label=gettext_lazy("Clinician"))
    room = forms.ModelChoiceField(queryset=Room.objects.none(), label=gettext_lazy("Room"))
    device = forms.ModelChoiceField(
        queryset=Device.objects.none(),
        label=gettext_lazy("Device"),
        required=False,
        empty_label=gettext_lazy("None"),
    )

    def __init__(
        self,
        *args: Any,
        clinicians: list[User],
        rooms: list[Room],
        devices: list[Device],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        clinician_field = self.fields["clinician"]
        assert isinstance(clinician_field, forms.ModelChoiceField)
        clinician_field.queryset = User.objects.filter(pk__in=[u.pk for u in clinicians])
        room_field = self.fields["room"]
        assert isinstance(room_field, forms.ModelChoiceField)
        room_field.queryset = Room.objects.filter(pk__in=[r.pk for r in rooms])
        device_field = self.fields["device"]
        assert isinstance(device_field, forms.ModelChoiceField)
        device_field.queryset = Device.objects.filter(pk__in=[d.pk for d in devices])


class MoveForm(forms.Form):
    starts_at = LocalDateTimeField(label=gettext_lazy("New start"))
    shift_later = forms.BooleanField(
        label=gettext_lazy("Move the later sessions of the plan by the same amount"), required=False
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class ChecklistForm(forms.Form):
    confirmed = forms.BooleanField(
        label=gettext_lazy("I went through every item with the patient before the procedure"),
        required=False,
    )


class AddendumForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Correction or note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PostCareGiveForm(forms.Form):
    language = forms.ChoiceField(choices=Language.choices)


class PostCareTemplateForm(forms.Form):
    """One instruction per line; days after the session for its reminders after a "|",
    e.g. "Use sunscreen every day | 1, 7"."""

    modality = forms.ChoiceField(label=gettext_lazy("Treatment"), choices=MODALITY_CHOICES)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=Language.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    items = forms.CharField(
        label=gettext_lazy("Instructions"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            'One instruction per line. To remind the patient of it, add "|" and the days '
            'after the session, e.g. "Use sunscreen every day | 1, 7".'
        ),
    )

    def parsed_items(self) -> list[dict[str, Any]] | str:
        """The lines as items, or the message for the first line that is not understood."""
        items = []
        for n, line in enumerate(self.cleaned_data["items"].splitlines(), start=1):
            if not line.strip():
                continue
            text, _, days = line.partition("|")
            try:
                remind = [int(d) for d in days.replace("،", ",").split(",") if d.strip()]
            except ValueError:
                return gettext(
                    "Line %(line)s: after the '|' give days as whole numbers, e.g. 1, 7."
                ) % {"line": n}
            items.append({"text": text.strip(), "remind_days": remind})
        return items


class RoomForm(forms.Form):
    name = forms.CharField(max_length=100)
    is_active = forms.BooleanField(required=False, initial=True, label=gettext_lazy("In use"))


class DeviceForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=DeviceKind.choices)
    is_active = forms.BooleanField(required=False, initial=True, label=gettext_lazy("In use"))


class DurationForm(forms.Form):
    modality = forms.ChoiceField(label=gettext_lazy("Treatment"), choices=MODALITY_CHOICES)
    minutes = forms.IntegerField(min_value=5, max_value=720)
