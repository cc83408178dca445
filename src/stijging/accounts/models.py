from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("municipality")
    HOUSING = "housing", _("housing association")
    GGZ = "ggz", _("mental health care (GGZ)")
    GGD = "ggd", _("public health service (GGD)")
    WELFARE = "welfare", _("welfare")
    POLICE = "police", _("police")
    OTHER = "other", _("other")


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    email = models.EmailField(_("e-mail for notifications"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    FIELDWORKER = "fieldworker", _("project worker")
    CASE_MANAGER = "case_manager", _("case manager")
    PARTNER = "partner", _("partner organisation worker")
    COORDINATOR = "coordinator", _("neighbourhood coordinator")
    MANAGER = "manager", _("programme manager")
    ADMIN = "admin", _("functional administrator")
    PRIVACY_OFFICER = "privacy_officer", _("privacy officer")


# The roles that work with individual households and persons of their programme.
CASE_ROLES = frozenset({Role.FIELDWORKER, Role.CASE_MANAGER})


def case_programme_ids(user) -> set[int]:
    """The programmes where an active, logged-in user holds a case role: the case records' scope."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    return user.programme_ids_with(CASE_ROLES)


# The roles that see personal data (or decide who does): granting one takes a second person
# (docs/decisions/0005-administrators-administer.md). Coordinator and manager see aggregates only
# and take effect at once.
PERSONAL_DATA_ROLES = frozenset({Role.FIELDWORKER, Role.CASE_MANAGER, Role.PARTNER, Role.PRIVACY_OFFICER, Role.ADMIN})


class StijgingUserManager(UserManager["User"]):
    def create_user(self, username=None, email=None, password=None, **extra_fields):  # type: ignore[override]
        username = username or email
        return super().create_user(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in. Roles come from programme memberships, never from Django groups."""

    email = models.EmailField(_("e-mail address"), unique=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Who made the account in the configuration screens: until it holds a role, only that
    # administrator (and a superuser) sees it there.
    created_by = models.ForeignKey(
        "self", verbose_name=_("created by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The account an API client acts through (stijging.api): it never logs in (no usable password)
    # and is never a colleague to assign to or to e-mail.
    is_service_account = models.BooleanField(_("service account of an API client"), default=False, editable=False)

    # Raised to end every other session of this user at once (a second factor removed or reset):
    # it is part of the session hash below.
    sessions_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = StijgingUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def _get_session_auth_hash(self, secret=None) -> str:
        # Django ends every session whose stored hash no longer matches. Beside the password the
        # hash covers the organisation and the active flag, so that moving a user to another
        # organisation (which moves a partner's referral scope) or deactivating them logs them out
        # everywhere on their next request, whatever session backend runs. So does a raised
        # sessions_epoch (only from 1 on, so that the sessions of before it was added stay valid).
        epoch = f"|{self.sessions_epoch}" if self.sessions_epoch else ""
        return salted_hmac(
            "stijging.accounts.User.get_session_auth_hash",
            f"{self.password}|{self.organisation_id}|{self.is_active}{epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def memberships_cached(self) -> list[Membership]:
        """This user's memberships, fetched once per request (one query)."""
        cached = getattr(self, "_memberships_cache", None)
        if cached is None:
            cached = list(Membership.objects.filter(user=self).select_related("programme"))
            self._memberships_cache = cached
        return cached

    def programme_ids_with(self, roles) -> set[int]:
        return {m.programme_id for m in self.memberships_cached() if m.role in roles}

    def roles_in(self, programme_id: int) -> set[str]:
        return {m.role for m in self.memberships_cached() if m.programme_id == programme_id}

    def has_role(self, *roles: str) -> bool:
        return any(m.role in roles for m in self.memberships_cached())

    def audit_roles(self) -> str:
        return ",".join(sorted({m.role for m in self.memberships_cached()}))


class Membership(models.Model):
    """A user's one role in one programme. A user may hold roles in several programmes."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    programme = models.ForeignKey("registry.Programme", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "programme", "role"], name="membership_unique_role"),
        ]
        verbose_name = _("programme membership")
        verbose_name_plural = _("programme memberships")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.programme_id})"


class RoleRequestStatus(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")


class RoleRequest(models.Model):
    """A grant of a role that sees personal data, waiting for a second person.

    An administrator asks; another administrator of the programme or its privacy officer approves
    or refuses. Neither the one who asked nor the one the role is for may decide. Approval grants
    the membership through `accounts.services.membership_grant`, the one write path for roles.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_requests")
    programme = models.ForeignKey(
        "registry.Programme", verbose_name=_("programme"), on_delete=models.CASCADE, related_name="role_requests"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=RoleRequestStatus.choices, default=RoleRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "programme", "role"],
                condition=models.Q(status="pending"),
                name="rolerequest_one_pending",
            ),
        ]
        ordering = ["requested_at", "pk"]
        verbose_name = _("role request")
        verbose_name_plural = _("role requests")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.programme_id})"


class OutgoingEmailStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    # Refused or undeliverable MAX_ATTEMPTS times: the tick gave up; an admin may send it again.
    FAILED = "failed", _("failed")
    # The run that was sending it died between handing it to the mail server and marking it: it
    # may or may not have arrived. Never sent again by itself (at most once); an admin looks up
    # its Message-ID in the mail server's log and sends it again if it did not arrive.
    UNCERTAIN = "uncertain", _("uncertain: sending was interrupted")


class OutgoingEmail(models.Model):
    """The outbox. Services insert; `stijging tick` claims, sends and marks (notifications.py). An
    e-mail carries a link into the application, never personal data."""

    to = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    # A key that makes a notification happen once, e.g. "meldcode:12:user:4"; a second insert with
    # the same key is ignored.
    dedup_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=12, choices=OutgoingEmailStatus.choices, default=OutgoingEmailStatus.PENDING
    )
    # Stored (committed) before the first attempt and the same on every attempt: a copy that did
    # arrive is recognisable as the same message in the mail server's log and the recipient's.
    message_id = models.CharField(_("Message-ID"), max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    # Back-off after a failed attempt: not tried again before this moment.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class SecondFactorInvitation(models.Model):
    """A single-use link an admin sends so that a user can enrol their first second factor.

    The password alone never enrols one: whoever learnt a not-yet-enrolled user's password would
    otherwise put their own phone on the account. The link goes to the user's e-mail address; only
    a hash of its token is stored, it expires after 72 hours, and it is spent when the factor is
    activated (or when a newer invitation replaces it)."""

    VALID_FOR_HOURS = 72

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "used_at"])]

    def __str__(self) -> str:
        return f"invitation #{self.pk} for user {self.user_id}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()
