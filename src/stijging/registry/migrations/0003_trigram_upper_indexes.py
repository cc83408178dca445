from django.db import migrations

# Django's icontains on PostgreSQL compares UPPER(column::text) LIKE UPPER(…): only an index on that
# expression serves it (the plain-column indexes of 0002 serve the % similarity operator).
INDEXES = [
    ("registry_person_family_name_upper_trgm", "registry_person", "family_name"),
    ("registry_person_given_names_upper_trgm", "registry_person", "given_names"),
    ("registry_street_name_upper_trgm", "registry_street", "name"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_trigram_search")]

    operations = [migrations.RunPython(forwards, backwards)]
