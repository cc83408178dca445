from django.db import migrations

# Tolerant name and street search on PostgreSQL (pg_trgm, a trusted extension since PostgreSQL 13,
# so the database owner may create it). GIN trigram indexes serve both ILIKE '%…%' and the %
# similarity operator. SQLite has neither and searches by substring.
INDEXES = [
    ("registry_person_family_name_trgm", "registry_person", "family_name"),
    ("registry_person_given_names_trgm", "registry_person", "given_names"),
    ("registry_street_name_trgm", "registry_street", "name"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
