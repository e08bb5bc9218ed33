from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy

from scarclinic.accounts.models import User
from scarclinic.patients.models import (
    ConsentTemplateVersion,
    MedicalHistoryVersion,
    Patient,
    SignatureMethod,
    SignerRelation,
)
from scarclinic.patients.services import DEMOGRAPHIC_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"


def apply_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's field errors on the form's fields, the rest at the top."""
    for field, messages in error.message_dict.items():
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
            else:
                form.add_error(None, f"{field.replace('_', ' ').capitalize()}: {message}")


class PatientForm(forms.ModelForm):  # type: ignore[type-arg]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The browser's date picker then offers no future birth date (the service refuses one).
        self.fields["date_of_birth"].widget.attrs["max"] = timezone.localdate().isoformat()

    class Meta:
        model = Patient
        fields = list(DEMOGRAPHIC_FIELDS)
        widgets = {"date_of_birth": DateInput(), "address": forms.Textarea(attrs={"rows": 2})}
        # The model's verbose names are English only: the form's labels are translated.
        labels = {
            "mrn": gettext_lazy("MRN"),
            "given_name": gettext_lazy("Given name"),
            "family_name": gettext_lazy("Family name"),
            "date_of_birth": gettext_lazy("Date of birth"),
            "sex": gettext_lazy("Sex"),
            "phone": gettext_lazy("Phone"),
            "email": gettext_lazy("Email"),
            "address": gettext_lazy("Address"),
            "preferred_language": gettext_lazy("Preferred language"),
        }


class MedicalHistoryForm(forms.ModelForm):  # type: ignore[type-arg]
    allergies = forms.CharField(
        label=gettext_lazy("Allergies"),
        required=False,
        help_text=gettext_lazy("Other allergies, separated by commas (e.g. penicillin, latex)"),
    )

    class Meta:
        model = MedicalHistoryVersion
        fields = [*MedicalHistoryVersion.CLINICAL_FIELDS, "change_note"]
        widgets = {"isotretinoin_last_dose": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["allergies"] = ", ".join(self.instance.allergies)
            self.initial["change_note"] = ""

    def clean_allergies(self) -> list[str]:
        raw: str = self.cleaned_data.get("allergies") or ""
        return [item.strip() for item in raw.split(",") if item.strip()]


class TemplateVersionChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.template.title} — version {obj.version} ({obj.get_language_display()})"


class WitnessChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class ConsentSignForm(forms.Form):
    """Recording a signature. The version list offers the versions in use; on submit any
    version of the clinic is accepted here and the service refuses one no longer in use,
    with a message that says so (rather than a bare 'invalid choice')."""

    template_version = TemplateVersionChoice(
        queryset=ConsentTemplateVersion.objects.none(), label=gettext_lazy("Consent document")
    )
    confirm_read = forms.BooleanField(
        label=gettext_lazy(
            "The patient has read this text (or had it read to them) and had their questions answered"
        )
    )
    signer_name = forms.CharField(max_length=200)
    signer_relation = forms.ChoiceField(choices=SignerRelation.choices, initial=SignerRelation.SELF)
    method = forms.ChoiceField(
        choices=SignatureMethod.choices, widget=forms.RadioSelect, initial=SignatureMethod.DRAWN
    )
    signature_png = forms.CharField(required=False, widget=forms.HiddenInput)
    typed_name = forms.CharField(required=False, max_length=200)
    witness = WitnessChoice(queryset=User.objects.none(), required=False)

    def __init__(self, *args: Any, clinic_id: int, witnesses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        versions = self.fields["template_version"]
        assert isinstance(versions, forms.ModelChoiceField)
        versions.queryset = ConsentTemplateVersion.objects.filter(
            template__clinic_id=clinic_id
        ).select_related("template")
        witness = self.fields["witness"]
        assert isinstance(witness, forms.ModelChoiceField)
        witness.queryset = witnesses


class ConsentWithdrawForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
