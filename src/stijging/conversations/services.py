"""Writes of the living-room conversation.

Every section of the conversation saves on its own. A save carries the section's version (a second
worker saving over a newer version gets ConflictError and loses nothing) and a key made by the
browser (a save replayed after the connection came back is recognised and never applied twice).
Each save is one transaction: a request that dies half-way leaves nothing half-written.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stijging.accounts import notifications
from stijging.accounts.models import Membership, Role
from stijging.concurrency import ConflictError
from stijging.instruments.models import CohesionStatement, Domain
from stijging.instruments.services import current_instrument
from stijging.outreach import services as outreach_services
from stijging.outreach.models import HouseholdOutreach
from stijging.privacy import audit
from stijging.privacy import services as privacy_services
from stijging.privacy.models import AuditAction
from stijging.registry import services as registry_services
from stijging.registry.access import case_programme_for, require_household_not_restricted, require_still_lives_in
from stijging.registry.models import Household, HouseholdMembership, Person

from . import baseline
from .models import (
    BaselineRevision,
    CohesionAnswer,
    Conversation,
    DomainAnswer,
    HousingAnswer,
    Interview,
    MeldcodeSignal,
    Proposal,
    ProposalStatus,
    SectionSave,
)

LADDER_MIN_AGE = 16
COHESION_MIN_AGE = 15


class AlreadySaved(Exception):
    """This exact save (same key) was applied before; nothing is done again."""


class ConversationExists(Exception):
    """The household already has a conversation on that day: one visit, one conversation."""

    def __init__(self, conversation: Conversation) -> None:
        super().__init__(conversation.pk)
        self.conversation = conversation


def _require_writable(conversation: Conversation) -> None:
    """A conversation is written only while its household lives in the programme that held it."""
    require_still_lives_in(conversation.household_id, conversation.programme_id)


def _claim_key(*, key: str, conversation: Conversation, section: str, acting_user) -> None:
    """Record this save's key inside the save's transaction; a second arrival is AlreadySaved.
    Every section's save passes here first, so here it is refused once the household moved away."""
    _require_writable(conversation)
    if not key:
        return
    try:
        with transaction.atomic():
            SectionSave.objects.create(key=key[:64], conversation=conversation, section=section, saved_by=acting_user)
    except IntegrityError:
        raise AlreadySaved from None


def _audit_section(acting_user, interview: Interview, section: str) -> None:
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=interview,
        person_ids=[interview.person_id],
        purpose="conversation",
        detail={"section": section},
    )


def _bump(model, pk: int, field: str, version: int) -> None:
    if not model.objects.filter(pk=pk, **{field: version}).update(**{field: version + 1}):
        raise ConflictError


# --- Starting -------------------------------------------------------------------------------------


@transaction.atomic
def conversation_start(
    *,
    acting_user,
    household: Household,
    held_on: datetime.date,
    workers: list,
    members_present: list[Person],
    informed: bool,
) -> Conversation:
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("A conversation is recorded on or after the day it was held.")})
    if not informed:
        raise ValidationError(
            {"informed": _("Tell the residents how their data are used (AVG art. 13) before the conversation.")}
        )
    if not members_present:
        raise ValidationError({"members_present": _("Tick the members who take part in the conversation.")})
    programme_id = case_programme_for(acting_user, household.pk)
    require_household_not_restricted(household.pk)
    if HouseholdOutreach.objects.filter(household=household, do_not_contact=True).exists():
        raise ValidationError(_("This household objected (AVG art. 21): it may not be visited."))
    current_ids = set(
        HouseholdMembership.objects.filter(household=household, end_date__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    if any(person.pk not in current_ids for person in members_present):
        raise ValidationError({"members_present": _("Only current members of this household can take part.")})
    # One visit, one conversation: pressing "start" again (a second tab, a double tap, the back
    # button) made a second, empty conversation for the same day beside the one with the answers.
    # The programme's own visit: another programme's conversation of that day (a household that moved
    # that day) is not this one's to continue, nor to see (decision 0003).
    same_day = (
        Conversation.objects.filter(household=household, programme_id=programme_id, held_on=held_on)
        .order_by("pk")
        .first()
    )
    if same_day is not None:
        raise ConversationExists(same_day)
    conversation = Conversation.objects.create(
        household=household,
        programme_id=programme_id,
        held_on=held_on,
        instrument_version=current_instrument(),
        informed=informed,
        created_by=acting_user,
    )
    conversation.workers.set(workers or [acting_user])
    conversation.members_present.set(members_present)
    Interview.objects.bulk_create([Interview(conversation=conversation, person=person) for person in members_present])
    HousingAnswer.objects.create(conversation=conversation)
    outreach_services.conversation_held(
        acting_user=acting_user, household=household, date=held_on, conversation_id=conversation.pk
    )
    audit.record(
        actor=acting_user,
        action=AuditAction.CREATE,
        obj=conversation,
        person_ids=[p.pk for p in members_present],
        purpose="conversation",
        detail={"household_id": household.pk},
    )
    return conversation


@transaction.atomic
def member_add_during_visit(*, acting_user, conversation: Conversation, relation: str, **person_fields) -> Interview:
    """A member the registry did not know yet: add them to the household and interview them too."""
    _require_writable(conversation)
    person = registry_services.person_add_to_household(
        acting_user=acting_user,
        household=conversation.household,
        relation=relation,
        member_since=person_fields.pop("member_since", None) or conversation.held_on,
        **person_fields,
    )
    conversation.members_present.add(person)
    interview = Interview.objects.create(conversation=conversation, person=person)
    audit.record(
        actor=acting_user,
        action=AuditAction.CREATE,
        obj=interview,
        person_ids=[person.pk],
        purpose="conversation",
        detail={"conversation_id": conversation.pk, "added_during_visit": True},
    )
    return interview


@transaction.atomic
def conversation_add_present_member(*, acting_user, conversation: Conversation, person: Person) -> Interview:
    """A registered member who joins the conversation after it started: interview them too."""
    _require_writable(conversation)
    require_household_not_restricted(conversation.household_id)
    is_member = HouseholdMembership.objects.filter(
        household=conversation.household, person=person, end_date__isnull=True
    ).exists()
    if not is_member:
        raise ValidationError({"person": _("Only current members of this household can take part.")})
    if Interview.objects.filter(conversation=conversation, person=person).exists():
        raise ValidationError({"person": _("This member already takes part in the conversation.")})
    conversation.members_present.add(person)
    interview = Interview.objects.create(conversation=conversation, person=person)
    audit.record(
        actor=acting_user,
        action=AuditAction.CREATE,
        obj=interview,
        person_ids=[person.pk],
        purpose="conversation",
        detail={"conversation_id": conversation.pk, "joined_during_visit": True},
    )
    return interview


# --- Interview sections ---------------------------------------------------------------------------


@dataclass
class DomainInput:
    domain: Domain
    score: int | None
    non_answer: str
    note: str
    help_question: bool
    help_question_text: str


def applicable_domains(interview: Interview) -> list[Domain]:
    age = interview.person.age_on(interview.conversation.held_on)
    return [d for d in interview.conversation.instrument_version.domains.all() if d.applies_to(age)]


def _is_compared_baseline(interview: Interview) -> bool:
    """This interview is the person's baseline (their first), and a follow-up measurement has been
    compared against it since."""
    if baseline.first_follow_up(interview.person_id) is None:
        return False
    first = (
        Interview.objects.filter(person_id=interview.person_id)
        .order_by("conversation__held_on", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    return first == interview.pk


def _revise_baseline(*, acting_user, interview: Interview, section: str, previous: dict, reason: str) -> None:
    """Refuse a change to a compared baseline without a reason; with one, keep what it was."""
    if not reason.strip():
        raise ValidationError(
            {
                "reason": _(
                    "This conversation is the baseline of a help trajectory that already has a follow-up "
                    "measurement. Say why you change it: the previous answers are kept."
                )
            }
        )
    revision = BaselineRevision.objects.create(
        interview=interview,
        person_id=interview.person_id,
        section=section,
        reason=reason.strip(),
        previous=previous,
        changed_by=acting_user,
    )
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=interview,
        person_ids=[interview.person_id],
        purpose="conversation",
        detail={"section": section, "baseline_revision": revision.pk},
    )


@transaction.atomic
def interview_save_domains(
    *, acting_user, interview: Interview, version: int, key: str, answers: list[DomainInput], reason: str = ""
) -> Interview:
    privacy_services.refuse_if_restricted(interview.person_id)
    _claim_key(
        key=key,
        conversation=interview.conversation,
        section=f"interview:{interview.pk}:domains",
        acting_user=acting_user,
    )
    allowed = {d.pk for d in applicable_domains(interview)}
    errors = {}
    for item in answers:
        if item.domain.pk not in allowed:
            errors[f"domain-{item.domain.code}"] = _("This domain does not apply at this age.")
        elif item.score is not None and item.non_answer:
            errors[f"domain-{item.domain.code}"] = _("Give a score or say why there is none, not both.")
        elif item.help_question and not item.help_question_text.strip():
            errors[f"domain-{item.domain.code}"] = _("Write down the help question.")
        elif item.score is None and not item.non_answer and (item.note.strip() or item.help_question):
            # Without a score or a reason there is no answer to keep the note or the question with;
            # refusing (rather than dropping them) makes sure nothing typed is lost.
            errors[f"domain-{item.domain.code}"] = _(
                "Choose a score, or say why there is none, to keep the note or the help question."
            )
    if errors:
        raise ValidationError(errors)
    _bump(Interview, interview.pk, "domains_version", version)
    existing = {a.domain_id: a for a in DomainAnswer.objects.filter(interview=interview)}
    changed = {
        item.domain.code
        for item in answers
        if (item.score is not None or item.non_answer)
        and (
            item.domain.pk not in existing
            or (existing[item.domain.pk].score, existing[item.domain.pk].non_answer)
            != (item.score, "" if item.score is not None else item.non_answer)
        )
    }
    if changed and _is_compared_baseline(interview):
        _revise_baseline(
            acting_user=acting_user,
            interview=interview,
            section="domains",
            previous={
                item.domain.code: {
                    "name": item.domain.name_nl,
                    "score": existing[item.domain.pk].score if item.domain.pk in existing else None,
                    "non_answer": existing[item.domain.pk].non_answer if item.domain.pk in existing else "",
                }
                for item in answers
                if item.domain.code in changed
            },
            reason=reason,
        )
    for item in answers:
        if item.score is None and not item.non_answer:
            continue  # not asked yet: nothing to record, and an earlier answer stays as it was
        values = {
            "score": item.score,
            "non_answer": "" if item.score is not None else item.non_answer,
            "note": item.note,
            "help_question": item.help_question,
            "help_question_text": item.help_question_text.strip() if item.help_question else "",
        }
        answer = existing.get(item.domain.pk)
        if answer is None:
            answer = DomainAnswer.objects.create(interview=interview, domain=item.domain, **values)
        else:
            DomainAnswer.objects.filter(pk=answer.pk).update(**values)
            for name, value in values.items():
                setattr(answer, name, value)
        _sync_proposal(answer, interview=interview, acting_user=acting_user)
    interview.refresh_from_db()
    _audit_section(acting_user, interview, "domains")
    return interview


def _sync_proposal(answer: DomainAnswer, *, interview: Interview, acting_user) -> None:
    """Each help question is a proposed trajectory for the case managers; withdrawing the question
    withdraws an untouched proposal."""
    proposal = Proposal.objects.filter(answer=answer).first()
    if answer.help_question:
        if proposal is None:
            Proposal.objects.create(
                answer=answer,
                programme_id=interview.conversation.programme_id,
                person_id=interview.person_id,
                domain=answer.domain,
                question=answer.help_question_text,
                proposed_by=acting_user,
            )
        elif proposal.status == ProposalStatus.OPEN and proposal.question != answer.help_question_text:
            proposal.question = answer.help_question_text
            proposal.save(update_fields=["question"])
    elif proposal is not None and proposal.status == ProposalStatus.OPEN:
        proposal.delete()


@transaction.atomic
def interview_save_ladder(
    *,
    acting_user,
    interview: Interview,
    version: int,
    key: str,
    answered_by: str,
    rung: int | None,
    rung_non_answer: str,
    note: str,
    reason: str = "",
) -> Interview:
    privacy_services.refuse_if_restricted(interview.person_id)
    _claim_key(
        key=key,
        conversation=interview.conversation,
        section=f"interview:{interview.pk}:ladder",
        acting_user=acting_user,
    )
    age = interview.person.age_on(interview.conversation.held_on)
    if age < LADDER_MIN_AGE and (rung is not None or rung_non_answer):
        raise ValidationError({"rung": _("The Participatieladder is asked from age 16.")})
    if rung is not None and rung_non_answer:
        raise ValidationError({"rung": _("Give a rung or say why there is none, not both.")})
    _bump(Interview, interview.pk, "ladder_version", version)
    new_non_answer = rung_non_answer if rung is None else ""
    if (interview.rung, interview.rung_non_answer) != (rung, new_non_answer) and _is_compared_baseline(interview):
        _revise_baseline(
            acting_user=acting_user,
            interview=interview,
            section="ladder",
            previous={"rung": interview.rung, "rung_non_answer": interview.rung_non_answer},
            reason=reason,
        )
    Interview.objects.filter(pk=interview.pk).update(
        answered_by=answered_by, rung=rung, rung_non_answer=rung_non_answer if rung is None else "", note=note
    )
    interview.refresh_from_db()
    _audit_section(acting_user, interview, "ladder")
    return interview


@transaction.atomic
def interview_save_cohesion(
    *, acting_user, interview: Interview, version: int, key: str, values: dict[int, tuple[int | None, str]]
) -> Interview:
    """values: statement id → (agreement 1–5 or None, non-answer)."""
    privacy_services.refuse_if_restricted(interview.person_id)
    _claim_key(
        key=key,
        conversation=interview.conversation,
        section=f"interview:{interview.pk}:cohesion",
        acting_user=acting_user,
    )
    if interview.person.age_on(interview.conversation.held_on) < COHESION_MIN_AGE:
        raise ValidationError(_("The cohesion statements are asked from age 15."))
    statements = {s.pk: s for s in CohesionStatement.objects.filter(version=interview.conversation.instrument_version)}
    _bump(Interview, interview.pk, "cohesion_version", version)
    for statement_id, (value, non_answer) in values.items():
        if statement_id not in statements or (value is None and not non_answer):
            continue
        CohesionAnswer.objects.update_or_create(
            interview=interview,
            statement_id=statement_id,
            defaults={"value": value, "non_answer": "" if value is not None else non_answer},
        )
    interview.refresh_from_db()
    _audit_section(acting_user, interview, "cohesion")
    return interview


@transaction.atomic
def housing_save(
    *, acting_user, housing: HousingAnswer, version: int, key: str, defects: list, **fields
) -> HousingAnswer:
    require_household_not_restricted(housing.conversation.household_id)
    _claim_key(key=key, conversation=housing.conversation, section="housing", acting_user=acting_user)
    if not HousingAnswer.objects.filter(pk=housing.pk, version=version).update(version=version + 1, **fields):
        raise ConflictError
    housing.refresh_from_db()
    housing.defects.set(defects)
    audit.record(
        actor=acting_user,
        action=AuditAction.UPDATE,
        obj=housing,
        purpose="conversation",
        person_ids=list(housing.conversation.members_present.values_list("pk", flat=True)),
        detail={"section": "housing"},
    )
    return housing


# --- Meldcode -----------------------------------------------------------------------------------------


@transaction.atomic
def meldcode_raise(*, acting_user, conversation: Conversation, kind: str, persons: list[Person]) -> MeldcodeSignal:
    """Flag a meldcode signal and alert every case manager of the programme at once (by e-mail with
    a link only, and on their screens)."""
    _require_writable(conversation)
    programme_id = conversation.programme_id
    signal = MeldcodeSignal.objects.create(
        conversation=conversation, programme_id=programme_id, kind=kind, raised_by=acting_user
    )
    signal.persons.set(persons)
    link = notifications.absolute_link(reverse("conversations:conversation", args=[conversation.pk]))
    recipients = Membership.objects.filter(programme_id=programme_id, role=Role.CASE_MANAGER).select_related("user")
    for membership in recipients:
        notifications.queue(
            to=membership.user.email,
            subject=_("Stijging: a meldcode signal needs your attention"),
            body=_("A project worker recorded a meldcode signal. Open it here (login required):\n%(link)s")
            % {"link": link},
            dedup_key=f"meldcode:{signal.pk}:user:{membership.user_id}",
        )
    audit.record(
        actor=acting_user,
        action=AuditAction.CREATE,
        obj=signal,
        person_ids=[p.pk for p in persons],
        purpose="meldcode",
        detail={"kind": kind},
    )
    return signal
