from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from stijging.registry.forms import VersionedForm
from stijging.trajectories.forms import UserChoiceField

from .states import OUTCOMES, ReferralCode, ReferralStatus


def _model_field(form: forms.Form, name: str) -> forms.ModelChoiceField:
    """A model choice field whose choices are set per request (one place for the cast)."""
    return cast(forms.ModelChoiceField, form.fields[name])


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


class ConsentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _("%(organisation)s, given on %(date)s by %(by)s") % {
            "organisation": obj.organisation.name if obj.organisation else "—",
            "date": obj.given_on.strftime("%d-%m-%Y"),
            "by": obj.get_given_by_display(),
        }


class ReferralSendForm(forms.Form):
    organisation: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Partner organisation"), queryset=None)
    domain: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Life domain"), queryset=None)
    question = forms.CharField(
        label=_("Question to the partner"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you ask the partner to do. No medical or police detail."),
    )
    priority = forms.BooleanField(label=_("Priority (answer within the service level)"), required=False)
    consent = ConsentChoiceField(
        label=_("Consent it rests on"), queryset=None, required=False, empty_label=_("— no consent —")
    )
    legal_ground: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Or: legal ground (only without consent)"),
        queryset=None,
        required=False,
        empty_label=_("— none —"),
    )

    def __init__(self, *args, organisations, domains, consents, grounds, **kwargs):
        super().__init__(*args, **kwargs)
        _model_field(self, "organisation").queryset = organisations
        _model_field(self, "domain").queryset = domains
        _model_field(self, "consent").queryset = consents
        _model_field(self, "legal_ground").queryset = grounds


CODE_CHOICES = [("", "—"), *ReferralCode.choices]


class PartnerStepForm(VersionedForm):
    to_status = forms.ChoiceField(label=_("Step"), choices=ReferralStatus.choices)
    code = forms.ChoiceField(label=_("Reason or outcome"), choices=CODE_CHOICES, required=False)
    code_text = forms.CharField(label=_("In short (only for “other”)"), max_length=200, required=False)

    def __init__(self, *args, steps: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if steps is not None:
            labels = dict(ReferralStatus.choices)
            _choice_field(self, "to_status").choices = [(s, labels[s]) for s in steps]


class OutcomeForm(VersionedForm):
    """The outcome in one step, from any open state (prefixed: it shares the page with the step form)."""

    prefix = "outcome"
    code = forms.ChoiceField(
        label=_("Outcome"), choices=[(c, label) for c, label in ReferralCode.choices if c in OUTCOMES]
    )
    code_text = forms.CharField(label=_("In short (only for “other”)"), max_length=200, required=False)


class WithdrawForm(VersionedForm):
    code = forms.ChoiceField(
        label=_("Reason"),
        choices=[
            (c, label)
            for c, label in ReferralCode.choices
            if c in (ReferralCode.NO_LONGER_NEEDED, ReferralCode.CLIENT_REFUSED, ReferralCode.OTHER)
        ],
    )
    code_text = forms.CharField(label=_("In short (only for “other”)"), max_length=200, required=False)


class AssignForm(VersionedForm):
    assigned_to = UserChoiceField(label=_("Assign to"), queryset=None)

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        _model_field(self, "assigned_to").queryset = colleagues
