"""The ground floor: audit log, consent, legal grounds and access grants.

Every other app may call this one; it imports none of them. Where a model points at a person or an
organisation it does so by a lazy string reference, so no Python import goes up a floor.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VIEW = "view", _("viewed")
    LIST = "list", _("listed")
    SEARCH = "search", _("searched")
    EXPORT = "export", _("exported")
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    LOGIN = "login", _("logged in")
    LOGIN_FAILED = "login_failed", _("login failed")
    LOGOUT = "logout", _("logged out")
    DENIED = "denied", _("access refused")
    ROLE_CHANGE = "role_change", _("role changed")
    ANONYMISE = "anonymise", _("anonymised")
    MFA_FAILED = "mfa_failed", _("second factor failed")
    MFA_CHANGE = "mfa_change", _("second factor changed")
    PASSWORD_CHANGE = "password_change", _("password changed")


class AuditOutcome(models.TextChoices):
    OK = "ok", _("success")
    DENIED = "denied", _("refused")
    FAILED = "failed", _("failed")


class AuditEvent(models.Model):
    """One line of the NEN 7513-style log: who did what with whose data, when, from where and why.

    Requests only insert rows. The seal fields are filled once, later, by the sealer in `stijging
    tick`, which chains the events so that an edit, a deletion or a cut-off tail shows.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text as well, so the log still says who it was when the account is gone.
    actor_label = models.CharField(max_length=254, blank=True)
    role = models.CharField(max_length=100, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # Persons concerned, by id only: anonymising a person leaves the log intact.
    person_ids = models.JSONField(default=list, blank=True)
    purpose = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.OK)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    path = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    seal_seq = models.BigIntegerField(null=True, blank=True, unique=True)
    seal_hash = models.CharField(max_length=64, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["actor", "created_at"]),
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["seal_seq"], name="audit_unsealed_idx", condition=Q(seal_seq__isnull=True)),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"


class ConsentPurpose(models.TextChoices):
    RECEIVE_HELP = "receive_help", _("receive help")
    SHARE_WITH_ORGANISATION = "share", _("share with an organisation")


class ConsentGivenBy(models.TextChoices):
    PERSON = "person", _("the person")
    PARENT = "parent", _("a parent or guardian")


class ConsentQuerySet(models.QuerySet["Consent"]):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(given_on__lte=on).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on))

    def visible_to(self, user):
        # A consent is visible exactly when its person is.
        from django.apps import apps

        person_model = apps.get_model("registry", "Person")
        return self.filter(person__in=person_model.objects.visible_to(user))


class Consent(models.Model):
    """A person's consent for one purpose; for sharing, with one named organisation.

    Consent to receive help and consent to share are separate records. Under 16 a parent consents.
    A withdrawal is dated and kept; nothing is deleted.
    """

    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    given_by = models.CharField(_("given by"), max_length=10, choices=ConsentGivenBy.choices)
    parent_name = models.CharField(_("name of the parent or guardian"), max_length=200, blank=True)
    given_on = models.DateField(_("given on"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawal_note = models.CharField(_("reason for withdrawal"), max_length=500, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose="receive_help", organisation__isnull=True)
                | Q(purpose="share", organisation__isnull=False),
                name="consent_share_names_organisation",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.given_on})"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None and self.withdrawn_on <= timezone.localdate()


class LegalGround(models.Model):
    """The closed list of grounds other than consent, maintained by the privacy officer.

    A referral that does not rest on consent must pick one of these; never free text.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    article = models.CharField(_("legal article"), max_length=200)
    description = models.TextField(_("when it applies"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("legal ground")
        verbose_name_plural = _("legal grounds")

    def __str__(self) -> str:
        return f"{self.title} ({self.article})"


class AccessGrantQuerySet(models.QuerySet["AccessGrant"]):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))


class AccessGrant(models.Model):
    """Opens one person to one organisation, in one programme, for a documented reason (a referral).

    This is how a partner organisation comes to see a person at all: a partner user sees a referral
    (and through it its person) only while an active grant for it names their organisation and the
    referral's programme, one where they hold the partner role (`referrals.models._active_grant`).
    An organisation may work for several programmes and its people are partners per programme, so
    the grant is led by the programme as well. Revoking the grant (a withdrawn consent) or its end
    after closing ends that access at once.
    """

    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="access_grants")
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    # No index of its own: the (programme, organisation, person) index leads with it (the admin's
    # "what a programme holds" count and the PROTECT check read grants by programme).
    programme = models.ForeignKey("registry.Programme", on_delete=models.PROTECT, related_name="+", db_index=False)
    reason_type = models.CharField(max_length=40)
    reason_id = models.BigIntegerField()
    granted_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AccessGrantQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["programme", "organisation", "person"], name="access_grant_prog_org_person"),
            # The grants of one organisation's referrals in one programme, in referral order: the API
            # inbox joins them newest first. Without it, with a second region in the database, PostgreSQL
            # walked the organisation's grants of every programme backwards and dropped the other
            # region's (53,000 rows; 48 → 3 ms a page, decision 0010).
            models.Index(
                fields=["reason_type", "programme", "organisation", "reason_id"], name="access_grant_reason_scope"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reason_type", "reason_id", "person", "organisation"], name="access_grant_unique_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason_type}#{self.reason_id}"


# --- The privacy officer's desk (issue 13) ------------------------------------------------------


class RequestKind(models.TextChoices):
    ACCESS = "access", _("access (art. 15)")
    RECTIFICATION = "rectification", _("rectification (art. 16)")
    ERASURE = "erasure", _("erasure (art. 17)")
    RESTRICTION = "restriction", _("restriction (art. 18)")
    PORTABILITY = "portability", _("portability (art. 20)")
    OBJECTION = "objection", _("objection (art. 21)")


class IdentityCheck(models.TextChoices):
    ID_DOCUMENT = "id_document", _("identity document shown in person")
    DIGID = "digid", _("DigiD (the municipality's form)")
    KNOWN_WORKER = "known_worker", _("confirmed in person by the own project worker or case manager")
    PARENT_DOCUMENT = "parent_document", _("parent or guardian: identity document and proof of authority")
    REPRESENTATIVE = "representative", _("representative: identity document and signed authorisation")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    REFUSED = "refused", _("refused")
    WITHDRAWN = "withdrawn", _("withdrawn by the requester")


OPEN_REQUEST_STATUSES = (RequestStatus.RECEIVED, RequestStatus.IN_PROGRESS)


class ErasureDecision(models.TextChoices):
    GRANTED = "granted", _("granted: anonymise")
    REFUSED = "refused", _("refused: a legal hold applies")


class SubjectRequestQuerySet(models.QuerySet["SubjectRequest"]):
    def visible_to(self, user):
        """The privacy officer of the request's programme; nobody else (deny by default)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        programmes = user.programme_ids_with({"privacy_officer"})
        if not programmes:
            return self.none()
        return self.filter(programme_id__in=programmes)

    def open(self):
        return self.filter(status__in=OPEN_REQUEST_STATUSES)


class SubjectRequest(models.Model):
    """A data-subject request (AVG art. 12, 15–21) with its statutory deadline: one month after
    receipt, extendable by two more months with a reason the requester is told (art. 12(3))."""

    programme = models.ForeignKey("registry.Programme", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="subject_requests")
    kind = models.CharField(_("kind of request"), max_length=20, choices=RequestKind.choices)
    received_on = models.DateField(_("received on"))
    identity_check = models.CharField(_("identity checked by"), max_length=20, choices=IdentityCheck.choices)
    identity_note = models.CharField(_("about the identity check"), max_length=300, blank=True)
    requested_by_other = models.CharField(
        _("requested by (when not the person)"),
        max_length=200,
        blank=True,
        help_text=_("The parent, guardian or representative who made the request."),
    )
    description = models.TextField(_("what is asked"), blank=True)
    deadline_on = models.DateField(_("deadline"))
    extended_until = models.DateField(_("extended until"), null=True, blank=True)
    extension_reason = models.CharField(_("reason for the extension"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.RECEIVED)
    outcome = models.TextField(_("outcome"), blank=True)
    erasure_decision = models.CharField(max_length=10, choices=ErasureDecision.choices, blank=True)
    legal_holds = models.JSONField(default=list, blank=True)
    reminded_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = SubjectRequestQuerySet.as_manager()

    class Meta:
        ordering = ["deadline_on", "id"]
        indexes = [models.Index(fields=["status", "deadline_on"]), models.Index(fields=["person", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(extended_until__isnull=True) | ~Q(extension_reason=""), name="extension_has_reason"
            )
        ]
        verbose_name = _("data-subject request")
        verbose_name_plural = _("data-subject requests")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def due_on(self):
        return self.extended_until or self.deadline_on

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES


class SubjectExport(models.Model):
    """What an access or portability request produced: the JSON and the resident's PDF. Kept only as
    long as the request (the retention step deletes it after the request closed)."""

    request = models.ForeignKey(SubjectRequest, on_delete=models.CASCADE, related_name="exports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField()
    pdf = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"export {self.pk} of request {self.request_id}"


class RestrictionQuerySet(models.QuerySet["Restriction"]):
    def active(self):
        return self.filter(lifted_at__isnull=True)


class Restriction(models.Model):
    """AVG art. 18: while active, the person's records are read-only for everyone and hidden from
    partners. Kept after lifting, so the history shows when processing was restricted."""

    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="restrictions")
    request = models.ForeignKey(SubjectRequest, on_delete=models.PROTECT, related_name="restrictions")
    reason = models.CharField(_("reason"), max_length=500)
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = RestrictionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(lifted_at__isnull=True), name="restriction_one_active_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"restriction {self.person_id} ({'lifted' if self.lifted_at else 'active'})"


class RetentionKind(models.TextChoices):
    CONTACTS = "contacts", _("contact attempts and appointments")
    CONVERSATIONS = "conversations", _("conversations and interviews")
    TRAJECTORIES = "trajectories", _("trajectories")
    REFERRALS = "referrals", _("referrals")
    PARTICIPANTS = "participants", _("neighbourhood-track participants")
    ADDRESS_NOTES = "address_notes", _("address notes")
    AUDIT_EVENTS = "audit_events", _("audit events")
    EXPORTS = "exports", _("data-subject exports")


class RetentionPolicy(models.Model):
    """How long one kind of record is kept after its last activity, in months. Set by the admin
    (configuration, no personal data); defaults and their sources in docs/decisions/0006."""

    kind = models.CharField(_("kind of record"), max_length=20, choices=RetentionKind.choices, unique=True)
    months = models.PositiveIntegerField(_("retention (months)"))
    reasoning = models.TextField(_("reasoning"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.months}"


class RetentionRunStatus(models.TextChoices):
    PROPOSED = "proposed", _("dry run: waiting for approval")
    APPROVED = "approved", _("approved: being applied")
    DONE = "done", _("applied")
    REJECTED = "rejected", _("not approved")


class RetentionRun(models.Model):
    """One retention round: the tick first counts what has expired (a dry run); after the privacy
    officer approves, later ticks apply it in bounded batches and add up what they did per kind."""

    created_at = models.DateTimeField(default=timezone.now)
    # The cut-off is fixed at the dry run, so the approval covers exactly what was shown.
    reference_date = models.DateField()
    status = models.CharField(max_length=10, choices=RetentionRunStatus.choices, default=RetentionRunStatus.PROPOSED)
    planned = models.JSONField(default=dict)
    done = models.JSONField(default=dict)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"retention {self.reference_date} ({self.status})"
