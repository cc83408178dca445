"""What the conversation page shows, built from what is stored: one block per interviewed member (its
progress and its separately saved sections) and the household's housing section. The view-model of
conversations.views, kept apart so the views stay thin (issue 17, item 3): the views parse, save and
answer; this module says what a section, a block and the page hold."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import formats
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from stijging.instruments.models import RungNonAnswer
from stijging.privacy.models import ConsentPurpose

from . import selectors
from .forms import (
    ADULT_AGE,
    CohesionForm,
    DomainsForm,
    HousingForm,
    LadderForm,
    MeldcodeForm,
    SectionForm,
)
from .models import AnsweredBy, Conversation, HousingAnswer, Interview
from .selectors import Instrument
from .services import COHESION_MIN_AGE, LADDER_MIN_AGE


@dataclass
class Section:
    """One separately saved part of the conversation, as shown."""

    kind: str  # domains | ladder | cohesion | housing
    html_id: str
    title: str
    url: str
    form: SectionForm
    complete: bool
    state: str = ""  # "" | saved | saved_earlier | conflict | invalid
    stored: dict[str, str] = field(default_factory=dict)  # conflict: field → value stored now
    rows: list = field(default_factory=list)
    saved_at: datetime.datetime | None = None
    rung_options: tuple[list, list] = ([], [])

    @property
    def saved_time(self) -> str:
        """When it was saved, as Django's `time:"H:i"` filter draws it (in the active time zone):
        the Jinja2 template that draws the section has no Django filters."""
        if self.saved_at is None:
            return ""
        return formats.time_format(localtime(self.saved_at), "H:i")

    @property
    def error_links(self) -> list[tuple[str, str, str]]:
        """(element id, label, message) per field error, for the summary's links to the fields."""
        links: list[tuple[str, str, str]] = []
        for name, errors in self.form.errors.items():
            if name in {"__all__", "version", "key"}:
                continue
            bound = self.form[name]
            target = bound.id_for_label or f"{bound.auto_id}_0"
            links.extend((target, str(bound.label), str(error)) for error in errors)
        return links


@dataclass
class Progress:
    domains_answered: int
    domains_total: int
    ladder: str | None  # None: not asked at this age
    ladder_done: bool
    cohesion_answered: int | None  # None: not asked at this age
    cohesion_total: int

    @property
    def domains_done(self) -> bool:
        return self.domains_answered >= self.domains_total


@dataclass
class InterviewBlock:
    interview: Interview
    age: int
    relation: str
    sections: list[Section]
    progress: Progress
    consents: list

    @property
    def person(self):
        return self.interview.person

    @property
    def consent_url(self) -> str:
        return reverse("registry:person", args=[self.person.pk]) + "#record-consent"

    @property
    def help_consent(self) -> bool:
        return any(c.purpose == ConsentPurpose.RECEIVE_HELP for c in self.consents)

    @property
    def complete(self) -> bool:
        return all(section.complete for section in self.sections)


def _ladder_text(interview: Interview, instrument: Instrument) -> str:
    if interview.rung is not None:
        label = next((r.label for r in instrument.rungs if r.number == interview.rung), "")
        return f"{interview.rung} {label}".strip()
    if interview.rung_non_answer:
        return str(RungNonAnswer(interview.rung_non_answer).label)
    return ""


def _interview_section_url(interview: Interview, kind: str) -> str:
    return reverse("conversations:interview_section", args=[interview.pk, kind])


def interview_block(
    interview: Interview,
    instrument: Instrument,
    *,
    relation: str = "",
    shown: Section | None = None,
    bound: dict | None = None,
) -> InterviewBlock:
    """The member's block: progress and the three sections, from what is stored (prefetched).
    `shown` replaces the section of the same kind (a refused save, shown with the user's input)."""
    held_on = interview.conversation.held_on
    age = interview.person.age_on(held_on)
    domains = instrument.domains_for(age)
    answers = {a.domain_id: a for a in interview.domain_answers.all()}
    cohesion_answers = {a.statement_id: a for a in interview.cohesion_answers.all()}
    applicable = {d.pk for d in domains}
    answered = sum(1 for domain_id in answers if domain_id in applicable)
    asks_rung = age >= LADDER_MIN_AGE
    asks_answered_by = age < ADULT_AGE
    ladder_done = (not asks_rung or interview.rung is not None or bool(interview.rung_non_answer)) and (
        not asks_answered_by or interview.answered_by != AnsweredBy.SELF
    )
    asks_cohesion = age >= COHESION_MIN_AGE
    cohesion_answered = sum(1 for s in instrument.statements if s.pk in cohesion_answers)
    progress = Progress(
        domains_answered=answered,
        domains_total=len(domains),
        ladder=_ladder_text(interview, instrument) if asks_rung else None,
        ladder_done=ladder_done,
        cohesion_answered=cohesion_answered if asks_cohesion else None,
        cohesion_total=len(instrument.statements),
    )
    prefix = f"interview-{interview.pk}"
    auto_id = f"i{interview.pk}-%s"

    domains_form = DomainsForm(
        auto_id=auto_id, version=interview.domains_version, domains=domains, levels=instrument.levels, answers=answers
    )
    sections = [
        Section(
            kind="domains",
            html_id=f"{prefix}-domains",
            title=_("Life domains"),
            url=_interview_section_url(interview, "domains"),
            form=domains_form,
            complete=progress.domains_done,
            rows=domains_form.rows(),
        )
    ]
    ladder_form = LadderForm(auto_id=auto_id, interview=interview, age=age, rungs=instrument.rungs)
    sections.append(
        Section(
            kind="ladder",
            html_id=f"{prefix}-ladder",
            title=_("Participatieladder") if asks_rung else _("Who answered"),
            url=_interview_section_url(interview, "ladder"),
            form=ladder_form,
            complete=ladder_done,
            rung_options=ladder_form.rung_options(),
        )
    )
    if asks_cohesion:
        cohesion_form = CohesionForm(
            auto_id=auto_id,
            version=interview.cohesion_version,
            statements=instrument.statements,
            answers=cohesion_answers,
        )
        sections.append(
            Section(
                kind="cohesion",
                html_id=f"{prefix}-cohesion",
                title=_("Living together in the neighbourhood"),
                url=_interview_section_url(interview, "cohesion"),
                form=cohesion_form,
                complete=cohesion_answered >= len(instrument.statements),
                rows=cohesion_form.rows(),
            )
        )
    if shown is not None:
        sections = [shown if s.kind == shown.kind else s for s in sections]
    return InterviewBlock(
        interview=interview,
        age=age,
        relation=relation,
        sections=sections,
        progress=progress,
        consents=list(interview.person.consents.all()),
    )


def housing_section(housing: HousingAnswer, instrument: Instrument) -> Section:
    form = HousingForm(auto_id=f"h{housing.pk}-%s", housing=housing, defects=instrument.defects)
    return Section(
        kind="housing",
        html_id="housing",
        title=_("The home and the neighbours"),
        url=reverse("conversations:housing", args=[housing.conversation_id]),
        form=form,
        complete=housing.version > 1,
    )


def page_context(conversation: Conversation, *, shown: Section | None = None, interview_pk=None) -> dict:
    instrument = selectors.instrument_of(conversation.instrument_version)
    relations = {m.person_id: m.get_relation_display() for m in conversation.household.current_memberships}  # type: ignore[attr-defined]  # Prefetch(to_attr=...)
    blocks = [
        interview_block(
            interview,
            instrument,
            relation=relations.get(interview.person_id, ""),
            shown=shown if shown is not None and interview.pk == interview_pk else None,
        )
        for interview in conversation.interviews.all()
    ]
    try:
        housing_section_: Section | None = housing_section(conversation.housing, instrument)
    except HousingAnswer.DoesNotExist:  # made by services.conversation_start; an import may lack it
        housing_section_ = None
    if shown is not None and shown.kind == "housing":
        housing_section_ = shown
    residence = selectors.current_residence(conversation.household, conversation.held_on)
    persons = [block.person for block in blocks]
    return {
        "conversation": conversation,
        "household": conversation.household,
        "residence": residence,
        "programme": conversation.programme,
        "workers": list(conversation.workers.all()),
        "blocks": blocks,
        "housing_section": housing_section_,
        "signals": list(conversation.meldcode_signals.all()),
        "meldcode_form": MeldcodeForm(persons=persons, on=conversation.held_on, auto_id="meldcode-%s"),
        "resumed": any(s.complete for b in blocks for s in b.sections)
        or bool(housing_section_ and housing_section_.complete),
    }
