from django import forms

from scarclinic.audit.models import AuditAction


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, label="User")
    action = forms.ChoiceField(required=False, choices=[("", "Any"), *AuditAction.choices])
    patient_id = forms.IntegerField(required=False, min_value=1, label="Patient id")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
