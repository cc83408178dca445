from django.db import migrations

# The starting closed list; the privacy officer maintains it from here on (screen: /privacy/grounds/).
GROUNDS = [
    ("public-task", "Public task of the municipality", "AVG art. 6(1)(e); Wmo 2015 art. 2.3.2; Participatiewet art. 7",
     "Outreach and the municipality's own help under its statutory task; not for sharing with a partner "
     "organisation unless that sharing is itself part of the task."),
    ("vital-interest", "Vital interest of the person or another", "AVG art. 6(1)(d); art. 9(2)(c)",
     "Only where life or health is in immediate danger and consent cannot be asked in time."),
    ("meldcode", "Meldcode domestic violence and child abuse", "Wet verplichte meldcode (Wmo 2015 art. 5.2.6)",
     "Steps of the meldcode, including consulting Veilig Thuis, where a signal of domestic violence or "
     "child abuse exists."),
    ("legal-obligation", "Legal obligation", "AVG art. 6(1)(c)",
     "Where a statute obliges the municipality to provide the data."),
]


def add_grounds(apps, schema_editor):
    LegalGround = apps.get_model("privacy", "LegalGround")
    for code, title, article, description in GROUNDS:
        LegalGround.objects.get_or_create(code=code, defaults={"title": title, "article": article, "description": description})


def remove_grounds(apps, schema_editor):
    apps.get_model("privacy", "LegalGround").objects.filter(code__in=[g[0] for g in GROUNDS]).delete()


def add_person_index(apps, schema_editor):
    # "Who saw my data?" searches the log by person id: a GIN index makes that fast on PostgreSQL.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS privacy_auditevent_person_ids_gin ON privacy_auditevent USING gin (person_ids jsonb_path_ops)"
        )


def drop_person_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS privacy_auditevent_person_ids_gin")


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [
        migrations.RunPython(add_grounds, remove_grounds),
        migrations.RunPython(add_person_index, drop_person_index),
    ]
