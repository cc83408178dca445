"""The neighbourhood track (SPEC §2.6): cohesion activities, the people who take part in them and
volunteer, and the waves of the cohesion survey held at the door.

Participants and volunteers are records of their own, kept by the neighbourhood coordinator, who
sees no case data. Such a record points at a registry person only when that person (a parent, for a
child) agreed to the link; then, and only then, the person's case manager may see that they volunteer.

The cohesion statements themselves are instrument data (stijging.instruments, the floor beneath);
a door wave asks the same statements as the living-room conversation, so its answers point at them
and keep the version they were given in (docs/decisions/0002-the-instruments-are-their-own-floor.md).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stijging.instruments.models import CohesionStatement, ScoreOrNonAnswer, score_field, score_xor_non_answer
from stijging.registry.models import Area, Person, Programme, Street


class ActivityKind(models.Model):
    """The kinds of activity are data (seeded by a migration; the administrator may add more)."""

    code = models.SlugField(max_length=40, unique=True)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("kind of activity")
        verbose_name_plural = _("kinds of activity")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl


class ConsentBy(models.TextChoices):
    SELF = "self", _("the person")
    PARENT = "parent", _("a parent or guardian (under 16)")


class Participant(models.Model):
    """A resident who takes part in activities or volunteers: name, contact and the consent under
    which the coordinator keeps them (a parent's for a child under 16)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="participants")
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("street")
    )
    is_child = models.BooleanField(_("under 16"), default=False)
    consent_given_on = models.DateField(_("consent given on"))
    consent_given_by = models.CharField(_("consent given by"), max_length=10, choices=ConsentBy.choices)
    parent_name = models.CharField(_("name of the parent or guardian"), max_length=200, blank=True)
    volunteer = models.BooleanField(_("volunteer"), default=False)
    # The link to the registry: only when the person (a parent) agreed, and dated so it can be shown.
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    link_consent_on = models.DateField(_("agreed to the link on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["programme", "name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=True) | Q(link_consent_on__isnull=False), name="participant_link_consented"
            ),
            models.CheckConstraint(
                condition=Q(is_child=False) | Q(consent_given_by="parent"), name="participant_child_parent_consent"
            ),
        ]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return self.name


class ActivitySeries(models.Model):
    """A repeating activity (the weekly children's group), entered once: its dates are made from it."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="activity_series")
    kind = models.ForeignKey(ActivityKind, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    first_date = models.DateField(_("first date"))
    last_date = models.DateField(_("last date"))
    every_weeks = models.PositiveSmallIntegerField(
        _("every how many weeks"), default=1, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("series of activities")
        verbose_name_plural = _("series of activities")

    def __str__(self) -> str:
        return self.title


class ActivityQuerySet(models.QuerySet["Activity"]):
    def of_programme(self, programme_id: int) -> ActivityQuerySet:
        return self.filter(programme_id=programme_id)


class Activity(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="activities")
    kind = models.ForeignKey(ActivityKind, on_delete=models.PROTECT, related_name="activities", verbose_name=_("kind"))
    series = models.ForeignKey(
        ActivitySeries, on_delete=models.CASCADE, null=True, blank=True, related_name="activities"
    )
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"))
    streets = models.ManyToManyField(Street, verbose_name=_("streets"), related_name="activities")
    organiser = models.CharField(
        _("organiser"), max_length=200, help_text=_("Who organises it: residents, a partner, the programme.")
    )
    participant_count = models.PositiveIntegerField(
        _("number of participants"),
        default=0,
        help_text=_("Everyone who took part, also those not registered by name below."),
    )
    note = models.TextField(_("note"), blank=True)
    participants = models.ManyToManyField(
        Participant, verbose_name=_("participants by name"), blank=True, related_name="activities"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["programme", "date"])]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return f"{self.title} ({self.date})"


class VolunteerHours(models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="hours")
    date = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="volunteer_hours"
    )
    what = models.CharField(_("what"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["participant", "date"])]
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=24), name="hours_in_a_day")]
        verbose_name = _("volunteer hours")
        verbose_name_plural = _("volunteer hours")

    def __str__(self) -> str:
        return f"{self.participant_id} {self.date} {self.hours}"


class Wave(models.Model):
    """A dated round of the cohesion survey. Conversations held in its dates count in it, and so do
    the answers a coordinator records at the door during it. Waves of a programme do not overlap."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="waves")
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="wave_dates")]
        verbose_name = _("wave")
        verbose_name_plural = _("waves")

    def __str__(self) -> str:
        return self.name


class WaveResponse(models.Model):
    """One respondent of 15 or older at the door: anonymous, known only by area and street."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    answered_on = models.DateField(_("date"))
    instrument_version = models.PositiveIntegerField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["area", "answered_on"])]
        verbose_name = _("door response")
        verbose_name_plural = _("door responses")

    def __str__(self) -> str:
        return f"response {self.pk} in wave {self.wave_id}"


class WaveAnswer(ScoreOrNonAnswer):
    SCORE_FIELD = "value"

    response = models.ForeignKey(WaveResponse, on_delete=models.CASCADE, related_name="answers")
    statement = models.ForeignKey(CohesionStatement, on_delete=models.PROTECT, related_name="+")
    value = score_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "statement"], name="wave_answer_one_per_statement"),
            score_xor_non_answer(name="wave_answer_value_xor_non_answer", field="value"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.value or self.non_answer}"
