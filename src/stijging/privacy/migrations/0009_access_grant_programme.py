"""An access grant carries the programme it was made in (issue 15).

Every grant the code has ever made is the grant of a referral (`reason_type="referral"`,
`reason_id` = the referral's id), so each takes the programme of that referral.

A grant whose programme cannot be found — another `reason_type`, or a referral that no longer exists —
opened nothing even before this change (a partner reaches a person only through the referral the grant
names, decision 0003), and it cannot be given a programme honestly. Such rows are deleted, and one
audit event (actor "migration privacy.0009") keeps what they were: id, person, organisation and reason
of each. The column is then made NOT NULL, so no grant without a programme can be made again.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.utils import timezone

LABEL = "migration privacy.0009"


def fill_programme(apps, schema_editor):
    grant_model = apps.get_model("privacy", "AccessGrant")
    referral_model = apps.get_model("referrals", "Referral")
    audit_event = apps.get_model("privacy", "AuditEvent")
    if schema_editor.connection.vendor == "postgresql":
        # The new foreign key is checked at once, not at commit: a pending deferred check would stop the
        # ALTER TABLE (NOT NULL) that follows in the same transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    grant_model.objects.filter(reason_type="referral").update(
        programme_id=Subquery(referral_model.objects.filter(pk=OuterRef("reason_id")).values("programme_id")[:1])
    )
    orphans = list(
        grant_model.objects.filter(programme__isnull=True)
        .order_by("pk")
        .values("pk", "person_id", "organisation_id", "reason_type", "reason_id", "revoked_at")
    )
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")
    if not orphans:
        return
    audit_event.objects.create(
        created_at=timezone.now(),
        actor_label=LABEL,
        action="delete",
        object_type="privacy.accessgrant",
        person_ids=sorted({row["person_id"] for row in orphans}),
        purpose="migration",
        detail={
            "why": "access grant whose programme cannot be found (no referral behind it); it opened nothing",
            "grants": [
                {
                    "id": row["pk"],
                    "person_id": row["person_id"],
                    "organisation_id": row["organisation_id"],
                    "reason": f"{row['reason_type']}#{row['reason_id']}",
                    "revoked": row["revoked_at"] is not None,
                }
                for row in orphans
            ],
        },
    )
    grant_model.objects.filter(pk__in=[row["pk"] for row in orphans]).delete()
    print(f"\n  {LABEL}: {len(orphans)} access grant(s) without a referral deleted (see the audit log).")


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0008_legal_grounds_in_dutch"),
        ("registry", "0004_person_family_name_birth_index"),
        # The data step reads the referral each grant names.
        ("referrals", "0007_api_inbox_programme_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="accessgrant",
            name="programme",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="+",
                to="registry.programme",
            ),
        ),
        migrations.RunPython(fill_programme, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="accessgrant",
            name="programme",
            field=models.ForeignKey(
                db_index=False, on_delete=models.deletion.PROTECT, related_name="+", to="registry.programme"
            ),
        ),
        # The (organisation, person) index served the partner's Person.visible_to of decision 0001; the
        # partner has reached persons only through referrals since decision 0003, and no query reads
        # grants by organisation and person any more (EXPLAIN on PostgreSQL, issue 15): it goes.
        migrations.RemoveIndex(model_name="accessgrant", name="privacy_acc_organis_a951ef_idx"),
        migrations.AddIndex(
            model_name="accessgrant",
            index=models.Index(fields=["programme", "organisation", "person"], name="access_grant_prog_org_person"),
        ),
    ]
