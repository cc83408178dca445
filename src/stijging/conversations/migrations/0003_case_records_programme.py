"""Every conversation, proposal and meldcode signal knows the programme that made it (decision 0003).

Existing conversations get the programme of the address the household lived at on the day of the
visit (else its latest address); proposals and signals the programme of their conversation."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def forwards(apps, schema_editor):
    residence = apps.get_model("registry", "HouseholdResidence")
    conversation = apps.get_model("conversations", "Conversation")
    latest = residence.objects.filter(household=OuterRef("household")).order_by("-start_date", "-pk")
    on_date = latest.filter(start_date__lte=OuterRef("held_on"))
    conversation.objects.update(
        programme_id=Coalesce(
            Subquery(on_date.values("address__area__programme_id")[:1]),
            Subquery(latest.values("address__area__programme_id")[:1]),
        )
    )
    of_answer = conversation.objects.filter(interviews__domain_answers=OuterRef("answer")).values("programme_id")[:1]
    apps.get_model("conversations", "Proposal").objects.update(programme_id=Subquery(of_answer))
    of_signal = conversation.objects.filter(pk=OuterRef("conversation")).values("programme_id")[:1]
    apps.get_model("conversations", "MeldcodeSignal").objects.update(programme_id=Subquery(of_signal))


def _fk(null: bool):
    return models.ForeignKey(
        null=null, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="registry.programme"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0002_instrument_v1"),
        ("registry", "0003_trigram_upper_indexes"),
    ]

    operations = [
        migrations.AddField(model_name="conversation", name="programme", field=_fk(True)),
        migrations.AddField(model_name="proposal", name="programme", field=_fk(True)),
        migrations.AddField(model_name="meldcodesignal", name="programme", field=_fk(True)),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AlterField(model_name="conversation", name="programme", field=_fk(False)),
        migrations.AlterField(model_name="proposal", name="programme", field=_fk(False)),
        migrations.AlterField(model_name="meldcodesignal", name="programme", field=_fk(False)),
    ]
