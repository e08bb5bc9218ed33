"""Forms of the cell lab and the bedside. They parse; the services decide (and their errors are
shown on the fields they name, see :func:`apply_service_errors`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from scarclinic.accounts.models import User
from scarclinic.biologics.models import (
    DonorEligibility,
    DonorMaterial,
    Manipulation,
    ProcessingStepKind,
    ProductCode,
    RegulatoryClass,
    SignatureMeaning,
    StorageCondition,
    StorageLocation,
)
from scarclinic.biologics.models.settings import PRODUCT_TYPE_CHOICES
from scarclinic.biologics.services import ROUTES
from scarclinic.clinical.evidence import Modality


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's field errors on the form's fields, the rest at the top."""
    for field, messages in error.message_dict.items():
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
            else:
                form.add_error(None, f"{field.replace('_', ' ').capitalize()}: {message}")


class StaffChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


def staff_of(clinic_id: int) -> Any:
    return (
        User.objects.filter(memberships__clinic_id=clinic_id, memberships__is_active=True)
        .exclude(memberships__role="patient")
        .order_by("first_name", "username")
    )


class HarvestForm(forms.Form):
    patient_mrn = forms.CharField(label=gettext_lazy("Patient MRN"), max_length=32)
    collected_at = forms.DateTimeField(label=gettext_lazy("Harvested at"), widget=DateTimeInput())
    harvest_site = forms.CharField(
        label=gettext_lazy("Harvest site"),
        max_length=100,
        help_text=gettext_lazy("e.g. abdomen, flanks, thighs"),
    )
    volume_ml = forms.DecimalField(
        label=gettext_lazy("Lipoaspirate volume (mL)"), max_digits=8, decimal_places=1
    )
    performed_by = StaffChoice(
        queryset=User.objects.none(), required=False, label=gettext_lazy("Harvested by")
    )
    procedure_reference = forms.CharField(
        label=gettext_lazy("Procedure reference"), max_length=100, required=False
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["performed_by"].queryset = staff_of(clinic_id)  # type: ignore[attr-defined]


class BloodDrawForm(forms.Form):
    patient_mrn = forms.CharField(label=gettext_lazy("Patient MRN"), max_length=32)
    collected_at = forms.DateTimeField(label=gettext_lazy("Blood drawn at"), widget=DateTimeInput())
    volume_ml = forms.DecimalField(
        label=gettext_lazy("Blood volume (mL)"), max_digits=6, decimal_places=1
    )
    preparation_method = forms.CharField(
        label=gettext_lazy("Preparation method"),
        max_length=200,
        help_text=gettext_lazy("The PRP kit, or the centrifuge protocol (spins, g, minutes)"),
    )
    performed_by = StaffChoice(
        queryset=User.objects.none(), required=False, label=gettext_lazy("Drawn by")
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["performed_by"].queryset = staff_of(clinic_id)  # type: ignore[attr-defined]


class DonorReceiptForm(forms.Form):
    supplier = forms.CharField(label=gettext_lazy("Supplier"), max_length=200)
    donor_identifier = forms.CharField(label=gettext_lazy("Donor id (supplier's)"), max_length=64)
    eligibility = forms.ChoiceField(
        label=gettext_lazy("Eligibility"), choices=DonorEligibility.choices
    )
    screening_results = forms.CharField(
        label=gettext_lazy("Screening results"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One per line, 'test: result', e.g. 'HBsAg: non-reactive'"),
    )
    screening_date = forms.DateField(
        label=gettext_lazy("Screening date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    material = forms.ChoiceField(label=gettext_lazy("Material"), choices=DonorMaterial.choices)
    supplier_lot = forms.CharField(label=gettext_lazy("Supplier's lot"), max_length=64)
    received_at = forms.DateTimeField(label=gettext_lazy("Received at"), widget=DateTimeInput())
    shipping_temperature_c = forms.DecimalField(
        label=gettext_lazy("Temperature on receipt (°C)"), max_digits=5, decimal_places=1
    )
    time_out_of_storage_minutes = forms.IntegerField(
        label=gettext_lazy("Time out of storage (minutes)"), min_value=0
    )
    condition_acceptable = forms.BooleanField(
        required=False,
        initial=True,
        label=gettext_lazy("Received intact and within its shipping conditions"),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProductForm(forms.Form):
    product_type = forms.ChoiceField(
        label=gettext_lazy("Product type"), choices=PRODUCT_TYPE_CHOICES
    )
    product_code = forms.ModelChoiceField(
        label=gettext_lazy("Product code"),
        queryset=ProductCode.objects.none(),
        required=False,
        help_text=gettext_lazy("From the clinic's table"),
    )
    volume_ml = forms.DecimalField(
        label=gettext_lazy("Volume (mL)"), max_digits=7, decimal_places=2
    )
    cell_count_million = forms.DecimalField(
        label=gettext_lazy("Viable cells (x10^6)"), required=False, max_digits=10, decimal_places=2
    )
    platelet_count_10e9_per_l = forms.DecimalField(
        label=gettext_lazy("Platelet count (x10^9/L), PRP"),
        required=False,
        max_digits=7,
        decimal_places=1,
    )
    dose_body_weight_kg = forms.DecimalField(
        label=gettext_lazy("Recipient's body weight (kg)"),
        required=False,
        max_digits=5,
        decimal_places=1,
        help_text=gettext_lazy("Endotoxin EU/kg is computed with it"),
    )
    storage_condition = forms.ChoiceField(
        label=gettext_lazy("Storage condition"), choices=StorageCondition.choices
    )
    stability_after_thaw_hours = forms.IntegerField(
        label=gettext_lazy("Stability after thaw (hours)"),
        required=False,
        min_value=1,
        max_value=720,
        help_text=gettext_lazy("Frozen units: from the lab's own stability validation"),
    )
    expires_at = forms.DateTimeField(label=gettext_lazy("Expires at"), widget=DateTimeInput())
    regulatory_class = forms.ChoiceField(
        label=gettext_lazy("Regulatory class"),
        choices=RegulatoryClass.choices,
        help_text=gettext_lazy("Clinical reference §11 (US, 21 CFR 1271)"),
    )
    ind_number = forms.CharField(label=gettext_lazy("IND number"), max_length=40, required=False)
    irb_approval = forms.CharField(
        label=gettext_lazy("IRB approval"), max_length=200, required=False
    )
    protocol_name = forms.CharField(
        label=gettext_lazy("Protocol name"), max_length=200, required=False
    )
    manipulation = forms.ChoiceField(
        label=gettext_lazy("Manipulation"), choices=Manipulation.choices
    )
    culture_passage = forms.IntegerField(
        label=gettext_lazy("Culture passage"), required=False, min_value=0, max_value=50
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product_code"].queryset = ProductCode.objects.filter(  # type: ignore[attr-defined]
            clinic_id=clinic_id, is_active=True
        )


class ProcessingForm(forms.Form):
    step = forms.ChoiceField(label=gettext_lazy("Step"), choices=ProcessingStepKind.choices)
    performed_at = forms.DateTimeField(
        label=gettext_lazy("Performed at"),
        widget=DateTimeInput(),
        required=False,
        help_text=gettext_lazy("Blank: now"),
    )
    equipment = forms.CharField(
        label=gettext_lazy("Equipment"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Device and its id"),
    )
    reagents = forms.CharField(
        label=gettext_lazy("Reagents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("One per line: 'reagent: lot', e.g. 'Collagenase NB6: L2291'"),
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=500, required=False)

    def clean_reagents(self) -> list[tuple[str, str]]:
        pairs = []
        for line in (self.cleaned_data.get("reagents") or "").splitlines():
            if not line.strip():
                continue
            reagent, _, lot = line.partition(":")
            pairs.append((reagent.strip(), lot.strip()))
        return pairs


class QcResultForm(forms.Form):
    test_code = forms.ChoiceField(label=gettext_lazy("Test"), choices=())
    value = forms.CharField(label=gettext_lazy("Value (number)"), required=False, max_length=30)
    unit = forms.CharField(label=gettext_lazy("Unit"), required=False, max_length=20)
    text = forms.CharField(
        label=gettext_lazy("Result (text)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("e.g. Negative, No growth"),
    )
    method = forms.CharField(label=gettext_lazy("Method"), required=False, max_length=200)
    tested_at = forms.DateTimeField(
        label=gettext_lazy("Tested at"),
        widget=DateTimeInput(),
        required=False,
        help_text=gettext_lazy("Blank: now"),
    )

    def __init__(self, *args: Any, tests: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["test_code"].choices = tests  # type: ignore[attr-defined]


RELEASE_MEANINGS = [
    (m.value, m.label) for m in (SignatureMeaning.APPROVAL, SignatureMeaning.RESPONSIBILITY)
]


class ReleaseForm(forms.Form):
    meaning = forms.ChoiceField(
        label=gettext_lazy("Meaning of your signature"),
        choices=RELEASE_MEANINGS,
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label=gettext_lazy("Your password (electronic signature)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    justification = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=gettext_lazy("Justification for an exceptional release"),
        help_text=gettext_lazy("Only when a required result is missing or failing"),
    )
    director_username = forms.CharField(
        required=False, max_length=150, label=gettext_lazy("Medical director (user name)")
    )
    director_password = forms.CharField(
        required=False,
        label=gettext_lazy("Medical director's password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, exceptional: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if exceptional:
            # Only a release that takes responsibility for the unmet specification.
            self.fields["meaning"].choices = RELEASE_MEANINGS[1:]  # type: ignore[attr-defined]
            self.fields["justification"].required = True
        else:
            for name in ("justification", "director_username", "director_password"):
                del self.fields[name]


class RejectForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class StoreForm(forms.Form):
    to_location = forms.ModelChoiceField(
        queryset=StorageLocation.objects.none(), label=gettext_lazy("Location")
    )
    rack = forms.CharField(label=gettext_lazy("Rack"), max_length=40, required=False)
    position = forms.CharField(label=gettext_lazy("Position"), max_length=40, required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_location"].queryset = StorageLocation.objects.filter(  # type: ignore[attr-defined]
            clinic_id=clinic_id, is_active=True
        )


class HandOverForm(forms.Form):
    handed_to = StaffChoice(queryset=User.objects.none(), label=gettext_lazy("Handed to"))
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handed_to"].queryset = staff_of(clinic_id)  # type: ignore[attr-defined]


class ExcursionForm(forms.Form):
    temperature_c = forms.DecimalField(
        label=gettext_lazy("Temperature reached (°C)"), max_digits=5, decimal_places=1
    )
    duration_minutes = forms.IntegerField(label=gettext_lazy("For how long (minutes)"), min_value=0)
    keep_released = forms.BooleanField(
        required=False, label=gettext_lazy("Assessed: the unit stays usable (say why in the note)")
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)


class IssueForm(forms.Form):
    patient_mrn = forms.CharField(
        label=gettext_lazy("For patient (MRN)"),
        max_length=32,
        required=False,
        help_text=gettext_lazy(
            "Required for a donor unit; an autologous unit is its own patient's"
        ),
    )
    handed_to = StaffChoice(
        queryset=User.objects.none(), required=False, label=gettext_lazy("Handed to")
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["handed_to"].queryset = staff_of(clinic_id)  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)


# The clinical core's treatment names, translated by the treatments catalogue
# (treatments/models/consultation.py lists them).
MODALITY_CHOICES = [("", gettext_lazy("From the product (default)"))] + [
    (m.value, gettext_lazy(m.label))  # noqa: INT001
    for m in (
        Modality.STEM_CELL_SVF_INJECTION,
        Modality.TOPICAL_CELL_PRODUCT_AFTER_MICRONEEDLING,
        Modality.MICRONEEDLING_PRP,
    )
]


class BedsideForm(forms.Form):
    din = forms.CharField(
        label=gettext_lazy("Product DIN (scan or type)"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )
    patient_identifier = forms.CharField(
        label=gettext_lazy("Patient MRN (scan the wristband or type)"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    modality = forms.ChoiceField(
        choices=MODALITY_CHOICES, required=False, label=gettext_lazy("Treatment")
    )


class AdministrationForm(BedsideForm):
    """After a passing check: the DIN and MRN stay as scanned (recording checks them again)."""

    route = forms.ChoiceField(
        label=gettext_lazy("Route"),
        choices=[(r, gettext_lazy(r)) for r in ROUTES],  # noqa: INT001
    )
    volume_ml = forms.DecimalField(
        label=gettext_lazy("Volume given (mL)"), max_digits=7, decimal_places=2
    )
    sites = forms.CharField(
        label=gettext_lazy("Sites"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Regions treated"),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("din", "patient_identifier"):
            self.fields[name].widget.attrs.update({"readonly": True, "autofocus": False})


class LocationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    storage_condition = forms.ChoiceField(
        label=gettext_lazy("Storage condition"), choices=StorageCondition.choices
    )


class SettingsForm(forms.Form):
    facility_identification_number = forms.CharField(
        label=gettext_lazy("Facility identification number (FIN)"),
        max_length=5,
        help_text=gettext_lazy("5 characters, assigned by ICCBBA"),
    )
    fin_is_demo = forms.BooleanField(
        required=False, label=gettext_lazy("Demo FIN (not assigned by ICCBBA)")
    )
    expiring_soon_days = forms.IntegerField(
        label=gettext_lazy("Expiring soon (days)"), min_value=1, max_value=365, initial=7
    )
    prp_use_within_hours = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=24,
        label=gettext_lazy("PRP: use within (hours)"),
        help_text=gettext_lazy("Blank: until the end of the day of the blood draw"),
    )


class CodesForm(forms.Form):
    csv_file = forms.FileField(label=gettext_lazy("CSV file (code, description, product_type)"))
    licence_note = forms.CharField(
        label=gettext_lazy("Licence note"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("ICCBBA table version and licence"),
    )
    local_test_codes = forms.BooleanField(
        required=False, label=gettext_lazy("These are local test codes, not from ICCBBA's table")
    )


class RecallForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    donor = forms.IntegerField(required=False, widget=forms.HiddenInput)
    collection = forms.IntegerField(required=False, widget=forms.HiddenInput)
    lot = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    din = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
