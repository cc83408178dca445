"""Help trajectories: one per person and question, with a case manager, goals per life domain,
actions, a journal, and follow-up measurements that re-score the domains and the rung.

Scope (deny by default): the case roles of the trajectory's programme. Partners never see a
trajectory; what a partner sees comes through a referral (the referrals app).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stijging.accounts.models import case_programme_ids
from stijging.conversations.models import Proposal
from stijging.instruments.models import Domain, RungNonAnswer, ScoreOrNonAnswer, score_field, score_xor_non_answer
from stijging.privacy.models import LegalGround
from stijging.registry.models import Person, Programme

from .states import ClosingOutcome, TrajectoryStatus

# A trajectory without any recorded activity for this long shows on the caseload.
INACTIVITY_DAYS = 42
DEFAULT_FOLLOW_UP_DAYS = 90


class TrajectoryQuerySet(models.QuerySet["Trajectory"]):
    def visible_to(self, user) -> TrajectoryQuerySet:
        """The case roles of the trajectory's programme; nobody else (partners never)."""
        programmes = case_programme_ids(user)
        if not programmes:
            return self.none()
        return self.filter(programme_id__in=programmes)

    def not_closed(self) -> TrajectoryQuerySet:
        return self.exclude(status=TrajectoryStatus.CLOSED)


class Trajectory(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="trajectories")
    # The programme the person lived in when it opened: the scope, and the unit of the figures.
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    case_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("case manager"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=TrajectoryStatus.choices, default=TrajectoryStatus.OPEN
    )
    outcome = models.CharField(_("closing outcome"), max_length=20, choices=ClosingOutcome.choices, blank=True)
    outcome_text = models.CharField(_("outcome, in short"), max_length=200, blank=True)
    follow_up_interval_days = models.PositiveSmallIntegerField(
        _("follow-up measurement every (days)"),
        default=DEFAULT_FOLLOW_UP_DAYS,
        validators=[MinValueValidator(14), MaxValueValidator(730)],
    )
    # Kept up to date by the services, so that the caseload asks indexed questions.
    next_measurement_on = models.DateField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    source_proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="trajectories"
    )
    # Help rests on the person's consent to receive it, or else on this ground of the closed list.
    legal_ground = models.ForeignKey(
        LegalGround, verbose_name=_("legal ground"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = TrajectoryQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["case_manager", "status"]),
            models.Index(fields=["programme", "opened_at"]),
            models.Index(fields=["person", "status"]),
            # The caseload's lists (selectors.caseload_of): a case manager's open trajectories
            # in their programme, newest activity first, read from the index alone. At a region's
            # size the (case_manager, status) index made each list visit every open trajectory's
            # row: 6.5 ms for the first page against 1 ms. The due date is a last key column, not an
            # INCLUDE, which SQLite does not know (a warning on every command there).
            models.Index(
                fields=["case_manager", "programme", "-last_activity_at", "id", "next_measurement_on"],
                condition=~Q(status="closed"),
                name="trajectory_caseload_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False) & ~Q(outcome="")
                | (~Q(status="closed") & Q(outcome="")),
                name="trajectory_closed_has_outcome",
            ),
        ]
        verbose_name = _("help trajectory")
        verbose_name_plural = _("help trajectories")

    def __str__(self) -> str:
        return f"trajectory {self.pk}"

    @property
    def is_closed(self) -> bool:
        return self.status == TrajectoryStatus.CLOSED


class TrajectoryEvent(models.Model):
    """One transition of the state machine: from, to, when, by whom (and the outcome on closing)."""

    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=10, choices=TrajectoryStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=TrajectoryStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=20, choices=ClosingOutcome.choices, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status}→{self.to_status}"


class Goal(models.Model):
    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="goals")
    domain = models.ForeignKey(Domain, verbose_name=_("life domain"), on_delete=models.PROTECT, related_name="+")
    target = models.CharField(_("goal"), max_length=500)
    target_score = models.PositiveSmallIntegerField(
        _("target self-sufficiency score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.target


class ActionStatus(models.TextChoices):
    OPEN = "open", _("to do")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class Action(models.Model):
    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"]), models.Index(fields=["owner", "status"])]

    def __str__(self) -> str:
        return self.description


class JournalNote(models.Model):
    trajectory = models.ForeignKey(Trajectory, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("note"), max_length=4000)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"note {self.pk}"


class MeasurementQuerySet(models.QuerySet["Measurement"]):
    def visible_to(self, user) -> MeasurementQuerySet:
        programmes = case_programme_ids(user)
        if not programmes:
            return self.none()
        return self.filter(programme_id__in=programmes)


class Measurement(models.Model):
    """A follow-up measurement (vervolgmeting): the rung and the domain scores again. The baseline
    (nulmeting) is the conversation's interview."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="measurements")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    measured_on = models.DateField(_("measured on"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rung = models.PositiveSmallIntegerField(
        _("rung on the Participatieladder"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    rung_non_answer = models.CharField(max_length=20, choices=RungNonAnswer.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MeasurementQuerySet.as_manager()

    class Meta:
        ordering = ["-measured_on", "-id"]
        indexes = [models.Index(fields=["person", "measured_on"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(rung__isnull=False) & Q(rung_non_answer=""))
                | (Q(rung__isnull=True) & ~Q(rung_non_answer="")),
                name="measurement_rung_xor_non_answer",
            ),
        ]
        verbose_name = _("follow-up measurement")
        verbose_name_plural = _("follow-up measurements")

    def __str__(self) -> str:
        return f"measurement {self.person_id} {self.measured_on}"


class MeasurementScore(ScoreOrNonAnswer):
    measurement = models.ForeignKey(Measurement, on_delete=models.CASCADE, related_name="scores")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    score = score_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["measurement", "domain"], name="measurement_one_per_domain"),
            score_xor_non_answer(name="measurement_score_xor_non_answer"),
        ]

    def __str__(self) -> str:
        return f"{self.domain_id}: {self.score or self.non_answer}"
