"""The living-room conversation (huiskamergesprek) and the instruments it uses.

Instruments — the life domains with the ages they apply to, the self-sufficiency scale, the rungs of
the Participatieladder, the CBS cohesion statements and the housing defect categories — are data,
versioned: an admin publishes a new version, and every answer keeps the version it was given in, so
old answers keep their meaning.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stijging.accounts.models import Role, case_programme_ids
from stijging.registry.models import Household, Person, Programme

# --- Instruments ----------------------------------------------------------------------------------


def localized(item, field: str) -> str:
    """Instrument texts are data in Dutch and English: the one of the active language."""
    return getattr(item, f"{field}_en" if (get_language() or "nl").startswith("en") else f"{field}_nl")


class InstrumentVersion(models.Model):
    number = models.PositiveIntegerField(unique=True)
    published_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("what changed"), max_length=500, blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("instrument version")
        verbose_name_plural = _("instrument versions")

    def __str__(self) -> str:
        return f"v{self.number}"


class Domain(models.Model):
    """A life domain of the seed, with the ages it applies to (inclusive)."""

    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="domains")
    code = models.SlugField(max_length=40)
    name_nl = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    min_age = models.PositiveSmallIntegerField(default=0)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="domain_unique_code")]

    def __str__(self) -> str:
        return self.name_nl

    def applies_to(self, age: int) -> bool:
        return age >= self.min_age and (self.max_age is None or age <= self.max_age)

    @property
    def name(self) -> str:
        return localized(self, "name")


class ScaleLevel(models.Model):
    """The 5-point self-sufficiency scale (level labels only; licensed criteria can be loaded by an admin)."""

    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="scale_levels")
    value = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    label_nl = models.CharField(max_length=100)
    label_en = models.CharField(max_length=100)
    criteria = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "value"]
        constraints = [models.UniqueConstraint(fields=["version", "value"], name="scale_unique_value")]

    def __str__(self) -> str:
        return f"{self.value} {self.label_nl}"

    @property
    def label(self) -> str:
        return localized(self, "label")


class LadderRung(models.Model):
    """A rung of the Participatieladder (VNG/Divosa): 1 geïsoleerd … 6 betaald werk zonder ondersteuning."""

    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="rungs")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(6)])
    label_nl = models.CharField(max_length=100)
    label_en = models.CharField(max_length=100)

    class Meta:
        ordering = ["version", "number"]
        constraints = [models.UniqueConstraint(fields=["version", "number"], name="rung_unique_number")]

    def __str__(self) -> str:
        return f"{self.number} {self.label_nl}"

    @property
    def label(self) -> str:
        return localized(self, "label")


class CohesionStatement(models.Model):
    """One of the six CBS Veiligheidsmonitor social-cohesion statements (5-point agreement)."""

    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="cohesion_statements")
    code = models.SlugField(max_length=40)
    text_nl = models.CharField(max_length=300)
    text_en = models.CharField(max_length=300)
    reverse_coded = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="statement_unique_code")]

    def __str__(self) -> str:
        return self.text_nl

    @property
    def text(self) -> str:
        return localized(self, "text")


class DefectCategory(models.Model):
    version = models.ForeignKey(InstrumentVersion, on_delete=models.PROTECT, related_name="defect_categories")
    code = models.SlugField(max_length=40)
    name_nl = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="defect_unique_code")]

    def __str__(self) -> str:
        return self.name_nl

    @property
    def name(self) -> str:
        return localized(self, "name")


# --- Answers ----------------------------------------------------------------------------------------


class NonAnswer(models.TextChoices):
    """A missing answer is never a score: each gap says why."""

    NOT_DISCUSSED = "not_discussed", _("not discussed")
    NOT_APPLICABLE = "not_applicable", _("not applicable")
    DECLINED = "declined", _("declined to answer")


class RungNonAnswer(models.TextChoices):
    NOT_APPLICABLE = "not_applicable", _("not applicable (AOW age or full-time education)")
    NOT_DISCUSSED = "not_discussed", _("not discussed")
    DECLINED = "declined", _("declined to answer")


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


class DomainAnswer(models.Model):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="domain_answers")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    non_answer = models.CharField(max_length=20, choices=NonAnswer.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    help_question = models.BooleanField(_("there is a help question"), default=False)
    help_question_text = models.TextField(_("the help question"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["interview", "domain"], name="answer_one_per_domain"),
            # Exactly one of: a score, or an explicit non-answer.
            models.CheckConstraint(
                condition=(Q(score__isnull=False) & Q(non_answer="")) | (Q(score__isnull=True) & ~Q(non_answer="")),
                name="answer_score_xor_non_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.domain_id}: {self.score or self.non_answer}"


class CohesionAnswer(models.Model):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="cohesion_answers")
    statement = models.ForeignKey(CohesionStatement, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    non_answer = models.CharField(max_length=20, choices=NonAnswer.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["interview", "statement"], name="cohesion_one_per_statement"),
            models.CheckConstraint(
                condition=(Q(value__isnull=False) & Q(non_answer="")) | (Q(value__isnull=True) & ~Q(non_answer="")),
                name="cohesion_value_xor_non_answer",
            ),
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
