"""Referrals to partner organisations, their service levels and their history.

Scope (deny by default): the case roles of the referral's programme; and a partner user sees a
referral only while an active AccessGrant for it opens it to their own organisation — the same grant
that opens the person to them. Withdrawing the referral revokes the grant: both disappear at once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stijging.accounts.models import CASE_ROLES, Organisation, Role
from stijging.instruments.models import Domain
from stijging.privacy.models import AccessGrant, Consent, LegalGround
from stijging.registry.models import Person, Programme
from stijging.trajectories.models import Trajectory

from .states import ReferralCode, ReferralStatus

GRANT_REASON = "referral"
DEFAULT_PRIORITY_WORKING_DAYS = 3
# Days a partner keeps a closed (declined, returned, completed) referral open to write its report.
DEFAULT_ACCESS_DAYS_AFTER_CLOSING = 30


class ServiceLevel(models.Model):
    """How fast an organisation answers a priority referral (accepts or declines), in working days."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="service_level")
    priority_working_days = models.PositiveSmallIntegerField(
        _("working days to answer a priority referral"),
        default=DEFAULT_PRIORITY_WORKING_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    access_days_after_closing = models.PositiveSmallIntegerField(
        _("days the partner keeps a closed referral open"),
        default=DEFAULT_ACCESS_DAYS_AFTER_CLOSING,
        validators=[MinValueValidator(0), MaxValueValidator(90)],
    )

    class Meta:
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")

    def __str__(self) -> str:
        return f"{self.organisation}: {self.priority_working_days}"


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _partner_scope(user) -> Q | None:
    """Referrals addressed to the user's organisation in programmes where the user is a partner:
    the role held in the referral's own programme and organisation, never "a partner somewhere"."""
    programmes = user.programme_ids_with({Role.PARTNER})
    if not (user.organisation_id and programmes):
        return None
    return Q(organisation_id=user.organisation_id, programme_id__in=programmes)


def _active_grant() -> Exists:
    """An active grant of this referral to its organisation, made in the referral's programme (which
    `_partner_scope` has already limited to the user's partner programmes): a grant of another
    programme, stale or written wrong, opens nothing. Served by the grant's unique reason index."""
    return Exists(
        AccessGrant.objects.active().filter(
            reason_type=GRANT_REASON,
            reason_id=OuterRef("pk"),
            organisation_id=OuterRef("organisation_id"),
            programme_id=OuterRef("programme_id"),
        )
    )


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, user) -> ReferralQuerySet:
        if not _active(user):
            return self.none()
        condition = Q(pk__in=[])
        case_programmes = user.programme_ids_with(CASE_ROLES)
        if case_programmes:
            condition |= Q(programme_id__in=case_programmes)
        partner = _partner_scope(user)
        if partner is not None:
            condition |= partner & Q(_active_grant())
        return self.filter(condition)

    def for_partner(self, user) -> ReferralQuerySet:
        """Only what is addressed to the user's organisation, opened by an active grant (a partner who
        also holds a case role still gets an inbox of their own organisation's referrals only)."""
        if not _active(user):
            return self.none()
        partner = _partner_scope(user)
        if partner is None:
            return self.none()
        return self.filter(partner).filter(_active_grant())

    def withdrawn_for_partner(self, user) -> ReferralQuerySet:
        """Referrals addressed to the partner whose consent was withdrawn: the partner may learn that
        much (to stop its work), nothing of the person."""
        if not _active(user):
            return self.none()
        partner = _partner_scope(user)
        if partner is None:
            return self.none()
        return self.filter(partner).filter(consent__withdrawn_on__isnull=False)


class Referral(models.Model):
    trajectory = models.ForeignKey(Trajectory, on_delete=models.PROTECT, related_name="referrals")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("partner organisation"), on_delete=models.PROTECT, related_name="referrals"
    )
    domain = models.ForeignKey(Domain, verbose_name=_("life domain"), on_delete=models.PROTECT, related_name="+")
    question = models.TextField(_("question to the partner"), max_length=1000)
    priority = models.BooleanField(_("priority"), default=False)
    consent = models.ForeignKey(
        Consent, verbose_name=_("consent"), null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    legal_ground = models.ForeignKey(
        LegalGround, verbose_name=_("legal ground"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.SENT)
    code = models.CharField(_("reason or outcome"), max_length=20, choices=ReferralCode.choices, blank=True)
    code_text = models.CharField(_("in short (only for “other”)"), max_length=200, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    # The last working day of the service level (priority referrals only), fixed when sent.
    answer_due_on = models.DateField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(default=1)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status", "sent_at"]),
            models.Index(fields=["trajectory", "status"]),
            models.Index(
                fields=["answer_due_on"], name="referral_priority_open_idx", condition=Q(status="sent", priority=True)
            ),
            # The partner's inbox, in its own order, led by the programme (the inbox is always of the
            # partner's programmes) and the organisation: measured 114 ms → 4 ms for an organisation with
            # 52,000 referrals (benchmarks/, 400,000 households). With the organisation first, a second
            # region in the database made PostgreSQL walk the programme's referrals instead (status
            # "in progress": 90 → 22 ms with the programme first, two regions; decision 0010).
            models.Index(
                fields=["programme", "organisation", "-priority", "answer_due_on", "-sent_at", "-id"],
                name="referral_inbox_idx",
            ),
            # The inbox filtered by one status, in the same order: without it a rare status (or one whose
            # grants are all revoked, e.g. withdrawn) walked the whole organisation's inbox index,
            # measured 954 ms → 9 ms for "withdrawn" at 52,000 referrals (benchmarks/, 400,000 households).
            models.Index(
                fields=["programme", "organisation", "status", "-priority", "answer_due_on", "-sent_at", "-id"],
                name="referral_inbox_status_idx",
            ),
            # The API's inbox (newest first, cursor on id), led by the client's programme as well as its
            # organisation: with a second region in the database the organisation's referrals of every
            # programme were walked backwards along the primary key (p95 36 → 237 ms,
            # docs/decisions/0010-national-scale.md). The programme comes first: its rows lie together
            # in the table, so PostgreSQL's estimate finds this index cheap exactly when the walk by id
            # would cross another region's rows; with the organisation first (its rows spread out) the
            # planner still chose the walk (EXPLAIN on 2 × 20,000 generated households, issue 15).
            models.Index(fields=["programme", "organisation", "-id"], name="referral_programme_org_id_idx"),
            # The API's inbox of one status, newest first: a rare status walked the index above.
            models.Index(fields=["programme", "organisation", "status", "-id"], name="referral_api_inbox_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(consent__isnull=False) | Q(legal_ground__isnull=False), name="referral_has_a_basis"
            ),
            models.CheckConstraint(condition=Q(code="other") | Q(code_text=""), name="referral_text_only_for_other"),
        ]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"referral {self.pk}"

    def is_overdue(self, today) -> bool:
        return is_overdue(self.priority, self.status, self.answer_due_on, today)


def is_overdue(priority: bool, status: str, answer_due_on, today) -> bool:
    """A priority referral still waiting for its answer after the service level's due date; also
    for rows read with values_list."""
    return bool(priority and status == ReferralStatus.SENT and answer_due_on and today > answer_due_on)


class ReferralEvent(models.Model):
    """One step of the referral: from, to, when, by whom, with which code (and short text for "other")."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ReferralStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    code = models.CharField(max_length=20, choices=ReferralCode.choices, blank=True)
    code_text = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status}→{self.to_status}"
