"""Forms of the living-room conversation.

Each section of the conversation (per member: life domains, ladder, cohesion; per household: housing)
is its own form, saved on its own. Every section form carries the version it started from and a key
for this one save (made by the browser per submit; without JavaScript the server's own), so that a
stale save is recognised and a save that arrives twice is applied once (services.py).

The forms get the instrument's rows handed in (domains, levels, rungs, statements, defect categories)
instead of querying them, so a page with many members costs no more queries than one with one.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django import forms
from django.core.validators import RegexValidator
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.html import format_html, strip_tags
from django.utils.translation import gettext_lazy as _

from stijging.instruments.models import (
    CohesionStatement,
    DefectCategory,
    Domain,
    LadderRung,
    NonAnswer,
    RungNonAnswer,
    ScaleLevel,
)
from stijging.registry.forms import DateInput, MemberAddForm

from .models import (
    AgeingFit,
    AnsweredBy,
    CohesionAnswer,
    DomainAnswer,
    HomeFit,
    HousingAnswer,
    Interview,
    MeldcodeKind,
    MoveWish,
)
from .services import LADDER_MIN_AGE, DomainInput

ADULT_AGE = 18

# The CBS cohesion statements are answered on a 5-point agreement scale; 1 = strongly disagree.
AGREEMENT = [
    (5, _("strongly agree")),
    (4, _("agree")),
    (3, _("neither agree nor disagree")),
    (2, _("disagree")),
    (1, _("strongly disagree")),
]
SATISFACTION = [
    (1, _("very dissatisfied")),
    (2, _("dissatisfied")),
    (3, _("neither satisfied nor dissatisfied")),
    (4, _("satisfied")),
    (5, _("very satisfied")),
]
NEIGHBOUR_RELATIONS = [
    (1, _("very bad")),
    (2, _("bad")),
    (3, _("neither good nor bad")),
    (4, _("good")),
    (5, _("very good")),
]
NON_ANSWERS = {choice.value for choice in NonAnswer}
RUNG_NON_ANSWERS = {choice.value for choice in RungNonAnswer}

# The browser's key for one save: a UUID (with or without dashes) or the server's hex.
KEY_VALIDATOR = RegexValidator(r"^[A-Za-z0-9_-]{8,64}$", _("This save has no valid key."))


def new_key() -> str:
    return uuid.uuid4().hex


def _numbered(value: int, label) -> str:
    """A choice label with the number large and the words beside it (the markup is ours, the words
    are escaped)."""
    return format_html('<span class="choice__num">{}</span> <span class="choice__words">{}</span>', value, label)


class SectionForm(forms.Form):
    """Carries the version the user started from and the key of this one save."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, validators=[KEY_VALIDATOR])
    # Asked only when the section is a baseline a follow-up measurement was compared against
    # (services._revise_baseline); drawn by the section (jinja2/conversations/sections.html) when asked or given.
    reason = forms.CharField(
        label=_("Why the baseline changes"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, data=None, *, auto_id: str, version: int, initial: dict | None = None):
        initial = {**(initial or {}), "version": version, "key": new_key()}
        super().__init__(data, auto_id=auto_id, initial=initial)

    @property
    def asks_reason(self) -> bool:
        return bool(self.errors.get("reason")) if self.is_bound and hasattr(self, "cleaned_data") else False

    @property
    def incomplete(self) -> bool:
        """The hidden version or key was missing or malformed: not something the user can fix in a
        field, so the section says so as a whole."""
        return bool(self.errors.get("version") or self.errors.get("key"))

    # --- after a refused stale save: what is stored now, beside what the user typed -----------------

    def _submitted(self, name: str):
        bound = self.fields[name]
        return bound.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))

    @staticmethod
    def _normalise(field: forms.Field, value) -> object:
        if isinstance(field, forms.BooleanField):
            return value in (True, "on", "true", "True", "1")
        if isinstance(field, forms.MultipleChoiceField):
            return sorted(str(v) for v in (value or []))
        return "" if value is None else str(value).strip()

    @staticmethod
    def _display(field: forms.Field, value) -> str:
        if isinstance(field, forms.BooleanField):
            return str(_("yes") if value else _("no"))
        if isinstance(field, forms.ChoiceField):
            choices: list = list(getattr(field, "choices", []))
            labels = {str(key): strip_tags(str(label)) for key, label in choices}
            if isinstance(field, forms.MultipleChoiceField):
                return ", ".join(labels.get(str(v), str(v)) for v in value) or "—"
            return " ".join(labels.get(str(value), "—").split()) if value not in (None, "") else "—"
        return str(value) if value not in (None, "") else "—"

    def stored_differences(self, current: SectionForm) -> dict[str, str]:
        """For each field where the user's input differs from what is stored now (per `current`, an
        unbound form of the same section), the stored value as the user would read it."""
        notes: dict[str, str] = {}
        for name, form_field in self.fields.items():
            if name in {"version", "key", "reason"}:
                continue
            stored = current.initial.get(name)
            submitted = self._submitted(name)
            if self._normalise(form_field, submitted) != self._normalise(form_field, stored):
                notes[name] = self._display(form_field, stored)
        return notes


# --- Life domains -----------------------------------------------------------------------------------


@dataclass
class DomainRow:
    domain: Domain
    answer: BoundField
    scores: list
    non_answers: list
    note: BoundField
    help: BoundField
    question: BoundField
    answered: bool
    open_extra: bool
    stored: list[tuple[str, str]] = field(default_factory=list)


class DomainsForm(SectionForm):
    """Per applicable domain: a score 1–5 or an explicit non-answer, a note, and a help question."""

    def __init__(
        self,
        data=None,
        *,
        auto_id: str,
        version: int,
        domains: list[Domain],
        levels: list[ScaleLevel],
        answers: dict[int, DomainAnswer],
    ):
        self.domains = domains
        self.answers = answers
        initial: dict = {}
        for domain in domains:
            answer = answers.get(domain.pk)
            if answer is not None:
                initial[f"{domain.code}-answer"] = str(answer.score) if answer.score is not None else answer.non_answer
                initial[f"{domain.code}-note"] = answer.note
                initial[f"{domain.code}-help"] = answer.help_question
                initial[f"{domain.code}-question"] = answer.help_question_text
        super().__init__(data, auto_id=auto_id, version=version, initial=initial)
        choices: list[tuple[str, object]] = [
            (str(level.value), _numbered(level.value, level.label)) for level in levels
        ]
        choices += list(NonAnswer.choices)
        for domain in domains:
            self.fields[f"{domain.code}-answer"] = forms.ChoiceField(
                label=domain.name, choices=choices, required=False, widget=forms.RadioSelect
            )
            self.fields[f"{domain.code}-note"] = forms.CharField(
                label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )
            self.fields[f"{domain.code}-help"] = forms.BooleanField(label=_("There is a help question"), required=False)
            self.fields[f"{domain.code}-question"] = forms.CharField(
                label=_("The help question"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        for domain in self.domains:
            answer = cleaned.get(f"{domain.code}-answer")
            note = (cleaned.get(f"{domain.code}-note") or "").strip()
            help_question = cleaned.get(f"{domain.code}-help")
            question = (cleaned.get(f"{domain.code}-question") or "").strip()
            if question and not help_question:
                # A question written down is a help question, ticked or not: dropping it while the
                # page says "saved" lost residents' questions.
                help_question = cleaned[f"{domain.code}-help"] = True
            if help_question and not question:
                self.add_error(f"{domain.code}-question", _("Write down the help question."))
            if not answer and (note or help_question):
                self.add_error(
                    f"{domain.code}-answer",
                    _("Choose a score, or say why there is none, to keep the note or the help question."),
                )
        return cleaned

    def inputs(self) -> list[DomainInput]:
        result = []
        for domain in self.domains:
            answer = self.cleaned_data.get(f"{domain.code}-answer") or ""
            result.append(
                DomainInput(
                    domain=domain,
                    score=int(answer) if answer.isdigit() else None,
                    non_answer=answer if answer in NON_ANSWERS else "",
                    note=(self.cleaned_data.get(f"{domain.code}-note") or "").strip(),
                    help_question=bool(self.cleaned_data.get(f"{domain.code}-help")),
                    help_question_text=(self.cleaned_data.get(f"{domain.code}-question") or "").strip(),
                )
            )
        return result

    def add_service_errors(self, messages: dict[str, list[str]]) -> None:
        """The service names a domain as `domain-<code>`: put its message on that domain's answer."""
        for key, errors in messages.items():
            if key in self.fields:
                self.add_error(key, errors)
                continue
            code = key.removeprefix("domain-")
            name = f"{code}-answer"
            self.add_error(name if name in self.fields else None, errors)

    def rows(self, stored: dict[str, str] | None = None) -> list[DomainRow]:
        stored = stored or {}
        rows = []
        for domain in self.domains:
            answer = self[f"{domain.code}-answer"]
            subwidgets = list(answer.subwidgets)
            note, help_, question = (
                self[f"{domain.code}-note"],
                self[f"{domain.code}-help"],
                self[f"{domain.code}-question"],
            )
            parts = {
                f"{domain.code}-answer": _("answer"),
                f"{domain.code}-note": _("note"),
                f"{domain.code}-help": _("help question"),
                f"{domain.code}-question": _("the question"),
            }
            differences = [(str(label), stored[name]) for name, label in parts.items() if name in stored]
            rows.append(
                DomainRow(
                    domain=domain,
                    answer=answer,
                    scores=[w for w in subwidgets if w.data["value"] not in NON_ANSWERS],
                    non_answers=[w for w in subwidgets if w.data["value"] in NON_ANSWERS],
                    note=note,
                    help=help_,
                    question=question,
                    answered=domain.pk in self.answers,
                    open_extra=bool(
                        note.value()
                        or help_.value() not in (None, False, "")
                        or question.value()
                        or note.errors
                        or question.errors
                    ),
                    stored=differences,
                )
            )
        return rows


# --- Ladder (and who answered) ----------------------------------------------------------------------


class LadderForm(SectionForm):
    """From 16 a rung on the Participatieladder or why there is none; for children, who answered;
    for everyone a note on the interview."""

    def __init__(self, data=None, *, auto_id: str, interview: Interview, age: int, rungs: list[LadderRung]):
        self.asks_rung = age >= LADDER_MIN_AGE
        self.asks_answered_by = age < ADULT_AGE
        initial: dict = {"note": interview.note}
        if interview.rung is not None:
            initial["rung"] = str(interview.rung)
        elif interview.rung_non_answer:
            initial["rung"] = interview.rung_non_answer
        if self.asks_answered_by and interview.answered_by != AnsweredBy.SELF:
            initial["answered_by"] = interview.answered_by
        super().__init__(data, auto_id=auto_id, version=interview.ladder_version, initial=initial)
        if self.asks_rung:
            choices: list[tuple[str, object]] = [(str(r.number), _numbered(r.number, r.label)) for r in rungs]
            choices += list(RungNonAnswer.choices)
            self.fields["rung"] = forms.ChoiceField(
                label=_("Rung on the Participatieladder"), choices=choices, required=False, widget=forms.RadioSelect
            )
        if self.asks_answered_by:
            self.fields["answered_by"] = forms.ChoiceField(
                label=_("Who answered"),
                choices=[c for c in AnsweredBy.choices if c[0] != AnsweredBy.SELF],
                widget=forms.RadioSelect,
                error_messages={"required": _("Say who answered: the child, a parent, or both.")},
            )
        self.fields["note"] = forms.CharField(
            label=_("Note on this interview"), required=False, widget=forms.Textarea(attrs={"rows": 3})
        )

    def values(self) -> dict:
        rung = self.cleaned_data.get("rung") or ""
        return {
            "answered_by": self.cleaned_data.get("answered_by") or AnsweredBy.SELF,
            "rung": int(rung) if rung.isdigit() else None,
            "rung_non_answer": rung if rung in RUNG_NON_ANSWERS else "",
            "note": (self.cleaned_data.get("note") or "").strip(),
        }

    def rung_options(self) -> tuple[list, list]:
        if "rung" not in self.fields:
            return [], []
        widgets = list(self["rung"].subwidgets)
        return (
            [w for w in widgets if w.data["value"] not in RUNG_NON_ANSWERS],
            [w for w in widgets if w.data["value"] in RUNG_NON_ANSWERS],
        )


# --- Cohesion --------------------------------------------------------------------------------------


@dataclass
class StatementRow:
    statement: CohesionStatement
    answer: BoundField
    values: list
    non_answers: list
    stored: str | None


class CohesionForm(SectionForm):
    """The six CBS statements, each agreed with on five points or left with a reason."""

    def __init__(
        self,
        data=None,
        *,
        auto_id: str,
        version: int,
        statements: list[CohesionStatement],
        answers: dict[int, CohesionAnswer],
    ):
        self.statements = statements
        initial: dict = {}
        for statement in statements:
            answer = answers.get(statement.pk)
            if answer is not None:
                initial[statement.code] = str(answer.value) if answer.value is not None else answer.non_answer
        super().__init__(data, auto_id=auto_id, version=version, initial=initial)
        choices = [(str(value), label) for value, label in AGREEMENT] + list(NonAnswer.choices)
        for statement in statements:
            self.fields[statement.code] = forms.ChoiceField(
                label=statement.text, choices=choices, required=False, widget=forms.RadioSelect
            )

    def values(self) -> dict[int, tuple[int | None, str]]:
        result: dict[int, tuple[int | None, str]] = {}
        for statement in self.statements:
            value = self.cleaned_data.get(statement.code) or ""
            result[statement.pk] = (int(value) if value.isdigit() else None, value if value in NON_ANSWERS else "")
        return result

    def rows(self, stored: dict[str, str] | None = None) -> list[StatementRow]:
        stored = stored or {}
        rows = []
        for statement in self.statements:
            bound = self[statement.code]
            widgets = list(bound.subwidgets)
            rows.append(
                StatementRow(
                    statement=statement,
                    answer=bound,
                    values=[w for w in widgets if w.data["value"] not in NON_ANSWERS],
                    non_answers=[w for w in widgets if w.data["value"] in NON_ANSWERS],
                    stored=stored.get(statement.code),
                )
            )
        return rows


# --- Housing (the household's section) --------------------------------------------------------------


class HousingForm(SectionForm):
    def __init__(self, data=None, *, auto_id: str, housing: HousingAnswer, defects: list[DefectCategory]):
        initial = {
            "satisfaction": str(housing.satisfaction or ""),
            "defects": [str(d.pk) for d in housing.defects.all()],
            "defects_note": housing.defects_note,
            "move_wish": housing.move_wish,
            "move_reason": housing.move_reason,
            "fits_household": housing.fits_household,
            "fits_ageing": housing.fits_ageing,
            "neighbour_relations": str(housing.neighbour_relations or ""),
            "neighbour_note": housing.neighbour_note,
        }
        self.defect_objects = {str(d.pk): d for d in defects}
        super().__init__(data, auto_id=auto_id, version=housing.version, initial=initial)
        self.fields["satisfaction"] = forms.ChoiceField(
            label=_("Satisfaction with the home"),
            choices=[(str(v), _numbered(v, label)) for v, label in SATISFACTION],
            required=False,
            widget=forms.RadioSelect,
        )
        self.fields["defects"] = forms.MultipleChoiceField(
            label=_("Defects"),
            choices=[(str(d.pk), d.name) for d in defects],
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["defects_note"] = forms.CharField(
            label=_("About the defects"), required=False, widget=forms.Textarea(attrs={"rows": 2})
        )
        self.fields["move_wish"] = forms.ChoiceField(
            label=_("Wish to move or to stay"), choices=MoveWish.choices, required=False, widget=forms.RadioSelect
        )
        self.fields["move_reason"] = forms.CharField(
            label=_("Why"), required=False, widget=forms.Textarea(attrs={"rows": 2})
        )
        self.fields["fits_household"] = forms.ChoiceField(
            label=_("Does the home fit the household?"),
            choices=HomeFit.choices,
            required=False,
            widget=forms.RadioSelect,
        )
        self.fields["fits_ageing"] = forms.ChoiceField(
            label=_("Is the home fit for ageing (levensloopbestendig)?"),
            choices=AgeingFit.choices,
            required=False,
            widget=forms.RadioSelect,
        )
        self.fields["neighbour_relations"] = forms.ChoiceField(
            label=_("Relations with the neighbours"),
            choices=[(str(v), _numbered(v, label)) for v, label in NEIGHBOUR_RELATIONS],
            required=False,
            widget=forms.RadioSelect,
        )
        self.fields["neighbour_note"] = forms.CharField(
            label=_("About the neighbours"), required=False, widget=forms.Textarea(attrs={"rows": 2})
        )

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "satisfaction": int(data["satisfaction"]) if data.get("satisfaction") else None,
            "defects": [self.defect_objects[pk] for pk in data.get("defects") or []],
            "defects_note": (data.get("defects_note") or "").strip(),
            "move_wish": data.get("move_wish") or "",
            "move_reason": (data.get("move_reason") or "").strip(),
            "fits_household": data.get("fits_household") or "",
            "fits_ageing": data.get("fits_ageing") or "",
            "neighbour_relations": int(data["neighbour_relations"]) if data.get("neighbour_relations") else None,
            "neighbour_note": (data.get("neighbour_note") or "").strip(),
        }


# --- Starting, adding a member, meldcode -------------------------------------------------------------
# Choices come from lists the view already holds (no query per choice list, none for validation).


def person_label(person, on: datetime.date | None = None) -> str:
    return str(_("%(name)s (%(age)s)") % {"name": person.full_name, "age": person.age_on(on)})


class _PickObjects:
    """Map the ticked ids of a choice field back to the objects offered."""

    def _objects(self, name: str, offered: dict[str, object]) -> list:
        value = self.cleaned_data.get(name) or []  # type: ignore[attr-defined]
        values = value if isinstance(value, list) else [value]
        return [offered[pk] for pk in values if pk in offered]


class ConversationStartForm(_PickObjects, forms.Form):
    held_on = forms.DateField(label=_("Date of the conversation"), widget=DateInput())
    workers = forms.MultipleChoiceField(
        label=_("Project workers present"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one project worker.")},
    )
    members_present = forms.MultipleChoiceField(
        label=_("Members taking part"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Children included: every member gets an interview."),
        error_messages={"required": _("Tick the members who take part in the conversation.")},
    )
    informed = forms.BooleanField(
        label=_("The residents were told how their data are used (AVG art. 13)"),
        error_messages={
            "required": _("Tell the residents how their data are used (AVG art. 13) before the conversation.")
        },
    )

    def __init__(self, data=None, *, workers: list, members: list, earlier: list | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.earlier = earlier or []
        if self.earlier:
            # A second visit on another day is a choice the worker makes on purpose, not a slip.
            self.fields["second_visit"] = forms.BooleanField(
                label=_("This is a new visit: start a second conversation with this household"),
                error_messages={
                    "required": _(
                        "This household already had a conversation. Open it to go on, or tick that this is a new visit."
                    )
                },
            )
        self.offered_workers = {str(u.pk): u for u in workers}
        self.offered_members = {str(p.pk): p for p in members}
        self.fields["workers"].choices = [(pk, u.get_full_name() or u.email) for pk, u in self.offered_workers.items()]  # type: ignore[attr-defined]
        self.fields["members_present"].choices = [(pk, person_label(p)) for pk, p in self.offered_members.items()]  # type: ignore[attr-defined]

    def clean_held_on(self):
        value = self.cleaned_data["held_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A conversation is recorded on or after the day it was held."))
        if value < timezone.localdate() - datetime.timedelta(days=366):
            raise forms.ValidationError(_("Check the date: this is more than a year ago."))
        return value

    def selected_workers(self) -> list:
        return self._objects("workers", self.offered_workers)

    def selected_members(self) -> list:
        return self._objects("members_present", self.offered_members)


class PresentMemberForm(_PickObjects, forms.Form):
    """A registered member who was not there when the conversation started."""

    person = forms.ChoiceField(label=_("Member of the household"), widget=forms.RadioSelect)

    def __init__(self, data=None, *, members: list, on: datetime.date, **kwargs):
        super().__init__(data, **kwargs)
        self.offered = {str(p.pk): p for p in members}
        self.fields["person"].choices = [(pk, person_label(p, on)) for pk, p in self.offered.items()]  # type: ignore[attr-defined]

    def selected(self):
        return self._objects("person", self.offered)[0]


class NewMemberForm(MemberAddForm):
    """A member the registry did not know yet (the registry's own form; joined on the day of the visit)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member_since"].required = False
        self.fields["member_since"].help_text = _("Leave empty for the day of the conversation.")


class MeldcodeForm(_PickObjects, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of signal"), choices=MeldcodeKind.choices, widget=forms.RadioSelect)
    persons = forms.MultipleChoiceField(
        label=_("Persons concerned"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick the persons the signal concerns.")},
    )

    def __init__(self, data=None, *, persons: list, on: datetime.date, **kwargs):
        super().__init__(data, **kwargs)
        self.offered = {str(p.pk): p for p in persons}
        self.fields["persons"].choices = [(pk, person_label(p, on)) for pk, p in self.offered.items()]  # type: ignore[attr-defined]

    def selected_persons(self) -> list:
        return self._objects("persons", self.offered)
