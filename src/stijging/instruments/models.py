"""The instruments: reference data that conversations, the door survey and the trajectories ask with.

The life domains with the ages they apply to, the self-sufficiency scale, the rungs of the
Participatieladder, the CBS cohesion statements and the housing defect categories are data,
versioned: an admin publishes a new version, and every answer keeps the version it was given in, so
old answers keep their meaning. This floor sits beneath outreach, conversations and cohesion and
imports none of them (decision 0002); its tables kept the names they had in `conversations`.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def localized(item, field: str) -> str:
    """Instrument texts are data in Dutch and English: the one of the active language."""
    return getattr(item, f"{field}_en" if (get_language() or "nl").startswith("en") else f"{field}_nl")


class InstrumentVersion(models.Model):
    number = models.PositiveIntegerField(unique=True)
    published_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("what changed"), max_length=500, blank=True)

    class Meta:
        db_table = "conversations_instrumentversion"  # the table it had in conversations (decision 0002)
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
        db_table = "conversations_domain"  # the table it had in conversations (decision 0002)
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
        db_table = "conversations_scalelevel"  # the table it had in conversations (decision 0002)
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
        db_table = "conversations_ladderrung"  # the table it had in conversations (decision 0002)
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
        db_table = "conversations_cohesionstatement"  # the table it had in conversations (decision 0002)
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
        db_table = "conversations_defectcategory"  # the table it had in conversations (decision 0002)
        ordering = ["version", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="defect_unique_code")]

    def __str__(self) -> str:
        return self.name_nl

    @property
    def name(self) -> str:
        return localized(self, "name")


class NonAnswer(models.TextChoices):
    """A missing answer is never a score: each gap says why."""

    NOT_DISCUSSED = "not_discussed", _("not discussed")
    NOT_APPLICABLE = "not_applicable", _("not applicable")
    DECLINED = "declined", _("declined to answer")


class RungNonAnswer(models.TextChoices):
    NOT_APPLICABLE = "not_applicable", _("not applicable (AOW age or full-time education)")
    NOT_DISCUSSED = "not_discussed", _("not discussed")
    DECLINED = "declined", _("declined to answer")


# --- Answers on a 5-point scale: a score, or a reason there is none -----------------------------------


def score_field() -> models.PositiveSmallIntegerField:
    """A value on one of the instruments' 5-point scales (self-sufficiency, agreement)."""
    return models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )


def score_xor_non_answer(*, name: str, field: str = "score") -> models.CheckConstraint:
    """The database's half of the rule: exactly one of a score and a non-answer."""
    given = {f"{field}__isnull": False}
    missing = {f"{field}__isnull": True}
    return models.CheckConstraint(
        condition=(Q(**given) & Q(non_answer="")) | (Q(**missing) & ~Q(non_answer="")), name=name
    )


class ScoreOrNonAnswer(models.Model):
    """An answer on a 5-point scale: a score, or an explicit non-answer saying why there is none —
    never both, never neither, so a gap is never counted as a score.

    The domain answers of an interview and of a follow-up measurement call their value `score`, the
    cohesion answers at home and at the door `value`: a subclass declares it with `score_field()`,
    names it in SCORE_FIELD, and puts `score_xor_non_answer(name=…, field=SCORE_FIELD)` in its
    constraints (each table keeps its own constraint name)."""

    SCORE_FIELD = "score"

    non_answer = models.CharField(max_length=20, choices=NonAnswer.choices, blank=True)

    class Meta:
        abstract = True

    @property
    def given_score(self) -> int | None:
        return getattr(self, self.SCORE_FIELD)
