from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stijging.forms import DutchDecimalField
from stijging.instruments.models import NonAnswer
from stijging.registry.validators import normalise_postcode, validate_postcode

from .models import ConsentBy


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class StreetsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj) -> str:
        return obj.name


class _ActivityFields(forms.Form):
    kind: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Kind"),
        queryset=None,  # type: ignore[arg-type]  # set in __init__
        empty_label=_("— choose a kind —"),
    )
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Left empty, the kind is the title.")
    )
    streets = StreetsField(label=_("Streets"), queryset=None)  # type: ignore[arg-type]  # set in __init__
    organiser = forms.CharField(label=_("Organiser"), max_length=200)
    participant_count = forms.IntegerField(
        label=_("Number of participants"),
        min_value=0,
        max_value=5000,
        initial=0,
        help_text=_("Everyone who took part, also those not registered by name."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, kinds=None, streets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = kinds  # type: ignore[attr-defined]
        self.fields["streets"].queryset = streets  # type: ignore[attr-defined]


class ActivityForm(_ActivityFields):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    field_order = ["kind", "title", "date", "streets", "organiser", "participant_count", "note"]


class SeriesForm(_ActivityFields):
    first_date = forms.DateField(label=_("First date"), widget=DateInput())
    last_date = forms.DateField(label=_("Last date"), widget=DateInput())
    every_weeks = forms.IntegerField(label=_("Every how many weeks"), min_value=1, max_value=8, initial=1)

    field_order = ["kind", "title", "first_date", "last_date", "every_weeks", "streets", "organiser"]


class ParticipantForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    street: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Street"),
        queryset=None,  # type: ignore[arg-type]  # set in __init__
        required=False,
        empty_label=_("— none —"),
    )
    is_child = forms.BooleanField(label=_("Under 16"), required=False)
    consent_given_on = forms.DateField(
        label=_("Consent given on"),
        widget=DateInput(),
        help_text=_("The date the person (a parent, for a child) agreed that we keep these details."),
    )
    consent_given_by = forms.ChoiceField(
        label=_("Consent given by"), choices=ConsentBy.choices, widget=forms.RadioSelect, initial=ConsentBy.SELF
    )
    parent_name = forms.CharField(label=_("Name of the parent or guardian"), max_length=200, required=False)
    volunteer = forms.BooleanField(label=_("Volunteer"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, streets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = streets  # type: ignore[attr-defined]

    def clean_consent_given_on(self):
        value = self.cleaned_data["consent_given_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Consent cannot be given on a date still to come."))
        return value


class LinkForm(forms.Form):
    """What the participant tells to be found in the registry: their address and date of birth."""

    link_consent_on = forms.DateField(
        label=_("Agreed to the link on"),
        widget=DateInput(),
        help_text=_("The person (a parent, for a child) agreed that their case manager may see their volunteering."),
    )
    postcode = forms.CharField(label=_("Postcode"), max_length=7)
    huisnummer = forms.IntegerField(label=_("House number"), min_value=1, max_value=99999)
    huisletter = forms.CharField(label=_("House letter"), max_length=1, required=False)
    toevoeging = forms.CharField(label=_("Addition"), max_length=4, required=False)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput())

    def clean_postcode(self):
        value = self.cleaned_data["postcode"]
        validate_postcode(value)
        return normalise_postcode(value)


class HoursForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    hours = DutchDecimalField(
        label=_("Hours"),
        min_value=Decimal("0.5"),
        max_value=Decimal(24),
        decimal_places=1,
        max_digits=4,
        help_text=_("For example 3,5 for three and a half hours."),
    )
    activity: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("For the activity"), queryset=None, required=False
    )  # type: ignore[arg-type]  # set in __init__
    what = forms.CharField(label=_("What"), max_length=200, required=False)

    def __init__(self, *args, activities=None, duplicates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities  # type: ignore[attr-defined]
        if duplicates:
            # Hours already recorded for that day: the coordinator confirms that these are more.
            self.duplicates = duplicates
            self.fields["confirm_duplicate"] = forms.BooleanField(
                label=_("Record these hours as well: they come on top of the hours already recorded that day"),
                required=False,
            )


class WaveForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    ends_on = forms.DateField(label=_("Until"), widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


AGREEMENT = [
    ("1", _("1 — strongly disagree")),
    ("2", _("2 — disagree")),
    ("3", _("3 — neither agree nor disagree")),
    ("4", _("4 — agree")),
    ("5", _("5 — strongly agree")),
    *NonAnswer.choices,
]


class DoorResponseForm(forms.Form):
    """One anonymous respondent of 15 or older at the door; one field per statement."""

    area: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Area"),
        queryset=None,  # type: ignore[arg-type]  # set in __init__
        empty_label=_("— choose an area —"),
    )
    street: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Street"),
        queryset=None,  # type: ignore[arg-type]  # set in __init__
        empty_label=_("— choose a street —"),
    )
    answered_on = forms.DateField(label=_("Date"), widget=DateInput())
    aged_15_or_older = forms.BooleanField(
        label=_("The respondent is 15 or older"), help_text=_("Only residents of 15 and older answer.")
    )

    def __init__(self, *args, areas=None, streets=None, statements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas  # type: ignore[attr-defined]
        self.fields["street"].queryset = streets  # type: ignore[attr-defined]
        self.statements = list(statements)
        for statement in self.statements:
            self.fields[f"statement_{statement.pk}"] = forms.ChoiceField(
                label=statement.text, choices=AGREEMENT, widget=forms.RadioSelect
            )

    def answers(self) -> dict[int, int | str]:
        answers: dict[int, int | str] = {}
        for statement in self.statements:
            value = self.cleaned_data[f"statement_{statement.pk}"]
            answers[statement.pk] = int(value) if value.isdigit() else value
        return answers
