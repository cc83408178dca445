"""The programme's figures, each defined once, exactly as SPEC §4 says (docs/kpis.md has a worked
example). Every screen, report and API takes its figures from here.

The reference period is the programme's period (up to today) unless a filter narrows it; the
reference date for "in scope" is the end of that period.
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from stijging.conversations.models import Conversation, Domain, DomainAnswer, Interview, RungNonAnswer

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


def _lives_in_programme_on(programme: Programme, on: datetime.date) -> Q:
    return Q(
        Exists(
            HouseholdResidence.objects.filter(
                current_on(on), household=OuterRef("pk"), address__area__programme=programme
            )
        )
    )


def households_in_scope(programme: Programme, period: Period) -> QuerySet[Household]:
    """Households registered as living, on the reference date, at an address in the programme's areas."""
    return Household.objects.filter(_lives_in_programme_on(programme, period.end))


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


def participation(programme: Programme, period: Period) -> Participation:
    """Households reached (≥ 1 held conversation in the period) ÷ households in scope."""
    in_scope = households_in_scope(programme, period)
    held = Conversation.objects.filter(_held_in(period), household=OuterRef("pk"))
    counts = in_scope.aggregate(n=Count("pk"), reached=Count("pk", filter=Q(Exists(held))))
    on = period.end
    addresses = Address.objects.filter(area__programme=programme, retired_on__isnull=True)
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


def _interviews(programme: Programme, period: Period) -> QuerySet[Interview]:
    """Interviews in conversations held in the period with households of this programme."""
    return Interview.objects.filter(
        Exists(
            Conversation.objects.filter(
                _held_in(period),
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


def visits(programme: Programme, period: Period) -> Visits:
    """Persons visited: members, children included, with an interview in a held conversation in the
    period. Persons with at least one help question among them."""
    interviews = _interviews(programme, period)
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


def trajectory_uptake(programme: Programme, period: Period) -> Uptake:
    """Persons in a help trajectory: persons visited (as in `visits`) with at least one trajectory of
    this programme opened in the period. Uptake = in a trajectory ÷ persons visited."""
    visited = Person.objects.filter(Exists(_interviews(programme, period).filter(person_id=OuterRef("pk"))))
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
    no_rung: int  # the latest measurement records no rung (declined / not discussed)
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


def social_rise(programme: Programme, period: Period) -> SocialRise:
    """SPEC §4 "Social rise", in five queries whatever the number of persons.

    Baseline: the person's first interview (earliest held conversation in the period with a household
    of the programme) at age 16+ whose ladder was answered — a rung, or marked not applicable; a
    declined or undiscussed ladder is a gap, not a baseline. Persons with a baseline and at least
    one measurement of this programme at least 90 days after the baseline and up to the period end.
    The latest such measurement is compared with the baseline: its rung − the baseline rung ≥ 1
    rose, 0 equal, < 0 declined. Counted apart, in this order: not applicable (at baseline or at the
    latest measurement), rung 6 at baseline, and no rung at the latest measurement.
    Per domain (by code): latest measurement score − baseline score, where both are scores.
    """
    measurements = Measurement.objects.filter(programme=programme, measured_on__lte=period.end)
    baselines = (
        _interviews(programme, period)
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

    latest: dict[int, tuple[int, int | None, str]] = {}
    rows = measurements.filter(person_id__in=list(baseline)).order_by("person_id", "-measured_on", "-pk")
    for pk, person_id, measured_on, rung_, non_answer in rows.values_list(
        "pk", "person_id", "measured_on", "rung", "rung_non_answer"
    ):
        if person_id not in latest and measured_on >= baseline[person_id][1] + datetime.timedelta(days=RISE_MIN_DAYS):
            latest[person_id] = (pk, rung_, non_answer)

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

    @property
    def within_share(self) -> Decimal | None:
        """Answered within the service level ÷ referrals whose service level has been decided."""
        return rate(self.within, self.within + self.missed)


def priority_handling(
    programme: Programme, period: Period, today: datetime.date | None = None
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
            programme=programme, priority=True, sent_at__date__gte=period.start, sent_at__date__lte=period.end
        )
        .order_by("organisation__name", "organisation_id")
        .values_list(
            "organisation_id", "organisation__name", "sent_at", "answered_at", "answer_due_on", "status", "closed_at"
        )
    )
    per: dict[int, dict] = {}
    for organisation_id, name, sent_at, answered_at, due, status, closed_at in rows:
        o = per.setdefault(
            organisation_id, {"name": name, "sent": 0, "days": [], "within": 0, "missed": 0, "overdue": 0}
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
        )
        for organisation_id, o in per.items()
    )
