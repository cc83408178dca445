"""Writes of accounts: memberships (role changes are audited) and users."""

from __future__ import annotations

from django.db import transaction

from stijging.privacy import audit
from stijging.privacy.models import AuditAction

from .models import Membership, User


@transaction.atomic
def membership_grant(*, acting_user: User | None, user: User, programme_id: int, role: str) -> Membership:
    membership, created = Membership.objects.get_or_create(user=user, programme_id=programme_id, role=role)
    if created:
        audit.record(
            actor=acting_user,
            action=AuditAction.ROLE_CHANGE,
            obj=user,
            detail={"granted": role, "programme_id": programme_id},
        )
    return membership


@transaction.atomic
def membership_revoke(*, acting_user: User | None, membership: Membership) -> None:
    audit.record(
        actor=acting_user,
        action=AuditAction.ROLE_CHANGE,
        obj=membership.user,
        detail={"revoked": membership.role, "programme_id": membership.programme_id},
    )
    membership.delete()


@transaction.atomic
def membership_change_role(*, acting_user: User | None, membership: Membership, role: str) -> Membership:
    old_role = Membership.objects.values_list("role", flat=True).get(pk=membership.pk)
    membership.role = role
    membership.save(update_fields=["role", "programme"])
    audit.record(
        actor=acting_user,
        action=AuditAction.ROLE_CHANGE,
        obj=membership.user,
        detail={"from": old_role, "to": role, "programme_id": membership.programme_id},
    )
    return membership
