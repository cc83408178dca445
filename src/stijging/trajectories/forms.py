from __future__ import annotations

from typing import cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stijging.instruments.models import Domain, NonAnswer, RungNonAnswer
from stijging.privacy.models import LegalGround
from stijging.registry.forms import DateInput, VersionedForm

from .models import DEFAULT_FOLLOW_UP_DAYS, ActionStatus
from .states import ClosingOutcome, TrajectoryStatus


def _model_field(form: forms.Form, name: str) -> forms.ModelChoiceField:
    """A model choice field whose choices are set per request (one place for the cast)."""
    return cast(forms.ModelChoiceField, form.fields[name])


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.email


class TrajectoryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.person.full_name} ({obj.get_status_display()})"


class TrajectoryOpenForm(forms.Form):
    case_manager = UserChoiceField(label=_("Case manager"), queryset=None)
    follow_up_interval_days = forms.IntegerField(
        label=_("Follow-up measurement every (days)"), min_value=14, max_value=730, initial=DEFAULT_FOLLOW_UP_DAYS
    )
    legal_ground = forms.ModelChoiceField(
        label=_("Legal ground (only without consent to receive help)"),
        queryset=LegalGround.objects.none(),
        required=False,
        empty_label=_("— the person's consent to receive help —"),
    )

    def __init__(self, *args, case_managers, **kwargs):
        super().__init__(*args, **kwargs)
        _model_field(self, "case_manager").queryset = case_managers
        _model_field(self, "legal_ground").queryset = LegalGround.objects.filter(active=True).order_by("title")


class TransitionForm(VersionedForm):
    to_status = forms.ChoiceField(label=_("New status"), choices=TrajectoryStatus.choices)
    outcome = forms.ChoiceField(
        label=_("Closing outcome"), choices=[("", "—"), *ClosingOutcome.choices], required=False
    )
    outcome_text = forms.CharField(label=_("Outcome, in short (only for “other”)"), max_length=200, required=False)

    def __init__(self, *args, next_statuses: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if next_statuses is not None:
            labels = dict(TrajectoryStatus.choices)
            _choice_field(self, "to_status").choices = [(s, labels[s]) for s in next_statuses]


class GoalForm(forms.Form):
    domain: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Life domain"), queryset=Domain.objects.none())
    target = forms.CharField(label=_("Goal"), max_length=500)
    target_score = forms.TypedChoiceField(
        label=_("Target self-sufficiency score"), choices=[(i, str(i)) for i in range(1, 6)], coerce=int
    )

    def __init__(self, *args, domains, **kwargs):
        super().__init__(*args, **kwargs)
        _model_field(self, "domain").queryset = domains


class ActionForm(forms.Form):
    description = forms.CharField(label=_("Action"), max_length=300)
    owner = UserChoiceField(label=_("Owner"), queryset=None)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        _model_field(self, "owner").queryset = owners


class ActionStatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Journal note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Facts and agreements; no medical or police detail."),
    )


SCORE_CHOICES = [("", "—"), *[(str(i), str(i)) for i in range(1, 6)], *NonAnswer.choices]
RUNG_CHOICES = [("", "—"), *[(str(i), str(i)) for i in range(1, 7)], *RungNonAnswer.choices]


class MeasurementForm(forms.Form):
    measured_on = forms.DateField(label=_("Measured on"), widget=DateInput())
    rung = forms.ChoiceField(label=_("Rung on the Participatieladder"), choices=RUNG_CHOICES)

    def __init__(self, *args, domains: list[Domain], **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = domains
        self.fields["measured_on"].initial = timezone.localdate()
        for domain in domains:
            self.fields[f"domain_{domain.code}"] = forms.ChoiceField(label=domain.name, choices=SCORE_CHOICES)

    @staticmethod
    def split(value: str) -> tuple[int | None, str]:
        return (int(value), "") if value.isdigit() else (None, value)


class HandOverForm(forms.Form):
    to_user = UserChoiceField(label=_("Hand over to"), queryset=None)
    trajectories = TrajectoryChoiceField(label=_("Trajectories"), queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, colleagues, trajectories, **kwargs):
        super().__init__(*args, **kwargs)
        _model_field(self, "to_user").queryset = colleagues
        _model_field(self, "trajectories").queryset = trajectories
