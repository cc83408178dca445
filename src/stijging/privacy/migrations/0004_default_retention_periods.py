"""The default retention periods, one row per kind, with their reasoning in short (the full
reasoning and sources: docs/decisions/0006-privacy-desk-and-retention.md). The admin changes them."""

from django.db import migrations

DEFAULTS = [
    ("contacts", 12, "Outreach logistics; no use once the household was reached or refused. Objections stay."),
    ("conversations", 60, "Five years after the conversation: the programme's evaluation horizon."),
    ("trajectories", 60, "Five years after closing, in line with municipal social-domain files."),
    ("referrals", 60, "Follows the trajectory it belongs to: five years after closing."),
    ("participants", 24, "Two years after the last activity or volunteering hours."),
    ("address_notes", 24, "Two years after the last update; a safety note must be re-confirmed."),
    ("audit_events", 60, "Five years: as long as the longest case record they account for."),
    ("exports", 1, "One month after the request closed: the copy was handed over."),
]


def forwards(apps, schema_editor):
    policy = apps.get_model("privacy", "RetentionPolicy")
    for kind, months, reasoning in DEFAULTS:
        policy.objects.get_or_create(kind=kind, defaults={"months": months, "reasoning": reasoning})


def backwards(apps, schema_editor):
    apps.get_model("privacy", "RetentionPolicy").objects.filter(kind__in=[d[0] for d in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("privacy", "0003_desk_requests_restrictions_retention")]

    operations = [migrations.RunPython(forwards, backwards)]
