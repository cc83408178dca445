"""The living-room conversation (huiskamergesprek): interviews, answers, housing, proposals and
meldcode signals. The instruments it asks (domains, scale, ladder, cohesion statements, defect
categories) are reference data of their own floor, `stijging.instruments`."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stijging.accounts.models import Role, case_programme_ids
from stijging.instruments.models import (
    CohesionStatement,
    DefectCategory,
    Domain,
    InstrumentVersion,
    RungNonAnswer,
    ScoreOrNonAnswer,
    score_field,
    score_xor_non_answer,
)
from stijging.registry.models import Household, Person, Programme

# --- Answers ----------------------------------------------------------------------------------------


class AnsweredBy(models.TextChoices):
    SELF = "self", _("the person")
    CHILD = "child", _("the child")
    PARENT = "parent", _("a parent")
    BOTH = "both", _("the child and a parent")


class ConversationQuerySet(models.QuerySet["Conversation"]):
    def visible_to(self, user) -> ConversationQuerySet:
        """Deny by default: the case roles of the programme that held the conversation — not the
        programme the household lives in now (decision 0003)."""
        programmes = case_programme_ids(user)
        if not programmes:
            return self.none()
        return self.filter(programme_id__in=programmes)


class Conversation(models.Model):
    """One visit to one household. It exists once held: the date is the day of the visit."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="conversations")
    # The programme that held it: the record's scope, and the unit of the figures.
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("date of the conversation"))
    instrument_version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="+")
    workers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("project workers"), related_name="+")
    members_present = models.ManyToManyField(Person, verbose_name=_("members present"), related_name="+")
    informed = models.BooleanField(
        _("the residents were informed about the processing of their data (AVG art. 13)"), default=False
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ConversationQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["household", "held_on"])]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return f"{self.household_id} {self.held_on}"


class InterviewQuerySet(models.QuerySet["Interview"]):
    def visible_to(self, user) -> InterviewQuerySet:
        """Visible exactly when its conversation is (deny by default)."""
        programmes = case_programme_ids(user)
        if not programmes:
            return self.none()
        return self.filter(conversation__programme_id__in=programmes)


class Interview(models.Model):
    """One member's part of a conversation — every member, children included."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="interviews")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="interviews")
    answered_by = models.CharField(_("answered by"), max_length=10, choices=AnsweredBy.choices, default=AnsweredBy.SELF)
    rung = models.PositiveSmallIntegerField(
        _("rung on the Participatieladder"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    rung_non_answer = models.CharField(max_length=20, choices=RungNonAnswer.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    # One version per section, so saving one section never makes another look stale.
    domains_version = models.PositiveIntegerField(default=1)
    ladder_version = models.PositiveIntegerField(default=1)
    cohesion_version = models.PositiveIntegerField(default=1)

    objects = InterviewQuerySet.as_manager()

    class Meta:
        ordering = ["conversation", "id"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "person"], name="interview_one_per_person"),
            models.CheckConstraint(condition=Q(rung__isnull=True) | Q(rung_non_answer=""), name="rung_or_non_answer"),
        ]
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")

    def __str__(self) -> str:
        return f"interview {self.person_id} in {self.conversation_id}"


class DomainAnswer(ScoreOrNonAnswer):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="domain_answers")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    score = score_field()
    note = models.TextField(_("note"), blank=True)
    help_question = models.BooleanField(_("there is a help question"), default=False)
    help_question_text = models.TextField(_("the help question"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["interview", "domain"], name="answer_one_per_domain"),
            score_xor_non_answer(name="answer_score_xor_non_answer"),
        ]

    def __str__(self) -> str:
        return f"{self.domain_id}: {self.score or self.non_answer}"


class CohesionAnswer(ScoreOrNonAnswer):
    SCORE_FIELD = "value"

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="cohesion_answers")
    statement = models.ForeignKey(CohesionStatement, on_delete=models.PROTECT, related_name="+")
    value = score_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["interview", "statement"], name="cohesion_one_per_statement"),
            score_xor_non_answer(name="cohesion_value_xor_non_answer", field="value"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.value or self.non_answer}"


class MoveWish(models.TextChoices):
    STAY = "stay", _("wants to stay")
    MOVE = "move", _("wants to move")
    UNDECIDED = "undecided", _("undecided")


class HomeFit(models.TextChoices):
    FITS = "fits", _("fits the household")
    TOO_SMALL = "too_small", _("too small (over-occupied)")
    TOO_BIG = "too_big", _("too big (under-occupied)")


class AgeingFit(models.TextChoices):
    YES = "yes", _("fit for ageing (levensloopbestendig)")
    ADAPTABLE = "adaptable", _("fit for ageing after adaptation")
    NO = "no", _("not fit for ageing")


class HousingAnswer(models.Model):
    """The household's section on its home, for the housing association's real-estate strategy."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="housing")
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction with the home (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    defects = models.ManyToManyField(DefectCategory, verbose_name=_("defects"), blank=True, related_name="+")
    defects_note = models.TextField(_("about the defects"), blank=True)
    move_wish = models.CharField(_("wish to move or stay"), max_length=10, choices=MoveWish.choices, blank=True)
    move_reason = models.TextField(_("why"), blank=True)
    fits_household = models.CharField(_("fit for the household"), max_length=10, choices=HomeFit.choices, blank=True)
    fits_ageing = models.CharField(_("fit for ageing"), max_length=10, choices=AgeingFit.choices, blank=True)
    neighbour_relations = models.PositiveSmallIntegerField(
        _("relations with the neighbours (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    neighbour_note = models.TextField(_("about the neighbours"), blank=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"housing {self.conversation_id}"


class SectionSave(models.Model):
    """One save of one section, by its client-made key: a save replayed after the connection came
    back is recognised and never applied twice."""

    key = models.CharField(max_length=64, unique=True)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    section = models.CharField(max_length=60)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.key


class BaselineRevision(models.Model):
    """A change to a person's baseline (nulmeting: their first interview) made after a follow-up
    measurement compared against it. The previous values are kept here and the change carries a
    reason, so the social-rise figure never shifts silently under a trajectory."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="baseline_revisions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    section = models.CharField(max_length=20)  # domains | ladder
    reason = models.TextField(_("reason for the change"))
    # domains: {domain code: {"name", "score", "non_answer"}} of the changed domains;
    # ladder: {"rung": …, "rung_non_answer": …}
    previous = models.JSONField(default=dict)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["person", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.section} {self.changed_at:%Y-%m-%d}"


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("proposed")
    TAKEN_UP = "taken_up", _("trajectory opened")
    DECLINED = "declined", _("not taken up")


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def visible_to(self, user) -> ProposalQuerySet:
        """Deny by default. A case manager sees the proposals of their programmes; a project worker
        sees the ones they proposed there, to follow them up. The programme is the one whose
        conversation made the proposal."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        managed = user.programme_ids_with({Role.CASE_MANAGER})
        worked = user.programme_ids_with({Role.FIELDWORKER})
        if not (managed or worked):
            return self.none()
        condition = Q(pk__in=[])
        if managed:
            condition |= Q(programme_id__in=managed)
        if worked:
            condition |= Q(proposed_by=user) & Q(programme_id__in=worked)
        return self.filter(condition)


class Proposal(models.Model):
    """A help question from a conversation, proposed as a help trajectory for the case managers."""

    answer = models.OneToOneField(DomainAnswer, on_delete=models.CASCADE, related_name="proposal")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="proposals")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    question = models.TextField()
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"proposal {self.person_id} {self.domain_id}"


class MeldcodeKind(models.TextChoices):
    DOMESTIC_VIOLENCE = "domestic_violence", _("domestic violence")
    CHILD_ABUSE = "child_abuse", _("child abuse")


class MeldcodeSignal(models.Model):
    """A meldcode signal: its own flag, alerting the case managers at once. The system records the
    steps, never the report itself."""

    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="meldcode_signals")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of signal"), max_length=20, choices=MeldcodeKind.choices)
    persons = models.ManyToManyField(Person, verbose_name=_("persons concerned"), related_name="+")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"meldcode {self.kind} {self.conversation_id}"
