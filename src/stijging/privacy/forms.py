from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditAction


class AuditFilterForm(forms.Form):
    person_id = forms.IntegerField(label=_("Person (id)"), required=False, min_value=1)
    actor = forms.CharField(label=_("User (e-mail)"), required=False, max_length=254)
    action = forms.ChoiceField(label=_("Action"), required=False, choices=[("", _("all"))] + AuditAction.choices)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label=_("Up to and including"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class LegalGroundForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.SlugField(label=_("Code"), max_length=50)
    title = forms.CharField(label=_("Title"), max_length=200)
    article = forms.CharField(
        label=_("Legal article"), max_length=200, help_text=_("e.g. AVG art. 6(1)(d) — vital interest")
    )
    description = forms.CharField(label=_("When it applies"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    active = forms.BooleanField(label=_("Active (can be chosen for a referral)"), required=False, initial=True)
