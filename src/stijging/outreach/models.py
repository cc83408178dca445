"""Outreach: contact attempts, appointments and revisits, the household's derived outreach status,
and per-address notes for the workers' own safety.

The outreach status is never typed: `status.derive()` computes it from the attempts and appointments,
and `HouseholdOutreach` keeps the result so lists and counts over a whole region stay one query.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stijging.accounts.models import case_programme_ids
from stijging.registry.models import Address, Household, Programme


class CaseRecordQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A case record belongs to the programme that made it: its case roles see it, nobody else
        (not the programme a household moved to, nor the one it came from)."""
        programmes = case_programme_ids(user)
        if not programmes:
            return self.none()
        return self.filter(programme_id__in=programmes)


class Channel(models.TextChoices):
    LETTER = "letter", _("letter")
    DOORBELL = "doorbell", _("doorbell")
    PHONE = "phone", _("phone")
    EMAIL = "email", _("e-mail")
    OTHER = "other", _("other")


class Outcome(models.TextChoices):
    NOT_HOME = "not_home", _("not at home")
    APPOINTMENT = "appointment", _("appointment made")
    REFUSED = "refused", _("refused")
    OBJECTED = "objected", _("objected (AVG art. 21)")
    MOVED = "moved", _("moved away")
    UNREACHABLE = "unreachable", _("not reachable")
    HELD = "held", _("conversation held")


class ContactAttempt(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="contact_attempts")
    # The programme whose worker made the attempt: the record's scope (decision 0003).
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    channel = models.CharField(_("how"), max_length=10, choices=Channel.choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("project worker"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CaseRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["household", "date"])]
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")

    def __str__(self) -> str:
        return f"{self.date} {self.channel} {self.outcome}"


class AppointmentKind(models.TextChoices):
    VISIT = "visit", _("first visit")
    REVISIT = "revisit", _("revisit")


class RevisitReason(models.TextChoices):
    """Why a revisit is planned: the categories its figure is split by (monitoring)."""

    HELP_QUESTION = "help_question", _("follow up a help question")
    FINISH = "finish", _("finish the conversation (members not yet spoken to)")
    PAPERS = "papers", _("bring or collect papers or information")
    REFERRAL = "referral", _("accompany a referral (warm hand-over)")
    OTHER = "other", _("other reason")


class AppointmentStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class Appointment(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="appointments")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("project worker"),
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=60)
    kind = models.CharField(_("kind"), max_length=10, choices=AppointmentKind.choices, default=AppointmentKind.VISIT)
    status = models.CharField(max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.PLANNED)
    # A revisit's reason, planned from a conversation (the conversation's id, kept as a plain number
    # because conversations sit a floor above outreach).
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # A revisit's kind of reason; none (NULL) on revisits planned before the categories existed and on
    # first visits.
    reason_category = models.CharField(
        _("kind of reason"), max_length=20, choices=RevisitReason.choices, null=True, blank=True
    )
    source_conversation_id = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When it was cancelled: a cancellation can be undone on the same day (one tap too many at the door).
    cancelled_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = CaseRecordQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["worker", "starts_at"]),
            models.Index(fields=["household", "status"]),
        ]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.household_id}"

    @property
    def cancellation_undoable(self) -> bool:
        return (
            self.status == AppointmentStatus.CANCELLED
            and self.cancelled_at is not None
            and timezone.localdate(self.cancelled_at) == timezone.localdate()
        )

    @property
    def ends_at(self):
        import datetime

        return self.starts_at + datetime.timedelta(minutes=self.duration_minutes)


class OutreachStatus(models.TextChoices):
    NOT_APPROACHED = "not_approached", _("not approached yet")
    ATTEMPTED = "attempted", _("not reached yet")
    APPOINTMENT = "appointment", _("appointment planned")
    REACHED = "reached", _("conversation held")
    REFUSED = "refused", _("refused")
    MOVED = "moved", _("moved away")
    OBJECTED = "objected", _("objected: do not contact")


# The statuses that keep a household on walking lists and in agendas.
OPEN_STATUSES = (OutreachStatus.NOT_APPROACHED, OutreachStatus.ATTEMPTED, OutreachStatus.APPOINTMENT)


class HouseholdOutreach(models.Model):
    """The derived outreach status of one household (see status.derive), kept for fast lists."""

    household = models.OneToOneField(Household, on_delete=models.CASCADE, primary_key=True, related_name="outreach")
    status = models.CharField(max_length=20, choices=OutreachStatus.choices, default=OutreachStatus.NOT_APPROACHED)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_on = models.DateField(null=True, blank=True)
    do_not_contact = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.status}"


class AddressNote(models.Model):
    """For the workers' own safety, and whether an interpreter is needed. Workers only; never shown
    to partners, coordinators or managers, never in an aggregate."""

    address = models.OneToOneField(Address, on_delete=models.CASCADE, related_name="worker_note")
    safety_note = models.TextField(_("safety note for workers"), blank=True)
    interpreter_needed = models.BooleanField(_("interpreter needed"), default=False)
    interpreter_language = models.CharField(_("language"), max_length=60, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("address note")
        verbose_name_plural = _("address notes")
        constraints = [
            models.CheckConstraint(
                condition=Q(interpreter_needed=True) | Q(interpreter_language=""), name="language_only_with_interpreter"
            )
        ]

    def __str__(self) -> str:
        return f"note {self.address_id}"
