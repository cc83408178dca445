"""Care: trajectory uptake, social rise and priority handling (SPEC §4)."""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from stijging.accounts.models import OrganisationKind
from stijging.conversations.models import DomainAnswer
from stijging.instruments.models import Domain, RungNonAnswer
from stijging.referrals.models import Referral
from stijging.referrals.states import ReferralStatus
from stijging.referrals.workingdays import working_days_between
from stijging.registry.models import HouseholdResidence, Person, Programme
from stijging.trajectories.models import Measurement, MeasurementScore, Trajectory

from .common import Period, _age_on, on_local_days, rate, shared
from .participation import _interviews

# --- Trajectory uptake ----------------------------------------------------------------------------


def _opened_in(period: Period) -> Q:
    """A trajectory opened in the period (local dates): a proposal alone is not a trajectory."""
    return on_local_days("opened_at", period)


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
    baseline, rows = rise_rows(programme, period, area_id)
    if not baseline:
        return SocialRise(followed=0, rose=0, equal=0, declined=0, at_top=0, not_applicable=0, no_rung=0, domains=())
    latest, counts = rise_counts(baseline, rows, period.end)

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


# (interview id, held on, rung, rung non-answer) of a person's baseline
Baseline = tuple[int, datetime.date, int | None, str]


def rise_rows(
    programme: Programme, period: Period, area_id: int | None = None
) -> tuple[dict[int, Baseline], list[tuple]]:
    """The two queries social rise is counted from: each person's baseline (see social_rise) and
    their measurements of the programme up to the period's end, newest first. Shared with the
    monthly series (common.rows_shared)."""
    return shared(("rise", programme.pk, period, area_id), lambda: _rise_rows(programme, period, area_id))


def _rise_rows(programme: Programme, period: Period, area_id: int | None) -> tuple[dict[int, Baseline], list[tuple]]:
    measurements = Measurement.objects.filter(programme=programme, measured_on__lte=period.end)
    baselines = (
        _interviews(programme, period, area_id)
        .filter(Q(rung__isnull=False) | Q(rung_non_answer=RungNonAnswer.NOT_APPLICABLE))
        .filter(Exists(measurements.filter(person_id=OuterRef("person_id"))))
        .order_by("person_id", "conversation__held_on", "pk")
        .values_list("pk", "person_id", "person__date_of_birth", "conversation__held_on", "rung", "rung_non_answer")
    )
    baseline: dict[int, Baseline] = {}
    for pk, person_id, born, held_on, rung_, non_answer in baselines:
        if person_id not in baseline and _age_on(born, held_on) >= RISE_MIN_AGE:
            baseline[person_id] = (pk, held_on, rung_, non_answer)
    if not baseline:
        return baseline, []
    rows = list(
        measurements.filter(person_id__in=list(baseline))
        .order_by("person_id", "-measured_on", "-pk")
        .values_list("pk", "person_id", "measured_on", "rung", "rung_non_answer")
    )
    return baseline, rows


# (measured on, measurement id, rung, rung non-answer): where a person's comparison stands from that
# day on (rise_steps)
Step = tuple[datetime.date, int, int | None, str]


def rise_steps(baseline: dict[int, Baseline], rows: list[tuple]) -> dict[int, list[Step]]:
    """Per person, oldest first, every measurement at least 90 days after the baseline, each with the
    rung to compare from that day on (see social_rise): the measurement itself is the latest (its
    domain scores are compared), and its rung — or, where it records no rung (the ladder question
    declined or not discussed), the rung of the latest earlier such measurement that does; if none
    does, its own (none). The comparison up to any day is the person's last step on or before it,
    so every shorter period (with the same start) comes from the same rows."""
    per_person: dict[int, list[tuple]] = {}
    for row in rows:  # newest first per person (rise_rows)
        per_person.setdefault(row[1], []).append(row)
    steps: dict[int, list[Step]] = {}
    for person_id, measurements in per_person.items():
        first_day = baseline[person_id][1] + datetime.timedelta(days=RISE_MIN_DAYS)
        recorded: tuple[int | None, str] | None = None
        out: list[Step] = []
        for pk, _, measured_on, rung_, non_answer in reversed(measurements):
            if measured_on < first_day:
                continue
            if rung_ is not None or non_answer == RungNonAnswer.NOT_APPLICABLE:
                recorded = (rung_, non_answer)
            out.append((measured_on, pk, *(recorded or (rung_, non_answer))))
        if out:
            steps[person_id] = out
    return steps


def rise_outcome(baseline: Baseline, after: int | None, after_non_answer: str) -> str:
    """How a followed person's rung compares (see social_rise), counted apart in this order: not
    applicable, at the top at baseline, no rung recorded; else rose, equal or declined."""
    _, _, before, before_non_answer = baseline
    na = RungNonAnswer.NOT_APPLICABLE
    if before_non_answer == na or after_non_answer == na:
        return "not_applicable"
    if before == TOP_RUNG:
        return "at_top"
    if after is None or before is None:
        return "no_rung"
    change = after - before
    return "rose" if change > 0 else "equal" if change == 0 else "declined"


RISE_OUTCOMES = ("rose", "equal", "declined", "at_top", "not_applicable", "no_rung")


def rise_counts(
    baseline: dict[int, Baseline], rows: list[tuple], upto: datetime.date
) -> tuple[dict[int, tuple[int, int | None, str]], dict[str, int]]:
    """The persons followed up to `upto` (their latest measurement id, the rung compared) and how
    their rung compares, from the rows of rise_rows: a measurement after `upto` does not count (nor,
    so, a baseline held after it: a counted measurement is 90 days after its baseline)."""
    latest: dict[int, tuple[int, int | None, str]] = {}
    for person_id, steps in rise_steps(baseline, rows).items():
        upto_then = [step for step in steps if step[0] <= upto]
        if upto_then:
            _, pk, rung_, non_answer = upto_then[-1]
            latest[person_id] = (pk, rung_, non_answer)
    counts = dict.fromkeys(RISE_OUTCOMES, 0)
    for person_id, (_, after, after_non_answer) in latest.items():
        counts[rise_outcome(baseline[person_id], after, after_non_answer)] += 1
    return latest, counts


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
    return handling_counts(handling_rows(programme, period, area_id), today)


def handling_rows(
    programme: Programme, period: Period, area_id: int | None = None, *, priority: bool = True
) -> list[tuple]:
    """The one query of priority_handling: the programme's priority referrals sent in the period
    (or, with priority=False, the others: referral_handling). Shared with the monthly series
    (common.rows_shared)."""
    return shared(
        ("handling", programme.pk, period, area_id, priority),
        lambda: _handling_rows(programme, period, area_id, priority),
    )


def _handling_rows(programme: Programme, period: Period, area_id: int | None, priority: bool) -> list[tuple]:
    return list(
        Referral.objects.filter(
            _person_lived_in_area(area_id),
            on_local_days("sent_at", period),
            programme=programme,
            priority=priority,
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


# How a referral stands against its service level (service_level_outcome): answered on or before
# its due date; missed (answered late, or withdrawn unanswered after the due date); or overdue
# (still sent, unanswered, today past its due date — missed as well). None: not decided yet, or
# withdrawn before its due date, so left out of the share.
WITHIN, MISSED, OVERDUE = "within", "missed", "overdue"


def service_level_outcome(
    answered_at: datetime.datetime | None,
    due: datetime.date | None,
    status: str,
    closed_at: datetime.datetime | None,
    today: datetime.date,
) -> str | None:
    """The one classification of a referral against its service level (SPEC §4 "Priority
    handling"), used by handling_counts and by the monthly series (kpis.series)."""
    if answered_at is not None:
        return WITHIN if due is None or timezone.localdate(answered_at) <= due else MISSED
    if due is not None and status == ReferralStatus.SENT and today > due:
        return OVERDUE
    if due is not None and closed_at is not None and timezone.localdate(closed_at) > due:
        return MISSED  # withdrawn unanswered, after the due date had passed
    return None


def handling_counts(
    rows: list[tuple], today: datetime.date, upto: datetime.date | None = None
) -> tuple[PartnerHandling, ...]:
    """Priority handling per partner from the rows of handling_rows (those sent up to `upto`)."""
    per: dict[int, dict] = {}
    for organisation_id, name, sent_at, answered_at, due, status, closed_at, kind in rows:
        if upto is not None and timezone.localdate(sent_at) > upto:
            continue
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
            o["days"].append(working_days_between(timezone.localdate(sent_at), timezone.localdate(answered_at)))
        outcome = service_level_outcome(answered_at, due, status, closed_at, today)
        if outcome == WITHIN:
            o["within"] += 1
        elif outcome is not None:
            o["missed"] += 1
            if outcome == OVERDUE:
                o["overdue"] += 1
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


def referral_handling(
    programme: Programme, period: Period, area_id: int | None = None, today: datetime.date | None = None
) -> tuple[PartnerHandling, ...]:
    """The referrals *without* priority, per partner organisation, sent in the period (local dates):
    sent, answered (accepted or declined) and the median working days sent → answered, counted as
    for priority handling, in one query. They have no service level, so no share within it and
    nothing overdue (those fields are 0 here and not shown)."""
    today = today or timezone.localdate()
    return tuple(
        PartnerHandling(
            organisation_id=h.organisation_id,
            organisation=h.organisation,
            sent=h.sent,
            answered=h.answered,
            median_working_days=h.median_working_days,
            within=0,
            missed=0,
            overdue_now=0,
            special=h.special,
        )
        for h in handling_counts(handling_rows(programme, period, area_id, priority=False), today)
    )
