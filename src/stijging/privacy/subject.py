"""Everything the system holds on one person, and what anonymising them leaves.

The data-subject desk is the one place that must see across every app: an access request asks for
all of it (AVG art. 15), an erasure request touches all of it (art. 17). The privacy app is the
ground floor and imports no app above it at module level; this module imports them inside its
functions, at call time, so the floors' import graph stays acyclic and no other module of the
privacy app depends on them. Nothing here is reachable from a page other than the privacy
officer's desk and `stijging tick`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import OPEN_REQUEST_STATUSES, SubjectRequest

# The age thresholds the programme's figures count with (monitoring.kpis: RISE_MIN_AGE 16 for the
# ladder baseline, COHESION_MIN_AGE 15 for the cohesion index). An anonymised date of birth must
# fall on the same side of each at every conversation the person took part in, or a closed
# period's figures would change. A test holds these equal to the monitoring constants.
FIGURE_AGE_THRESHOLDS = (15, 16)

# A meldcode signal is a legal hold for this long after it was raised: the steps of the meldcode are
# kept like a youth-care file (Jeugdwet art. 7.3.8: twenty years), see docs/decisions/0006.
MELDCODE_HOLD_YEARS = 20

ANONYMISED_NAME = "geanonimiseerd"


def _age_on(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


# --- Find the person ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A lookup result: only what identifies the person, never case content."""

    person_id: int
    name: str
    date_of_birth: datetime.date
    address: str
    programme: str
    anonymised: bool


def find_persons(
    *,
    programme_ids: set[int],
    name: str = "",
    date_of_birth: datetime.date | None = None,
    postcode: str = "",
    huisnummer: int | None = None,
    bsn: str = "",
    limit: int = 50,
) -> list[Found]:
    """Persons who ever belonged to a household living in one of the programmes, matching every
    criterion given. Two queries: the persons, then their latest address in these programmes."""
    from stijging.registry.models import HouseholdMembership, HouseholdResidence, Person

    in_programmes = HouseholdMembership.objects.filter(
        household__residences__address__area__programme_id__in=programme_ids
    ).values("person_id")
    persons = Person.objects.filter(pk__in=in_programmes)
    criteria = 0
    for word in name.split():
        persons = persons.filter(
            Q(given_names__icontains=word) | Q(family_name__icontains=word) | Q(tussenvoegsel__iexact=word)
        )
        criteria += 1
    if date_of_birth:
        persons = persons.filter(date_of_birth=date_of_birth)
        criteria += 1
    if postcode or huisnummer:
        lived = HouseholdResidence.objects.filter(address__area__programme_id__in=programme_ids)
        if postcode:
            lived = lived.filter(address__postcode=postcode.replace(" ", "").upper())
        if huisnummer:
            lived = lived.filter(address__huisnummer=huisnummer)
        persons = persons.filter(household_memberships__household__in=lived.values("household_id"))
        criteria += 1
    if bsn:
        persons = persons.filter(bsn=bsn)
        criteria += 1
    if not criteria:
        return []
    found = list(persons.distinct().order_by("family_name", "given_names", "pk")[:limit])
    latest: dict[int, tuple[str, str]] = {}
    rows = (
        HouseholdResidence.objects.filter(
            address__area__programme_id__in=programme_ids,
            household__memberships__person_id__in=[p.pk for p in found],
        )
        .order_by("start_date")
        .values_list(
            "household__memberships__person_id",
            "address__street__name",
            "address__huisnummer",
            "address__huisletter",
            "address__huisnummertoevoeging",
            "address__postcode",
            "address__area__programme__name",
        )
    )
    for person_id, street, number, letter, addition, code, programme in rows:
        text = f"{street} {number}{letter}{'-' + addition if addition else ''}, {code[:4]} {code[4:]}"
        latest[person_id] = (text, programme)  # ordered by start: the latest wins
    return [
        Found(
            person_id=p.pk,
            name=p.full_name,
            date_of_birth=p.date_of_birth,
            address=latest.get(p.pk, ("", ""))[0],
            programme=latest.get(p.pk, ("", ""))[1],
            anonymised=p.anonymised_at is not None,
        )
        for p in found
    ]


def person_programme_ids(person_id: int) -> set[int]:
    """The programmes whose areas the person's households ever lived in."""
    from stijging.registry.models import HouseholdResidence

    return set(
        HouseholdResidence.objects.filter(household__memberships__person_id=person_id).values_list(
            "address__area__programme_id", flat=True
        )
    )


def officer_programme_ids(user) -> set[int]:
    """The programmes where the user is the privacy officer."""
    return user.programme_ids_with({"privacy_officer"}) if user.is_authenticated else set()


def officer_person(user, pk: int):
    """A person who lived in a programme where the user is the privacy officer, else None."""
    from stijging.registry.models import Person

    if not person_programme_ids(pk) & officer_programme_ids(user):
        return None
    return Person.objects.get(pk=pk)


# --- The access log of one file (NEN 7513) -------------------------------------------------------


def _staff_names_shown() -> bool:
    # The municipality's policy decides whether the resident learns the names of the staff who
    # opened their file, or only their organisation and role (NEN 7513 leaves it to the policy).
    return bool(getattr(settings, "STIJGING_EXPORT_STAFF_NAMES", False))


def _object_label(object_type: str) -> str:
    from django.apps import apps

    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def access_log(
    person_id: int, *, date_from: datetime.date | None = None, date_to: datetime.date | None = None
) -> list[dict[str, Any]]:
    """Every view and change of the person's file: when, which organisation, which role, what, in
    the active language. The privacy officer's own work on the request (lookups, exports) is part
    of it too. Two queries: the events, then the organisations' names."""
    from stijging.accounts.models import Organisation, Role

    from .models import AuditAction
    from .selectors import person_audit_events

    events = person_audit_events(person_id, date_from=date_from, date_to=date_to).order_by("created_at", "id")
    rows = list(events.values_list("created_at", "organisation_id", "role", "action", "object_type", "actor_label"))
    organisation_names = dict(
        Organisation.objects.filter(pk__in={row[1] for row in rows if row[1]}).values_list("pk", "name")
    )
    roles = dict(Role.choices)
    actions = dict(AuditAction.choices)
    names = _staff_names_shown()
    return [
        {
            "at": created_at,
            "organisation": organisation_names.get(organisation_id, "") if organisation_id else "",
            "role": ", ".join(str(roles.get(code, code)) for code in role.split(",") if code),
            "action": str(actions.get(action, action)),
            "object": _object_label(object_type) if object_type else "",
            "staff": actor_label if names else "",
        }
        for created_at, organisation_id, role, action, object_type, actor_label in rows
    ]


# --- Access and portability (art. 15, 20) --------------------------------------------------------


def _d(value) -> str | None:
    return value.isoformat() if value else None


def person_data(person_id: int) -> dict[str, Any]:
    """Everything held on the person, as plain data (the JSON of a portability request, and what the
    PDF shows). Other persons' data in shared records stay out: of a conversation only the
    person's own interview; of a household its name and addresses, not the other members."""
    from stijging.cohesion.models import Participant
    from stijging.conversations.models import HousingAnswer, Interview, Proposal
    from stijging.outreach.models import AddressNote, Appointment, ContactAttempt
    from stijging.privacy.models import Consent
    from stijging.referrals.models import Referral
    from stijging.registry.models import HouseholdMembership, HouseholdResidence, Person, bsn_enabled
    from stijging.trajectories.models import Measurement, Trajectory

    person = Person.objects.get(pk=person_id)
    data: dict[str, Any] = {
        "person": {
            "id": person.pk,
            "given_names": person.given_names,
            "tussenvoegsel": person.tussenvoegsel,
            "family_name": person.family_name,
            "date_of_birth": _d(person.date_of_birth),
            "phone": person.phone,
            "email": person.email,
            **({"bsn": person.bsn} if bsn_enabled() else {}),
            "registered_at": _d(person.created_at),
            "anonymised_at": _d(person.anonymised_at),
        }
    }
    memberships = list(
        HouseholdMembership.objects.filter(person_id=person_id).select_related("household").order_by("start_date")
    )
    household_ids = [m.household_id for m in memberships]
    residences = list(
        HouseholdResidence.objects.filter(household_id__in=household_ids)
        .select_related("address__street")
        .order_by("start_date")
    )
    households = []
    for membership in memberships:
        start, end = membership.start_date, membership.end_date
        lived = [
            {
                "address": str(r.address),
                "from": _d(max(r.start_date, start)),
                "until": _d(min(r.end_date, end) if r.end_date and end else (r.end_date or end)),
            }
            for r in residences
            if r.household_id == membership.household_id
            and (end is None or r.start_date <= end)
            and (r.end_date is None or r.end_date >= start)
        ]
        households.append(
            {
                "household": membership.household.name,
                "relation": membership.get_relation_display(),
                "from": _d(start),
                "until": _d(end),
                "addresses": lived,
            }
        )
    data["households"] = households
    address_ids = [r.address_id for r in residences]

    data["consents"] = [
        {
            "purpose": c.get_purpose_display(),
            "organisation": c.organisation.name if c.organisation else "",
            "given_by": c.get_given_by_display(),
            "parent_name": c.parent_name,
            "given_on": _d(c.given_on),
            "note": c.note,
            "withdrawn_on": _d(c.withdrawn_on),
            "withdrawal_note": c.withdrawal_note,
        }
        for c in Consent.objects.filter(person_id=person_id).select_related("organisation").order_by("given_on")
    ]

    def _within_membership(household_id: int, on: datetime.date) -> bool:
        return any(
            m.household_id == household_id and m.start_date <= on and (m.end_date is None or m.end_date >= on)
            for m in memberships
        )

    attempts = ContactAttempt.objects.filter(household_id__in=household_ids).order_by("date")
    appointments = Appointment.objects.filter(household_id__in=household_ids).order_by("starts_at")
    data["contacts"] = [
        {"date": _d(a.date), "how": a.get_channel_display(), "outcome": a.get_outcome_display(), "note": a.note}
        for a in attempts
        if _within_membership(a.household_id, a.date)
    ] + [
        {
            "date": _d(timezone.localdate(a.starts_at)),
            "how": _("appointment"),
            "outcome": a.get_status_display(),
            "note": a.note,
        }
        for a in appointments
        if _within_membership(a.household_id, timezone.localdate(a.starts_at))
    ]
    data["address_notes"] = [
        {
            "address": str(n.address),
            "safety_note": n.safety_note,
            "interpreter_language": n.interpreter_language if n.interpreter_needed else "",
        }
        for n in AddressNote.objects.filter(address_id__in=address_ids).select_related("address__street")
    ]

    interviews = list(
        Interview.objects.filter(person_id=person_id)
        .select_related("conversation")
        .prefetch_related("domain_answers__domain", "cohesion_answers__statement")
        .order_by("conversation__held_on")
    )
    housing = {
        h.conversation_id: h
        for h in HousingAnswer.objects.filter(conversation_id__in=[i.conversation_id for i in interviews])
    }
    conversations = []
    for interview in interviews:
        h = housing.get(interview.conversation_id)
        conversations.append(
            {
                "held_on": _d(interview.conversation.held_on),
                "answered_by": interview.get_answered_by_display(),
                "rung": interview.rung,
                "rung_non_answer": interview.get_rung_non_answer_display() if interview.rung_non_answer else "",
                "note": interview.note,
                "domains": [
                    {
                        "domain": a.domain.name_nl,
                        "score": a.score,
                        "non_answer": a.get_non_answer_display() if a.non_answer else "",
                        "note": a.note,
                        "help_question": a.help_question_text if a.help_question else "",
                    }
                    for a in interview.domain_answers.all()
                ],
                "cohesion": [
                    {"statement": a.statement.text_nl, "value": a.value} for a in interview.cohesion_answers.all()
                ],
                # The home is the household's: its structured answers, without the notes, which may
                # speak of the other members or the neighbours.
                "home": (
                    {
                        "satisfaction": h.satisfaction,
                        "move_wish": h.get_move_wish_display() if h.move_wish else "",
                        "neighbour_relations": h.neighbour_relations,
                    }
                    if h
                    else None
                ),
            }
        )
    data["conversations"] = conversations
    data["proposals"] = [
        {"date": _d(p.created_at), "domain": p.domain.name_nl, "question": p.question, "status": p.get_status_display()}
        for p in Proposal.objects.filter(person_id=person_id).select_related("domain").order_by("created_at")
    ]
    staff = _staff_names_shown()
    trajectories = []
    for t in (
        Trajectory.objects.filter(person_id=person_id)
        .select_related("case_manager")
        .prefetch_related("goals__domain", "actions", "notes")
        .order_by("opened_at")
    ):
        trajectories.append(
            {
                "opened_at": _d(t.opened_at),
                "closed_at": _d(t.closed_at),
                "status": t.get_status_display(),
                "outcome": t.get_outcome_display() if t.outcome else "",
                "outcome_text": t.outcome_text,
                "case_manager": str(t.case_manager) if staff and t.case_manager else "",
                "goals": [{"domain": g.domain.name_nl, "goal": g.target} for g in t.goals.all()],
                "actions": [
                    {"action": a.description, "due": _d(a.due_date), "status": a.get_status_display()}
                    for a in t.actions.all()
                ],
                "journal": [{"at": _d(n.created_at), "note": n.text} for n in t.notes.all()],
            }
        )
    data["trajectories"] = trajectories
    data["measurements"] = [
        {
            "measured_on": _d(m.measured_on),
            "rung": m.rung,
            "scores": [{"domain": s.domain.name_nl, "score": s.score} for s in m.scores.all()],
        }
        for m in Measurement.objects.filter(person_id=person_id)
        .prefetch_related("scores__domain")
        .order_by("measured_on")
    ]
    data["referrals"] = [
        {
            "sent_at": _d(r.sent_at),
            "organisation": r.organisation.name,
            "domain": r.domain.name_nl,
            "question": r.question,
            "ground": (
                _("consent of %(date)s") % {"date": r.consent.given_on.isoformat()}
                if r.consent
                else str(r.legal_ground or "")
            ),
            "status": r.get_status_display(),
            "closed_at": _d(r.closed_at),
        }
        for r in Referral.objects.filter(person_id=person_id)
        .select_related("organisation", "domain", "consent", "legal_ground")
        .order_by("sent_at")
    ]
    data["neighbourhood"] = [
        {
            "name": p.name,
            "phone": p.phone,
            "email": p.email,
            "volunteer": p.volunteer,
            "consent_given_on": _d(p.consent_given_on),
            "note": p.note,
            "hours": [{"date": _d(h.date), "hours": str(h.hours), "what": h.what} for h in p.hours.all()],
        }
        for p in Participant.objects.filter(person_id=person_id).prefetch_related("hours")
    ]
    # Meldcode signals are left out of the resident's copy on purpose: telling a suspected abuser of
    # a signal may endanger the child or partner it protects (UAVG art. 41(1)(i), rights of
    # others). The privacy officer sees them as a legal hold and decides on them outside the export.
    data["access_log"] = [row | {"at": row["at"].isoformat()} for row in access_log(person_id)]
    return data


# --- Legal holds and anonymisation (art. 17) ------------------------------------------------------


def legal_holds(person_id: int, *, except_request_id: int | None = None) -> list[dict[str, str]]:
    """What the system knows that forbids erasing the person now: an open trajectory, a meldcode
    signal within its period, a referral a partner still handles, another open request, an active
    restriction. Each hold names its kind and record, never its content."""
    from stijging.conversations.models import MeldcodeSignal
    from stijging.referrals.models import Referral
    from stijging.referrals.states import OPEN_STATUSES as REFERRAL_OPEN
    from stijging.trajectories.models import Trajectory

    from .models import Restriction

    holds: list[dict[str, str]] = []
    for pk in Trajectory.objects.filter(person_id=person_id).not_closed().values_list("pk", flat=True):
        holds.append({"kind": "trajectory", "id": str(pk), "text": _("An open trajectory")})
    since = timezone.now() - datetime.timedelta(days=365 * MELDCODE_HOLD_YEARS + MELDCODE_HOLD_YEARS // 4)
    for pk in MeldcodeSignal.objects.filter(persons__pk=person_id, raised_at__gte=since).values_list("pk", flat=True):
        holds.append({"kind": "meldcode", "id": str(pk), "text": _("A meldcode signal within its retention period")})
    for pk in Referral.objects.filter(person_id=person_id, status__in=REFERRAL_OPEN).values_list("pk", flat=True):
        holds.append({"kind": "referral", "id": str(pk), "text": _("A referral a partner still handles")})
    others = SubjectRequest.objects.filter(person_id=person_id, status__in=OPEN_REQUEST_STATUSES)
    if except_request_id:
        others = others.exclude(pk=except_request_id)
    for pk in others.values_list("pk", flat=True):
        holds.append({"kind": "request", "id": str(pk), "text": _("Another open data-subject request")})
    if Restriction.objects.active().filter(person_id=person_id).exists():
        holds.append({"kind": "restriction", "id": str(person_id), "text": _("Processing is restricted")})
    return holds


def generalised_birth_date(born: datetime.date, event_dates: list[datetime.date]) -> datetime.date:
    """The coarsest date of birth (1 January, 1 July, the first of the month) that leaves the
    person on the same side of every age threshold the figures use at every date that counts; the
    real one only when none does."""
    candidates = [born.replace(month=1, day=1), born.replace(month=7, day=1), born.replace(day=1), born]
    for candidate in candidates:
        if all(
            (_age_on(candidate, on) >= threshold) == (_age_on(born, on) >= threshold)
            for on in event_dates
            for threshold in FIGURE_AGE_THRESHOLDS
        ):
            return candidate
    return born


def _update_by_ids(queryset, **values) -> int:
    """An UPDATE through a join, in two plain steps (the ids, then the rows by id): PostgreSQL plans
    `UPDATE … WHERE id IN (SELECT … JOIN …)` without statistics inside a long transaction (the demo's
    seeding) as nested loops over whole tables, which ran for minutes in CI."""
    ids = list(queryset.values_list("pk", flat=True))
    return queryset.model.objects.filter(pk__in=ids).update(**values) if ids else 0


def anonymise_person(person_id: int) -> dict[str, int]:
    """Replace what identifies the person, remove free text about them, cut the links that
    re-identify; keep every date, status, score and link the figures count. Returns counts per
    kind of record. The caller holds the transaction and writes the audit event. Audit events are
    never touched: they keep the person's id, which then resolves to no one."""
    from stijging.cohesion.models import Participant
    from stijging.conversations.models import DomainAnswer, HousingAnswer, Interview, Proposal
    from stijging.outreach.models import AddressNote, Appointment, ContactAttempt
    from stijging.privacy.models import Consent
    from stijging.referrals.models import Referral, ReferralEvent
    from stijging.registry.models import Household, HouseholdMembership, Person
    from stijging.trajectories.models import Action, Goal, JournalNote, Trajectory

    person = Person.objects.select_for_update().get(pk=person_id)
    done: dict[str, int] = {}
    held_on = list(Interview.objects.filter(person_id=person_id).values_list("conversation__held_on", flat=True))
    Person.objects.filter(pk=person_id).update(
        given_names="",
        tussenvoegsel="",
        family_name=ANONYMISED_NAME,
        date_of_birth=generalised_birth_date(person.date_of_birth, held_on),
        phone="",
        email="",
        bsn="",
        anonymised_at=timezone.now(),
        version=person.version + 1,
    )
    done["persons"] = 1
    done["consents"] = Consent.objects.filter(person_id=person_id).update(parent_name="", note="", withdrawal_note="")
    interviews = Interview.objects.filter(person_id=person_id)
    done["interviews"] = interviews.update(note="")
    done["domain_answers"] = _update_by_ids(
        DomainAnswer.objects.filter(interview__person_id=person_id), note="", help_question_text=""
    )
    done["proposals"] = Proposal.objects.filter(person_id=person_id).update(question="")
    trajectories = Trajectory.objects.filter(person_id=person_id)
    trajectories.update(outcome_text="")
    done["goals"] = _update_by_ids(Goal.objects.filter(trajectory__person_id=person_id), target="")
    done["actions"] = _update_by_ids(Action.objects.filter(trajectory__person_id=person_id), description="")
    done["journal_notes"], _by_model = JournalNote.objects.filter(trajectory__person_id=person_id).delete()
    done["referrals"] = Referral.objects.filter(person_id=person_id).update(question="", code_text="")
    _update_by_ids(ReferralEvent.objects.filter(referral__person_id=person_id), code_text="")
    # Copies made for the person's own access requests go too: they hold everything that was erased.
    from .models import SubjectExport

    done["exports"], _by_model = SubjectExport.objects.filter(request__person_id=person_id).delete()
    done["participants"] = Participant.objects.filter(person_id=person_id).update(
        name=ANONYMISED_NAME, phone="", email="", parent_name="", note="", person=None
    )

    # The household: once none of its members is left unanonymised, its name, notes, contact notes
    # and the address notes of its addresses go too. Its residences stay at their addresses: the
    # participation and turnover figures of closed periods count households per address and street
    # (docs/decisions/0006 explains this trade-off).
    household_ids = list(HouseholdMembership.objects.filter(person_id=person_id).values_list("household_id", flat=True))
    emptied = [
        pk
        for pk in household_ids
        if not HouseholdMembership.objects.filter(household_id=pk, person__anonymised_at__isnull=True)
        .exclude(person_id=person_id)
        .exists()
    ]
    if emptied:
        done["households"] = Household.objects.filter(pk__in=emptied).update(name=ANONYMISED_NAME, note="")
        ContactAttempt.objects.filter(household_id__in=emptied).update(note="")
        Appointment.objects.filter(household_id__in=emptied).update(note="", reason="")
        _update_by_ids(
            HousingAnswer.objects.filter(conversation__household_id__in=emptied),
            defects_note="",
            move_reason="",
            neighbour_note="",
        )
        from stijging.registry.models import HouseholdResidence

        inhabited_by_others = HouseholdResidence.objects.filter(end_date__isnull=True).exclude(household_id__in=emptied)
        done["address_notes"], _by_model = (
            AddressNote.objects.filter(address__residences__household_id__in=emptied)
            .exclude(address__in=inhabited_by_others.values("address_id"))
            .delete()
        )
    return done
