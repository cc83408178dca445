"""The programme's figures, each defined once, exactly as SPEC §4 says (docs/kpis.md has a worked
example). Every screen, report and API takes its figures from here.

The reference period is the programme's period (up to today) unless a filter narrows it; the
reference date for "in scope" is the end of that period.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from stijging.accounts.models import OrganisationKind
from stijging.cohesion.models import Wave, WaveAnswer
from stijging.conversations.models import (
    CohesionAnswer,
    Conversation,
    DomainAnswer,
    HousingAnswer,
    Interview,
    MoveWish,
)
from stijging.instruments.models import Domain, RungNonAnswer

# SPEC §4 "Small numbers": one rule for every screen, on the privacy floor (re-exported here).
from stijging.privacy.disclosure import SUPPRESSION_THRESHOLD, suppressed  # noqa: F401
from stijging.referrals.models import Referral
from stijging.referrals.states import ReferralStatus
from stijging.referrals.workingdays import working_days_between
from stijging.registry.models import Address, Household, HouseholdResidence, Person, Programme
from stijging.registry.selectors import current_on
from stijging.trajectories.models import Measurement, MeasurementScore, Trajectory


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive; also the reference date for "in scope"


def programme_period(programme: Programme, today: datetime.date | None = None) -> Period:
    today = today or timezone.localdate()
    end = min(programme.end_date, today) if programme.end_date else today
    return Period(start=programme.start_date, end=max(end, programme.start_date))


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _in_area(prefix: str, area_id: int | None) -> Q:
    """The area filter of every figure (SPEC §7): the whole programme, or one of its areas."""
    return Q() if area_id is None else Q(**{f"{prefix}area_id": area_id})


def _lives_in_programme_on(programme: Programme, on: datetime.date, area_id: int | None = None) -> Q:
    return Q(
        Exists(
            HouseholdResidence.objects.filter(
                current_on(on),
                _in_area("address__", area_id),
                household=OuterRef("pk"),
                address__area__programme=programme,
            )
        )
    )


def households_in_scope(programme: Programme, period: Period, area_id: int | None = None) -> QuerySet[Household]:
    """Households registered as living, on the reference date, at an address in the programme's areas
    (or in the one area asked for)."""
    return Household.objects.filter(_lives_in_programme_on(programme, period.end, area_id))


def _held_in(period: Period) -> Q:
    return Q(held_on__gte=period.start, held_on__lte=period.end)


@dataclass(frozen=True)
class Participation:
    in_scope: int
    reached: int
    rate: Decimal | None
    target: int
    residential_addresses: int
    addresses_without_household: int


def participation(programme: Programme, period: Period, area_id: int | None = None) -> Participation:
    """Households reached (≥ 1 held conversation in the period) ÷ households in scope."""
    in_scope = households_in_scope(programme, period, area_id)
    held = Conversation.objects.filter(_held_in(period), household=OuterRef("pk"))
    counts = in_scope.aggregate(n=Count("pk"), reached=Count("pk", filter=Q(Exists(held))))
    on = period.end
    addresses = Address.objects.filter(_in_area("", area_id), area__programme=programme, retired_on__isnull=True)
    occupied = Exists(HouseholdResidence.objects.filter(current_on(on), address=OuterRef("pk")))
    address_counts = addresses.aggregate(n=Count("pk"), empty=Count("pk", filter=~Q(occupied)))
    return Participation(
        in_scope=counts["n"],
        reached=counts["reached"],
        rate=rate(counts["reached"], counts["n"]),
        target=programme.target_participation,
        residential_addresses=address_counts["n"],
        addresses_without_household=address_counts["empty"],
    )


def _interviews(programme: Programme, period: Period, area_id: int | None = None) -> QuerySet[Interview]:
    """Interviews in conversations held in the period with households of this programme (that lived,
    at some time, in the area asked for)."""
    return Interview.objects.filter(
        Exists(
            Conversation.objects.filter(
                _held_in(period),
                _in_area("household__residences__address__", area_id),
                pk=OuterRef("conversation_id"),
                household__residences__address__area__programme=programme,
            )
        )
    )


@dataclass(frozen=True)
class Visits:
    persons_visited: int
    persons_with_help_question: int
    help_question_share: Decimal | None


def visits(programme: Programme, period: Period, area_id: int | None = None) -> Visits:
    """Persons visited: members, children included, with an interview in a held conversation in the
    period. Persons with at least one help question among them."""
    interviews = _interviews(programme, period, area_id)
    visited = interviews.values("person_id").distinct().count()
    with_question = (
        interviews.filter(Exists(DomainAnswer.objects.filter(interview=OuterRef("pk"), help_question=True)))
        .values("person_id")
        .distinct()
        .count()
    )
    return Visits(
        persons_visited=visited,
        persons_with_help_question=with_question,
        help_question_share=rate(with_question, visited),
    )


# --- Trajectory uptake ----------------------------------------------------------------------------


def _opened_in(period: Period) -> Q:
    """A trajectory opened in the period (local dates): a proposal alone is not a trajectory."""
    return Q(opened_at__date__gte=period.start, opened_at__date__lte=period.end)


@dataclass(frozen=True)
class Uptake:
    persons_visited: int
    in_trajectory: int
    rate: Decimal | None
    target: int


def trajectory_uptake(programme: Programme, period: Period, area_id: int | None = None) -> Uptake:
    """Persons in a help trajectory: persons visited (as in `visits`) with at least one trajectory of
    this programme opened in the period. Uptake = in a trajectory ÷ persons visited."""
    visited = Person.objects.filter(Exists(_interviews(programme, period, area_id).filter(person_id=OuterRef("pk"))))
    opened = Trajectory.objects.filter(_opened_in(period), programme=programme, person_id=OuterRef("pk"))
    counts = visited.aggregate(n=Count("pk"), in_trajectory=Count("pk", filter=Q(Exists(opened))))
    return Uptake(
        persons_visited=counts["n"],
        in_trajectory=counts["in_trajectory"],
        rate=rate(counts["in_trajectory"], counts["n"]),
        target=programme.target_uptake,
    )


# --- Social rise ----------------------------------------------------------------------------------

RISE_MIN_AGE = 16
RISE_MIN_DAYS = 90
TOP_RUNG = 6


@dataclass(frozen=True)
class DomainChange:
    code: str
    name: str
    compared: int  # persons with a score at baseline and at the latest measurement
    improved: int
    equal: int
    worse: int
    mean_change: Decimal | None  # one decimal, half up
    improved_share: Decimal | None
    equal_share: Decimal | None
    worse_share: Decimal | None


@dataclass(frozen=True)
class SocialRise:
    followed: int  # all persons below: 16+, a baseline, and a measurement ≥ 90 days after it
    rose: int
    equal: int
    declined: int
    at_top: int  # rung 6 at baseline: cannot rise, counted apart
    not_applicable: int  # ladder marked not applicable at baseline or at the latest measurement
    no_rung: int  # no measurement ≥ 90 days after the baseline records a rung (declined / not discussed)
    domains: tuple[DomainChange, ...]

    @property
    def compared(self) -> int:
        return self.rose + self.equal + self.declined

    @property
    def rose_share(self) -> Decimal | None:
        return rate(self.rose, self.compared)

    @property
    def equal_share(self) -> Decimal | None:
        return rate(self.equal, self.compared)

    @property
    def declined_share(self) -> Decimal | None:
        return rate(self.declined, self.compared)

    @property
    def at_top_share(self) -> Decimal | None:
        return rate(self.at_top, self.followed)

    @property
    def not_applicable_share(self) -> Decimal | None:
        return rate(self.not_applicable, self.followed)

    @property
    def no_rung_share(self) -> Decimal | None:
        return rate(self.no_rung, self.followed)


def _age_on(born: datetime.date, on: datetime.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def social_rise(programme: Programme, period: Period, area_id: int | None = None) -> SocialRise:
    """SPEC §4 "Social rise", in five queries whatever the number of persons.

    Baseline: the person's first interview (earliest held conversation in the period with a household
    of the programme) at age 16+ whose ladder was answered — a rung, or marked not applicable; a
    declined or undiscussed ladder is a gap, not a baseline. Persons with a baseline and at least
    one measurement of this programme at least 90 days after the baseline and up to the period end.
    The latest such measurement is compared with the baseline: its rung − the baseline rung ≥ 1
    rose, 0 equal, < 0 declined; where it records no rung (declined, not discussed) the latest
    earlier such measurement with a rung counts (the person's latest recorded rung). Counted apart, in this order: not applicable (at baseline or at the
    latest measurement), rung 6 at baseline, and no rung recorded at any such measurement.
    Per domain (by code): latest measurement score − baseline score, where both are scores.
    """
    measurements = Measurement.objects.filter(programme=programme, measured_on__lte=period.end)
    baselines = (
        _interviews(programme, period, area_id)
        .filter(Q(rung__isnull=False) | Q(rung_non_answer=RungNonAnswer.NOT_APPLICABLE))
        .filter(Exists(measurements.filter(person_id=OuterRef("person_id"))))
        .order_by("person_id", "conversation__held_on", "pk")
        .values_list("pk", "person_id", "person__date_of_birth", "conversation__held_on", "rung", "rung_non_answer")
    )
    baseline: dict[int, tuple[int, datetime.date, int | None, str]] = {}
    for pk, person_id, born, held_on, rung_, non_answer in baselines:
        if person_id not in baseline and _age_on(born, held_on) >= RISE_MIN_AGE:
            baseline[person_id] = (pk, held_on, rung_, non_answer)
    if not baseline:
        return SocialRise(followed=0, rose=0, equal=0, declined=0, at_top=0, not_applicable=0, no_rung=0, domains=())

    # Per person: the latest measurement at least 90 days after the baseline (its domain scores are
    # compared), and the rung to compare: that measurement's, or — where it records no rung (the
    # ladder question declined or not discussed) — the latest earlier such measurement that does.
    latest: dict[int, tuple[int, int | None, str]] = {}
    settled: set[int] = set()
    rows = measurements.filter(person_id__in=list(baseline)).order_by("person_id", "-measured_on", "-pk")
    for pk, person_id, measured_on, rung_, non_answer in rows.values_list(
        "pk", "person_id", "measured_on", "rung", "rung_non_answer"
    ):
        if person_id in settled or measured_on < baseline[person_id][1] + datetime.timedelta(days=RISE_MIN_DAYS):
            continue
        recorded = rung_ is not None or non_answer == RungNonAnswer.NOT_APPLICABLE
        if person_id not in latest:
            latest[person_id] = (pk, rung_, non_answer)
        elif recorded:
            latest[person_id] = (latest[person_id][0], rung_, non_answer)
        if recorded:
            settled.add(person_id)

    counts = {"rose": 0, "equal": 0, "declined": 0, "at_top": 0, "not_applicable": 0, "no_rung": 0}
    for person_id, (_, after, after_non_answer) in latest.items():
        _, _, before, before_non_answer = baseline[person_id]
        na = RungNonAnswer.NOT_APPLICABLE
        if before_non_answer == na or after_non_answer == na:
            counts["not_applicable"] += 1
        elif before == TOP_RUNG:
            counts["at_top"] += 1
        elif after is None or before is None:
            counts["no_rung"] += 1
        else:
            change = after - before
            counts["rose" if change > 0 else "equal" if change == 0 else "declined"] += 1

    followed = {person_id: (baseline[person_id][0], m[0]) for person_id, m in latest.items()}
    before_scores: dict[tuple[int, str], int | None] = {
        (interview_id, code): score
        for interview_id, code, score in DomainAnswer.objects.filter(
            interview_id__in=[b for b, _ in followed.values()], score__isnull=False
        ).values_list("interview_id", "domain__code", "score")
    }
    after_scores = MeasurementScore.objects.filter(
        measurement_id__in=[m for _, m in followed.values()], score__isnull=False
    ).values_list("measurement_id", "domain__code", "score")
    interview_of = {m: b for b, m in followed.values()}
    changes: dict[str, list[int]] = {}
    for measurement_id, code, score in after_scores:
        before_score = before_scores.get((interview_of[measurement_id], code))
        if before_score is not None and score is not None:
            changes.setdefault(code, []).append(score - before_score)
    domains = []
    names = {}
    for domain in Domain.objects.filter(code__in=list(changes)).order_by("version__number", "order"):
        names[domain.code] = (domain.order, domain.name)  # the newest version's name wins
    for code in sorted(changes, key=lambda c: names.get(c, (0, c))):
        values = changes[code]
        n = len(values)
        improved, equal, worse = (sum(v > 0 for v in values), sum(v == 0 for v in values), sum(v < 0 for v in values))
        domains.append(
            DomainChange(
                code=code,
                name=str(names.get(code, (0, code))[1]),
                compared=n,
                improved=improved,
                equal=equal,
                worse=worse,
                mean_change=(Decimal(sum(values)) / n).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
                improved_share=rate(improved, n),
                equal_share=rate(equal, n),
                worse_share=rate(worse, n),
            )
        )
    return SocialRise(followed=len(latest), domains=tuple(domains), **counts)


# --- Priority handling ----------------------------------------------------------------------------

# Referrals to these organisations are special-category data (mental health care: AVG art. 9; police:
# art. 10 and the police data act): their counts go through the special-category rule.
SPECIAL_CATEGORY_ORGANISATIONS = frozenset({OrganisationKind.GGZ, OrganisationKind.POLICE})

# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerHandling:
    organisation_id: int
    organisation: str
    sent: int  # priority referrals sent in the period
    answered: int  # accepted or declined (answered_at set)
    median_working_days: Decimal | None  # sent → answered, one decimal
    within: int  # answered on or before answer_due_on
    missed: int  # answered late, or not answered by the due date (still open, or withdrawn after it)
    overdue_now: int  # still sent, today past answer_due_on
    special: bool = False  # a GGZ or police organisation: special-category data (AVG art. 9 and 10)

    @property
    def within_share(self) -> Decimal | None:
        """Answered within the service level ÷ referrals whose service level has been decided."""
        return rate(self.within, self.within + self.missed)


def _person_lived_in_area(area_id: int | None) -> Q:
    """Referrals of persons whose household lived, at some time, in the area asked for."""
    if area_id is None:
        return Q()
    lived = HouseholdResidence.objects.filter(
        address__area_id=area_id, household__memberships__person_id=OuterRef("person_id")
    )
    return Q(Exists(lived))


def priority_handling(
    programme: Programme, period: Period, area_id: int | None = None, today: datetime.date | None = None
) -> tuple[PartnerHandling, ...]:
    """SPEC §4 "Priority handling", per partner organisation, over the priority referrals of this
    programme sent in the period (local dates), in one query. Working days as in the service level
    (referrals.workingdays: weekends and public holidays excluded; the day of sending does not count).
    The share within the service level is over the referrals whose outcome is known: answered, or
    past their due date without an answer (still open, or withdrawn only after the due date). A
    referral withdrawn before its due date without an answer is left out of the share."""
    today = today or timezone.localdate()
    rows = (
        Referral.objects.filter(
            _person_lived_in_area(area_id),
            programme=programme,
            priority=True,
            sent_at__date__gte=period.start,
            sent_at__date__lte=period.end,
        )
        .order_by("organisation__name", "organisation_id")
        .values_list(
            "organisation_id",
            "organisation__name",
            "sent_at",
            "answered_at",
            "answer_due_on",
            "status",
            "closed_at",
            "organisation__kind",
        )
    )
    per: dict[int, dict] = {}
    for organisation_id, name, sent_at, answered_at, due, status, closed_at, kind in rows:
        o = per.setdefault(
            organisation_id,
            {
                "name": name,
                "sent": 0,
                "days": [],
                "within": 0,
                "missed": 0,
                "overdue": 0,
                "special": kind in SPECIAL_CATEGORY_ORGANISATIONS,
            },
        )
        o["sent"] += 1
        if answered_at is not None:
            answered_on = timezone.localdate(answered_at)
            o["days"].append(working_days_between(timezone.localdate(sent_at), answered_on))
            if due is None or answered_on <= due:
                o["within"] += 1
            else:
                o["missed"] += 1
        elif due is not None and status == ReferralStatus.SENT and today > due:
            o["missed"] += 1
            o["overdue"] += 1
        elif due is not None and closed_at is not None and timezone.localdate(closed_at) > due:
            o["missed"] += 1  # withdrawn unanswered, after the due date had passed
    return tuple(
        PartnerHandling(
            organisation_id=organisation_id,
            organisation=o["name"],
            sent=o["sent"],
            answered=len(o["days"]),
            median_working_days=(
                Decimal(str(statistics.median(o["days"]))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
                if o["days"]
                else None
            ),
            within=o["within"],
            missed=o["missed"],
            overdue_now=o["overdue"],
            special=o["special"],
        )
        for organisation_id, o in per.items()
    )


# --- Cohesion index -------------------------------------------------------------------------------

COHESION_MIN_AGE = 15
COHESION_MIN_ANSWERS = 4
COHESION_SCALE_MAX = 5  # 5-point agreement; a reverse-coded answer x counts as 6 − x


def respondent_cohesion_index(answers: Iterable[tuple[int, bool]]) -> Fraction | None:
    """SPEC §4: one respondent's index on 0–10 from their (value, reverse_coded) answers, or None
    with fewer than 4 of the 6 statements answered (a non-answer is not an answer)."""
    values = [(COHESION_SCALE_MAX + 1 - value) if reverse else value for value, reverse in answers]
    return _index_from_sum(len(values), sum(values))


def _index_from_sum(answered: int, total: int) -> Fraction | None:
    """The one formula: with ≥ 4 answers, (mean − 1) × 2.5, where `total` already has the reverse-coded
    answers flipped."""
    if answered < COHESION_MIN_ANSWERS:
        return None
    return (Fraction(total, answered) - 1) * Fraction(5, 2)


def _one_decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CohesionRespondent:
    area_id: int
    street_id: int
    index: Fraction


def _flipped_value() -> Case:
    return Case(
        When(statement__reverse_coded=True, then=Value(COHESION_SCALE_MAX + 1) - F("value")),
        default=F("value"),
        output_field=IntegerField(),
    )


def cohesion_respondents(wave: Wave, *, area_id: int | None = None) -> list[CohesionRespondent]:
    """The respondents of a wave (in one area, or in the whole programme), in two grouped queries:

    - persons aged 15+ on the day of an interview in a conversation held in the wave's dates with a
      household living (that day) at an address of the programme — the street and area are that
      address's; a person interviewed twice in a wave counts once, with their latest interview in
      which the statements were asked (also when that one was in another area);
    - the door responses recorded in the wave (anonymous; 15+ asked at the door).
    Only respondents with at least 4 statements answered have an index; the rest are left out."""
    residence = "interview__conversation__household__residences__"
    held_on = F("interview__conversation__held_on")
    place = Q(**{f"{residence}address__area__programme_id": wave.programme_id})
    if area_id is not None:
        place &= Q(**{f"{residence}address__area_id": area_id})
    # The person's latest interview in the wave in which the statements were asked, wherever it was
    # held: chosen before the area filter, so someone who moved between areas counts once.
    held = "interview__conversation__held_on"
    later = Interview.objects.filter(
        Q(conversation__held_on__gt=OuterRef(held))
        | Q(conversation__held_on=OuterRef(held), pk__gt=OuterRef("interview_id")),
        person_id=OuterRef("interview__person_id"),
        conversation__held_on__gte=wave.starts_on,
        conversation__held_on__lte=wave.ends_on,
        cohesion_answers__isnull=False,
    )
    interviews = (
        CohesionAnswer.objects.filter(
            ~Exists(later),
            place,
            Q(**{f"{residence}start_date__lte": held_on}),
            Q(**{f"{residence}end_date__isnull": True}) | Q(**{f"{residence}end_date__gt": held_on}),
            value__isnull=False,
            interview__conversation__held_on__gte=wave.starts_on,
            interview__conversation__held_on__lte=wave.ends_on,
        )
        .values(
            "interview_id",
            "interview__person_id",
            "interview__person__date_of_birth",
            "interview__conversation__held_on",
            f"{residence}address__area_id",
            f"{residence}address__street_id",
        )
        .annotate(n=Count("pk"), total=Sum(_flipped_value()))
        .order_by()
    )
    latest: dict[int, tuple] = {}
    for row in interviews:
        held = row["interview__conversation__held_on"]
        if _age_on(row["interview__person__date_of_birth"], held) < COHESION_MIN_AGE:
            continue
        key = (held, row["interview_id"])
        person_id = row["interview__person_id"]
        if person_id not in latest or key > latest[person_id][0]:
            latest[person_id] = (key, row)
    respondents = []
    for _key, row in latest.values():
        index = _index_from_sum(row["n"], row["total"])
        if index is not None:
            respondents.append(
                CohesionRespondent(
                    area_id=row[f"{residence}address__area_id"],
                    street_id=row[f"{residence}address__street_id"],
                    index=index,
                )
            )
    doors = WaveAnswer.objects.filter(response__wave=wave, value__isnull=False)
    if area_id is not None:
        doors = doors.filter(response__area_id=area_id)
    for row in (
        doors.values("response_id", "response__area_id", "response__street_id")
        .annotate(n=Count("pk"), total=Sum(_flipped_value()))
        .order_by()
    ):
        index = _index_from_sum(row["n"], row["total"])
        if index is not None:
            respondents.append(
                CohesionRespondent(area_id=row["response__area_id"], street_id=row["response__street_id"], index=index)
            )
    return respondents


@dataclass(frozen=True)
class IndexCell:
    """A street's or an area's index in one wave: the mean over its respondents, one decimal."""

    respondents: int
    index: Decimal | None  # None: no respondents, or suppressed

    @classmethod
    def of(cls, indexes: list[Fraction]) -> IndexCell:
        if not indexes:
            return cls(respondents=0, index=None)
        return cls(respondents=len(indexes), index=_one_decimal(sum(indexes, Fraction(0)) / len(indexes)))


@dataclass(frozen=True)
class StreetIndexRow:
    street_id: int | None  # None: the "other streets" line of the suppressed ones together
    street: str
    cells: tuple[IndexCell | None, ...]  # per wave; None: suppressed (under 5 respondents)


@dataclass(frozen=True)
class CohesionTable:
    waves: tuple[Wave, ...]
    rows: tuple[StreetIndexRow, ...]
    total: tuple[IndexCell | None, ...]  # the area (or programme), per wave; None: hidden


def cohesion_index(
    waves: Sequence[Wave], *, area_id: int | None, streets: dict[int, str], sees_persons: bool = False
) -> CohesionTable:
    """The index per street and for the area (the mean over all its respondents, not of the street
    means), per wave, with SPEC §4's small-number rule applied for roles without access to persons:
    a street with fewer than 5 respondents in a wave is suppressed; the suppressed streets of a wave
    together form an "other streets" line, shown when they reach 5 respondents together; when they
    do not, the area's figure for that wave is hidden too (it would give them away). The line is
    left out when it would show nothing in any wave."""
    per_wave: list[dict[int, list[Fraction]]] = []
    totals: list[list[Fraction]] = []
    for wave in waves:
        by_street: dict[int, list[Fraction]] = {}
        everyone: list[Fraction] = []
        for respondent in cohesion_respondents(wave, area_id=area_id):
            by_street.setdefault(respondent.street_id, []).append(respondent.index)
            everyone.append(respondent.index)
        per_wave.append(by_street)
        totals.append(everyone)
    street_ids = sorted({s for by_street in per_wave for s in by_street}, key=lambda s: (streets.get(s, ""), s))
    rows: list[StreetIndexRow] = []
    rest_cells: list[IndexCell | None] = []
    total_cells: list[IndexCell | None] = []
    cells_by_street: dict[int, list[IndexCell | None]] = {s: [] for s in street_ids}
    any_rest = False
    for by_street, everyone in zip(per_wave, totals, strict=True):
        rest: list[Fraction] = []
        has_rest = False
        for street_id in street_ids:
            indexes = by_street.get(street_id, [])
            if not sees_persons and indexes and len(indexes) < SUPPRESSION_THRESHOLD:
                cells_by_street[street_id].append(None)
                rest.extend(indexes)
                has_rest = True
            else:
                cells_by_street[street_id].append(IndexCell.of(indexes))
        any_rest = any_rest or has_rest
        if not has_rest:
            rest_cells.append(IndexCell(respondents=0, index=None))
            total_cells.append(IndexCell.of(everyone))
        elif len(rest) >= SUPPRESSION_THRESHOLD:
            rest_cells.append(IndexCell.of(rest))
            total_cells.append(IndexCell.of(everyone))
        else:
            rest_cells.append(None)
            total_cells.append(None)
    for street_id in street_ids:
        rows.append(
            StreetIndexRow(
                street_id=street_id, street=streets.get(street_id, "?"), cells=tuple(cells_by_street[street_id])
            )
        )
    # The "other streets" line only where it shows something: a rest under 5 in every wave would
    # only repeat the suppressed cells above it.
    if any_rest and any(cell is not None and cell.respondents for cell in rest_cells):
        rows.append(StreetIndexRow(street_id=None, street="", cells=tuple(rest_cells)))
    return CohesionTable(waves=tuple(waves), rows=tuple(rows), total=tuple(total_cells))


# --- Turnover -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TurnoverCounts:
    moved_in: int
    moved_out: int


@dataclass(frozen=True)
class Turnover:
    years: tuple[int, ...]
    streets: dict[int, dict[int, TurnoverCounts]]  # street id → year → counts
    area: dict[int, TurnoverCounts]  # year → counts over the whole area
    households_on_1_january: dict[int, int]  # year → households living in the area that day


def turnover(area_id: int, years: Sequence[int]) -> Turnover:
    """SPEC §4 "Turnover", per street (its addresses in the area) and year, from the registry's
    history, in one query: a household *moved in* when a residence of it at an address of the street
    starts in the year, and *moved out* when one ends in the year. A move from one address to another
    in the same street on the same day is neither (the household stayed in the street); a move to
    another street of the area counts as out of the one and into the other. For the area itself only
    moves across its boundary count: a move between two of its streets is neither in nor out of the
    area. Households living in the area on 1 January of each year are given beside it, for a rate."""
    first, last = min(years), max(years)
    rows = list(
        HouseholdResidence.objects.filter(address__area_id=area_id)
        .filter(
            Q(start_date__year__gte=first, start_date__year__lte=last)
            | Q(end_date__isnull=True)
            | Q(end_date__year__gte=first)
        )
        .values_list("household_id", "address__street_id", "start_date", "end_date")
        .order_by()
    )
    # (household, street, day) at which a residence started / ended: to recognise moves within a street,
    # and (household, day) for moves within the area.
    started = {(h, s, start) for h, s, start, _end in rows}
    ended = {(h, s, end) for h, s, _start, end in rows if end is not None}
    started_in_area = {(h, start) for h, _s, start, _end in rows}
    ended_in_area = {(h, end) for h, _s, _start, end in rows if end is not None}
    streets: dict[int, dict[int, list[int]]] = {}
    area: dict[int, list[int]] = {year: [0, 0] for year in years}
    on_1_january: dict[int, set[int]] = {year: set() for year in years}
    wanted = set(years)
    for household, street, start, end in rows:
        if start.year in wanted:
            if (household, street, start) not in ended:
                streets.setdefault(street, {}).setdefault(start.year, [0, 0])[0] += 1
            if (household, start) not in ended_in_area:
                area[start.year][0] += 1
        if end is not None and end.year in wanted:
            if (household, street, end) not in started:
                streets.setdefault(street, {}).setdefault(end.year, [0, 0])[1] += 1
            if (household, end) not in started_in_area:
                area[end.year][1] += 1
        for year in years:
            day = datetime.date(year, 1, 1)
            if start <= day and (end is None or end > day):
                on_1_january[year].add(household)
    return Turnover(
        years=tuple(years),
        streets={
            street: {year: TurnoverCounts(*by_year.get(year, [0, 0])) for year in years}
            for street, by_year in streets.items()
        },
        area={year: TurnoverCounts(*counts) for year, counts in area.items()},
        households_on_1_january={year: len(households) for year, households in on_1_january.items()},
    )


# --- Housing signals ------------------------------------------------------------------------------

FIT_TOO_SMALL = "too_small"
FIT_TOO_BIG = "too_big"
AGEING_NOT_FIT = "no"


@dataclass
class HousingCounts:
    """What the households of one group (an area, a complex) said of their homes. Counts of
    households; the satisfaction sum is for the mean."""

    households: int = 0  # households with a housing section in the period (the denominator)
    satisfaction_answered: int = 0
    satisfaction_sum: int = 0
    satisfied: int = 0  # 4 or 5
    dissatisfied: int = 0  # 1 or 2
    defects: dict[str, int] = field(default_factory=dict)  # defect category code → households
    wants_to_stay: int = 0
    wants_to_move: int = 0
    undecided: int = 0
    over_occupied: int = 0  # too small for the household
    under_occupied: int = 0  # too big for the household
    not_fit_for_ageing: int = 0

    @property
    def satisfaction_mean(self) -> Decimal | None:
        if not self.satisfaction_answered:
            return None
        return _one_decimal(Fraction(self.satisfaction_sum, self.satisfaction_answered))

    def add(self, answer: dict, defects: Iterable[str]) -> None:
        self.households += 1
        satisfaction = answer["satisfaction"]
        if satisfaction is not None:
            self.satisfaction_answered += 1
            self.satisfaction_sum += satisfaction
            self.satisfied += satisfaction >= 4
            self.dissatisfied += satisfaction <= 2
        for code in defects:
            self.defects[code] = self.defects.get(code, 0) + 1
        wish = answer["move_wish"]
        self.wants_to_stay += wish == MoveWish.STAY
        self.wants_to_move += wish == MoveWish.MOVE
        self.undecided += wish == MoveWish.UNDECIDED
        self.over_occupied += answer["fits_household"] == FIT_TOO_SMALL
        self.under_occupied += answer["fits_household"] == FIT_TOO_BIG
        self.not_fit_for_ageing += answer["fits_ageing"] == AGEING_NOT_FIT


@dataclass(frozen=True)
class HousingSignals:
    areas: dict[int, HousingCounts]  # area id → counts
    complexes: dict[tuple[int, str], HousingCounts]  # (area id, complex number; "" = not the association's)


def housing_signals(programme: Programme, period: Period, *, area_id: int | None = None) -> HousingSignals:
    """SPEC §2.7 housing signals, per area and per housing-association complex, in two queries: for
    every household, the housing section of its latest conversation held in the period that has one;
    the home is the address the household lived at on the day of that conversation. Counts of
    households; shares are over the households with a housing section. No health or police data,
    no name, no address: only the section on the home."""
    held_on = F("conversation__held_on")
    residence = "conversation__household__residences__"
    place = Q(**{f"{residence}address__area__programme": programme})
    if area_id is not None:
        place &= Q(**{f"{residence}address__area_id": area_id})
    # The household's latest conversation in the period with a housing section, chosen before the
    # area filter: a household that moved counts once, where it lived at that latest conversation.
    held = "conversation__held_on"
    later = HousingAnswer.objects.filter(
        Q(conversation__held_on__gt=OuterRef(held))
        | Q(conversation__held_on=OuterRef(held), conversation_id__gt=OuterRef("conversation_id")),
        conversation__household_id=OuterRef("conversation__household_id"),
        conversation__held_on__gte=period.start,
        conversation__held_on__lte=period.end,
    )
    answers = (
        HousingAnswer.objects.filter(
            ~Exists(later),
            place,
            Q(**{f"{residence}start_date__lte": held_on}),
            Q(**{f"{residence}end_date__isnull": True}) | Q(**{f"{residence}end_date__gt": held_on}),
            conversation__held_on__gte=period.start,
            conversation__held_on__lte=period.end,
        )
        .values(
            "pk",
            "conversation__household_id",
            "conversation__held_on",
            "conversation_id",
            "satisfaction",
            "move_wish",
            "fits_household",
            "fits_ageing",
            f"{residence}address__area_id",
            f"{residence}address__complex_number",
        )
        .order_by()
    )
    latest: dict[int, dict] = {}
    for row in answers:
        household = row["conversation__household_id"]
        key = (row["conversation__held_on"], row["conversation_id"])
        if household not in latest or key > (
            latest[household]["conversation__held_on"],
            latest[household]["conversation_id"],
        ):
            latest[household] = row
    defects: dict[int, list[str]] = {}
    through = HousingAnswer.defects.through
    for answer_id, code in through.objects.filter(
        housinganswer_id__in=[row["pk"] for row in latest.values()]
    ).values_list("housinganswer_id", "defectcategory__code"):
        defects.setdefault(answer_id, []).append(code)
    areas: dict[int, HousingCounts] = {}
    complexes: dict[tuple[int, str], HousingCounts] = {}
    for row in latest.values():
        area = row[f"{residence}address__area_id"]
        complex_number = row[f"{residence}address__complex_number"] or ""
        codes = defects.get(row["pk"], [])
        areas.setdefault(area, HousingCounts()).add(row, codes)
        complexes.setdefault((area, complex_number), HousingCounts()).add(row, codes)
    return HousingSignals(areas=areas, complexes=complexes)
