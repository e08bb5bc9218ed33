from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scarclinic.patients.forms import DateInput
from scarclinic.patients.models import ConsentTemplate
from scarclinic.portal.models import InvitationChannel
from scarclinic.portal.services import HISTORY_QUESTIONS, MAX_DESCRIPTION

# --- staff -----------------------------------------------------------------------------


class InviteForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("How"),
        choices=InvitationChannel.choices,
        widget=forms.RadioSelect,
        initial=InvitationChannel.LINK,
    )
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        help_text=_("For an email invitation; the patient's address on file if left empty."),
    )


class ConsentSendForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Consent document"), queryset=ConsentTemplate.objects.none()
    )

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["template"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = ConsentTemplate.objects.filter(
            clinic_id=clinic_id, versions__status="active"
        ).distinct()


# --- the patient -------------------------------------------------------------------------


class WelcomeForm(forms.Form):
    username = forms.CharField(
        label=_("Sign-in name"),
        max_length=150,
        required=False,
        help_text=_("You will use it to sign in. Letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 12 characters; not a common password, not only digits."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class PortalConsentForm(forms.Form):
    confirm_read = forms.BooleanField(
        label=_("I have read this text and had the chance to ask the clinic my questions")
    )
    signer_name = forms.CharField(label=_("Your full name"), max_length=200)
    signature_png = forms.CharField(required=False, widget=forms.HiddenInput)


class ChecklistDayForm(forms.Form):
    """The ticked instruction numbers of one day."""

    items = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())

    def __init__(self, *args: Any, item_count: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["items"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(str(i), str(i)) for i in range(item_count)]


HISTORY_LABELS = {
    "new_medicines": _("I have started a new medicine since my last visit"),
    "isotretinoin": _("I take or have recently taken isotretinoin (e.g. Roaccutane)"),
    "pregnant_or_breastfeeding": _("I am pregnant, may be pregnant, or am breastfeeding"),
    "blood_thinners": _("I take blood thinners or aspirin"),
    "cold_sores": _("I have had cold sores (herpes) recently"),
    "new_allergies": _("I have a new allergy"),
    "skin_infection": _("I have a skin infection or new spots on my face"),
}


class HistoryUpdateForm(forms.Form):
    notes = forms.CharField(
        label=_("Anything else the clinic should know (names of medicines, allergies…)"),
        required=False,
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in HISTORY_QUESTIONS:
            self.fields[question] = forms.BooleanField(
                label=HISTORY_LABELS[question], required=False
            )
        self.order_fields([*HISTORY_QUESTIONS, "notes"])

    def answers(self) -> dict[str, bool]:
        return {q: bool(self.cleaned_data.get(q)) for q in HISTORY_QUESTIONS}

    def question_fields(self) -> list[forms.BoundField]:
        return [self[q] for q in HISTORY_QUESTIONS]


class SideEffectForm(forms.Form):
    onset_on = forms.DateField(label=_("When did it start?"), widget=DateInput())
    description = forms.CharField(
        label=_("What is happening? (where on your face, how it looks and feels)"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["onset_on"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_onset_on(self) -> Any:
        onset = self.cleaned_data["onset_on"]
        if onset > timezone.localdate():
            raise forms.ValidationError(_("This date is in the future."))
        return onset
