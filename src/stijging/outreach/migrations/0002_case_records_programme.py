"""Every contact attempt and appointment knows the programme that made it (decision 0003).

Existing rows get the programme of the address the household lived at on the record's date (for an
appointment: its latest address), then the column becomes required."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def _programme_on(apps, date_field: str | None):
    residence = apps.get_model("registry", "HouseholdResidence")
    latest = residence.objects.filter(household=OuterRef("household")).order_by("-start_date", "-pk")
    latest_programme = Subquery(latest.values("address__area__programme_id")[:1])
    if date_field is None:
        return latest_programme
    on_date = latest.filter(start_date__lte=OuterRef(date_field))
    return Coalesce(Subquery(on_date.values("address__area__programme_id")[:1]), latest_programme)


def forwards(apps, schema_editor):
    apps.get_model("outreach", "ContactAttempt").objects.update(programme_id=_programme_on(apps, "date"))
    apps.get_model("outreach", "Appointment").objects.update(programme_id=_programme_on(apps, None))


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0001_initial"),
        ("registry", "0003_trigram_upper_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="contactattempt",
            name="programme",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="registry.programme"
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="programme",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="registry.programme"
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="contactattempt",
            name="programme",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="registry.programme"
            ),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="programme",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="registry.programme"
            ),
        ),
    ]
