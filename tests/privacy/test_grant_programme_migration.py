"""privacy.0009: every existing grant takes the programme of the referral it names; a grant whose
programme cannot be found (no referral behind it) is deleted and the audit log keeps what it was."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from stijging.privacy.models import AccessGrant, AuditEvent

from ..referrals.factories import send_referral

BEFORE = [("privacy", "0008_legal_grounds_in_dutch")]
AFTER = [("privacy", "0009_access_grant_programme")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_grants_take_their_referrals_programme_and_orphans_are_deleted_with_an_audit_event(world):
    own = send_referral(world.own, world)
    foreign = send_referral(world.foreign, world)
    try:
        old_apps = _migrate(BEFORE)
        old_grant = old_apps.get_model("privacy", "AccessGrant")
        assert "programme" not in {f.name for f in old_grant._meta.get_fields()}
        orphans = [
            old_grant.objects.create(
                person_id=world.own.child.pk,
                organisation_id=world.partner_organisation.pk,
                reason_type="referral",
                reason_id=foreign.pk + 1000,  # a referral that does not exist
            ).pk,
            old_grant.objects.create(
                person_id=world.own.child.pk,
                organisation_id=world.partner_organisation.pk,
                reason_type="something-else",
                reason_id=own.pk,
            ).pk,
        ]
    finally:
        _migrate(AFTER)

    assert dict(AccessGrant.objects.values_list("reason_id", "programme_id")) == {
        own.pk: world.own.programme.pk,
        foreign.pk: world.foreign.programme.pk,
    }
    assert not AccessGrant.objects.filter(pk__in=orphans).exists()
    event = AuditEvent.objects.get(object_type="privacy.accessgrant", action="delete")
    assert event.actor_label == "migration privacy.0009"
    assert event.person_ids == [world.own.child.pk]
    assert sorted(g["id"] for g in event.detail["grants"]) == sorted(orphans)
    assert {g["reason"] for g in event.detail["grants"]} == {
        f"referral#{foreign.pk + 1000}",
        f"something-else#{own.pk}",
    }
