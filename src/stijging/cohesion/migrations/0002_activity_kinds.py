"""The kinds of cohesion activity of the seed, as data: the administrator may add more."""

from django.db import migrations

KINDS = [
    ("garden_cleanup", "Tuinen opruimen", "Garden clean-up"),
    ("alley_cleanup", "Achterpaden opruimen", "Back-alley clean-up"),
    ("street_play_day", "Straatspeeldag", "Street play day"),
    ("children_cleaning_group", "Kinderschoonmaakploeg", "The children's street-cleaning group"),
    ("neighbours_meeting", "Burenbijeenkomst", "Neighbours' meeting"),
    ("other", "Anders", "Other"),
]


def forwards(apps, schema_editor):
    ActivityKind = apps.get_model("cohesion", "ActivityKind")
    for order, (code, name_nl, name_en) in enumerate(KINDS, start=1):
        ActivityKind.objects.update_or_create(
            code=code, defaults={"name_nl": name_nl, "name_en": name_en, "order": order * 10}
        )


def backwards(apps, schema_editor):
    apps.get_model("cohesion", "ActivityKind").objects.filter(code__in=[k[0] for k in KINDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("cohesion", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
