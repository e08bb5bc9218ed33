from django import forms
from django.utils.translation import gettext_lazy

from scarclinic.audit.models import AuditAction


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, label=gettext_lazy("User"))
    action = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("Any")), *AuditAction.choices]
    )
    patient_id = forms.IntegerField(required=False, min_value=1, label=gettext_lazy("Patient id"))
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
