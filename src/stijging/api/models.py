"""API clients: another organisation's system that talks to Stijging with a token.

A client belongs to one organisation and one or more programmes and holds scopes. It acts through a
service account of its own (a User that cannot log in: no usable password, `is_service_account`),
holding the role its scopes stand for in each of its programmes. So the API reads through the same
scoped selectors and writes through the same services as the web, and the audit log names the
client's service account as the actor, whose label names the client.

The token is shown once; only its SHA-256 is kept, beside a short public prefix to find the row.

A new client, and a client whose scopes or programmes were widened, awaits a second person: it
works only once another administrator of every one of its programmes approves it (the rule of
role requests, docs/decisions/0005-administrators-administer.md). Its service account gets its roles
only then.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stijging.accounts.models import Organisation, Role
from stijging.registry.models import Programme


class Scope(models.TextChoices):
    REFERRALS = "referrals", _("referrals (a partner's system)")
    CASE = "case", _("case data (the municipality's case system)")
    FIGURES = "figures", _("figures (aggregates)")
    ADDRESSES = "addresses", _("addresses (BAG import)")


# The role a scope gives the client's service account in each of its programmes, so that the apps'
# own scopes (visible_to) and services decide what it reads and writes: a partner system is a partner
# of its organisation; the municipality's case system reads and registers as a project worker does.
# `figures` and `addresses` need no role: they are the client's programmes' aggregates and address
# register, checked in stijging.api.access.
SCOPE_ROLES: dict[str, str] = {Scope.REFERRALS: Role.PARTNER, Scope.CASE: Role.FIELDWORKER}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiClient(models.Model):
    name = models.CharField(_("name"), max_length=100)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="api_clients"
    )
    programmes = models.ManyToManyField(Programme, verbose_name=_("programmes"), related_name="+")
    scopes = models.JSONField(_("scopes"), default=list)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client", editable=False
    )
    token_prefix = models.CharField(max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    # Where the client hears of a new referral, a withdrawal and an escalation (webhooks.py); the
    # secret signs each notice (HMAC-SHA256 over the body), so it is kept as it is, not hashed.
    webhook_url = models.URLField(_("webhook URL"), blank=True, max_length=500)
    webhook_secret = models.CharField(max_length=64, blank=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(default=timezone.now)
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The second person: True from a creation or a widening until another admin approves it; the one
    # who asked for it (`approval_requested_by`) cannot approve it.
    awaits_approval = models.BooleanField(_("awaits approval"), default=True)
    approval_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every change of what the client may do: an approval names the version it saw, so a
    # widening made while the approver looked is not approved unseen (stijging.concurrency).
    version = models.PositiveIntegerField(default=1)
    # Kept to the minute by the authentication (one UPDATE a minute at most, not one per request).
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix})"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    def scope_labels(self) -> list[str]:
        return [str(Scope(scope).label) if scope in Scope.values else scope for scope in self.scopes]

    @property
    def works(self) -> bool:
        return self.active and not self.awaits_approval


class WebhookDelivery(models.Model):
    """One notice to a client's webhook, in the outbox that `stijging tick` works off (webhooks.py):
    claimed by a conditional UPDATE, retried with back-off, given up after MAX_ATTEMPTS."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=20)
    # The body as signed and sent: the event, the referral's id and a link, nothing of the person.
    body = models.TextField()
    dedup_key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="webhook_pending_idx", condition=models.Q(delivered_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.client_id}"
