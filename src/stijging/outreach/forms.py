from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AppointmentKind, Channel, Outcome, RevisitReason


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AttemptForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    channel = forms.ChoiceField(label=_("How"), choices=Channel.choices)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(value, label) for value, label in Outcome.choices if value != Outcome.HELD],
        help_text=_("A held conversation is recorded by starting the conversation itself."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A contact attempt cannot be in the future."))
        return value


class AppointmentForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=15, max_value=240, initial=60)
    worker: forms.ModelChoiceField = forms.ModelChoiceField(label=_("Project worker"), queryset=None)  # type: ignore[arg-type]  # set per programme in __init__
    kind = forms.ChoiceField(label=_("Kind"), choices=AppointmentKind.choices, initial=AppointmentKind.VISIT)
    reason_category = forms.ChoiceField(
        label=_("Kind of reason (for a revisit)"), choices=[("", "—"), *RevisitReason.choices], required=False
    )
    reason = forms.CharField(label=_("Reason (for a revisit)"), max_length=500, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, workers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers  # type: ignore[attr-defined]

    def starts_at(self) -> datetime.datetime:
        naive = datetime.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])
        return timezone.make_aware(naive)

    def clean(self):
        cleaned = super().clean() or {}
        if (
            cleaned.get("date")
            and cleaned.get("time")
            and self.starts_at() < timezone.now() - datetime.timedelta(hours=1)
        ):
            self.add_error("date", _("An appointment is planned ahead, not in the past."))
        if cleaned.get("kind") == AppointmentKind.REVISIT and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason for the revisit."))
        if cleaned.get("kind") == AppointmentKind.REVISIT and not cleaned.get("reason_category"):
            self.add_error("reason_category", _("Choose the kind of reason for the revisit."))
        return cleaned


class AppointmentStatusForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # "planned" again: undoing a cancellation on the same day (the service checks the day).
    status = forms.ChoiceField(choices=[("done", _("done")), ("cancelled", _("cancelled")), ("planned", _("planned"))])


class AddressNoteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    safety_note = forms.CharField(
        label=_("Note for the workers' own safety"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Only facts that matter for a safe visit (e.g. a dog, visit in pairs). Never health or police data."
        ),
    )
    interpreter_needed = forms.BooleanField(label=_("An interpreter is needed"), required=False)
    interpreter_language = forms.CharField(label=_("Language"), max_length=60, required=False)

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("interpreter_needed") and not (cleaned.get("interpreter_language") or "").strip():
            self.add_error("interpreter_language", _("Which language?"))
        return cleaned


class AgendaForm(forms.Form):
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput())
    view = forms.ChoiceField(choices=[("day", _("day")), ("week", _("week"))], required=False)
