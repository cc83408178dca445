"""Reused reads of the conversation, already scoped by `visible_to(user)` and already joined.

The conversation page is read in a fixed number of queries whatever the number of members, answers
or signals (SPEC §3): everything it shows is prefetched here, and the page's code only walks what
was fetched.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from stijging.accounts.models import CASE_ROLES, User
from stijging.instruments.models import (
    CohesionStatement,
    DefectCategory,
    Domain,
    InstrumentVersion,
    LadderRung,
    ScaleLevel,
)
from stijging.privacy.models import Consent
from stijging.registry.models import Household, HouseholdMembership, HouseholdResidence, Person

from .models import Conversation, DomainAnswer, HousingAnswer, Interview, MeldcodeSignal, Proposal


@dataclass(frozen=True)
class Instrument:
    """One version of the instruments, as lists (from a prefetch, or five small queries)."""

    version: InstrumentVersion
    domains: list[Domain]
    levels: list[ScaleLevel]
    rungs: list[LadderRung]
    statements: list[CohesionStatement]
    defects: list[DefectCategory]

    @classmethod
    def of(cls, version: InstrumentVersion) -> Instrument:
        return cls(
            version=version,
            domains=list(version.domains.all()),
            levels=list(version.scale_levels.all()),
            rungs=list(version.rungs.all()),
            statements=list(version.cohesion_statements.all()),
            defects=list(version.defect_categories.all()),
        )

    def domains_for(self, age: int) -> list[Domain]:
        return [domain for domain in self.domains if domain.applies_to(age)]


# A published version never changes (instruments.services; the admin offers only drafts for editing),
# so its five lists are read once per process rather than on every conversation page and every save:
# five of the page's nineteen queries. Kept by the version's id and publication time, so a version
# published anew under a reused id (a test database rolled back) is read again; a draft is always read.
_published_instruments: dict[tuple[int, datetime.datetime], Instrument] = {}


def instrument_of(version: InstrumentVersion) -> Instrument:
    """The version's lists: kept per process once it is published, read (five queries) while a draft."""
    if version.published_at is None:
        return Instrument.of(version)
    key = (version.pk, version.published_at)
    kept = _published_instruments.get(key)
    if kept is None:
        kept = _published_instruments[key] = Instrument.of(version)
    return kept


def forget_instruments() -> None:
    """Drop the kept lists (the tests, between test cases)."""
    _published_instruments.clear()


def _current_memberships() -> QuerySet[HouseholdMembership]:
    return HouseholdMembership.objects.filter(end_date__isnull=True).select_related("person")


def _residences() -> QuerySet[HouseholdResidence]:
    return HouseholdResidence.objects.select_related("address__street", "address__area__programme")


def _valid_consents() -> QuerySet[Consent]:
    return Consent.objects.filter(withdrawn_on__isnull=True).select_related("organisation")


def current_residence(household: Household, on: datetime.date | None = None) -> HouseholdResidence | None:
    """From the prefetched residences (no query)."""
    residences = list(household.residences.all())
    for residence in residences:
        if residence.is_current(on):
            return residence
    return residences[0] if residences else None


# --- Starting a conversation ------------------------------------------------------------------------


def household_for_start(user, pk: int) -> Household:
    """A household the user may see, with its residences and current members; or DoesNotExist."""
    return (
        Household.objects.visible_to(user)
        .prefetch_related(
            Prefetch("residences", queryset=_residences()),
            Prefetch(
                "memberships",
                queryset=_current_memberships().order_by("person__date_of_birth", "pk"),
                to_attr="current_memberships",
            ),
        )
        .get(pk=pk)
    )


def workers_of_programme(programme_id: int | None) -> list[User]:
    """The project workers and case managers of a programme: who may be at a conversation."""
    if programme_id is None:
        return []
    return list(
        User.objects.filter(
            is_active=True,
            is_service_account=False,
            memberships__programme_id=programme_id,
            memberships__role__in=CASE_ROLES,
        )
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


# --- The conversation -------------------------------------------------------------------------------


def conversation_for(user, pk: int) -> Conversation:
    """The conversation with its household and instrument version; or Conversation.DoesNotExist."""
    return Conversation.objects.visible_to(user).select_related("household", "instrument_version").get(pk=pk)


def conversation_page(user, pk: int) -> Conversation:
    """Everything the conversation page shows, in a fixed number of queries:
    the conversation (+ household, instrument version, housing), its workers, its interviews with
    their persons, their domain answers, their cohesion answers, the persons' valid consents, the
    household's residences (+ address, street, area, programme), its current members, the housing
    defects, the meldcode signals (+ raised by) and their persons. The instrument's lists come from
    `instrument_of` (kept per process once published)."""
    interviews = Interview.objects.select_related("person").order_by("person__date_of_birth", "pk")
    return (
        Conversation.objects.visible_to(user)
        .select_related("household", "programme", "instrument_version", "housing")
        .prefetch_related(
            "workers",
            Prefetch("interviews", queryset=interviews),
            Prefetch("interviews__domain_answers", queryset=DomainAnswer.objects.order_by("pk")),
            "interviews__cohesion_answers",
            Prefetch("interviews__person__consents", queryset=_valid_consents()),
            Prefetch("household__residences", queryset=_residences()),
            Prefetch("household__memberships", queryset=_current_memberships(), to_attr="current_memberships"),
            "housing__defects",
            Prefetch(
                "meldcode_signals",
                queryset=MeldcodeSignal.objects.select_related("raised_by").order_by("raised_at"),
            ),
            "meldcode_signals__persons",
        )
        .get(pk=pk)
    )


def interview_for(user, pk: int) -> Interview:
    """One interview with its person, conversation, household and instrument; or DoesNotExist."""
    return (
        Interview.objects.visible_to(user)
        .select_related("person", "conversation__household", "conversation__instrument_version")
        .get(pk=pk)
    )


def interview_answers(interview: Interview) -> Interview:
    """The interview as stored now, with its answers (after a save, or to compare with a stale one)."""
    return (
        Interview.objects.select_related("person", "conversation__household", "conversation__instrument_version")
        .prefetch_related(
            "domain_answers", "cohesion_answers", Prefetch("person__consents", queryset=_valid_consents())
        )
        .get(pk=interview.pk)
    )


def housing_for(user, conversation_pk: int) -> HousingAnswer:
    """The household section of a conversation the user may see; or HousingAnswer.DoesNotExist."""
    return (
        HousingAnswer.objects.filter(conversation__in=Conversation.objects.visible_to(user))
        .select_related("conversation__household", "conversation__instrument_version")
        .prefetch_related("defects")
        .get(conversation_id=conversation_pk)
    )


def housing_now(housing: HousingAnswer) -> HousingAnswer:
    return (
        HousingAnswer.objects.select_related("conversation__household", "conversation__instrument_version")
        .prefetch_related("defects")
        .get(pk=housing.pk)
    )


def members_not_interviewed(conversation: Conversation) -> list[Person]:
    """Current members of the household without an interview in this conversation."""
    interviewed = Interview.objects.filter(conversation=conversation).values("person_id")
    return [
        m.person
        for m in _current_memberships()
        .filter(household_id=conversation.household_id)
        .exclude(person_id__in=interviewed)
        .order_by("person__date_of_birth")
    ]


def interviewed_persons(conversation: Conversation) -> list[Person]:
    return [
        i.person
        for i in Interview.objects.filter(conversation=conversation)
        .select_related("person")
        .order_by("person__date_of_birth", "pk")
    ]


def conversations_of_household(user, household: Household) -> QuerySet[Conversation]:
    """The household's conversations, newest first (for the household page)."""
    return Conversation.objects.visible_to(user).filter(household=household).order_by("-held_on", "-pk")


# --- Proposals --------------------------------------------------------------------------------------


def proposals_for(user, *, status: str = "") -> QuerySet[Proposal]:
    """The proposed help trajectories the user may see, newest first, joined for the list."""
    queryset = Proposal.objects.visible_to(user).select_related(
        "person", "domain", "proposed_by", "answer__interview__conversation__household"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-pk")
