"""The instruments left for their own app (`instruments` 0001), keeping their tables: the foreign
keys of the conversation's models point there now and the models leave this app's state. Nothing in
the database changes (no table, column or constraint). Decision 0002.
"""
import django.db.models.deletion
from django.db import migrations, models

MOVED = ["instrumentversion", "domain", "scalelevel", "ladderrung", "cohesionstatement", "defectcategory"]


def move_content_types(apps, schema_editor):
    """Their content types follow them (so permissions and admin history stay attached); on a new
    database there are none yet, and post_migrate makes the instruments' ones."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="instruments", model=model).exists():
            ContentType.objects.filter(app_label="conversations", model=model).update(app_label="instruments")


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="conversations", model=model).exists():
            ContentType.objects.filter(app_label="instruments", model=model).update(app_label="conversations")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('conversations', '0004_baseline_revision'),
        ('instruments', '0001_initial'),
        # Every other app's foreign keys move first, so no state points at a deleted model.
        ('cohesion', '0003_statement_from_instruments'),
        ('trajectories', '0003_domains_from_instruments'),
        ('referrals', '0006_domain_from_instruments'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='cohesionanswer',
                    name='statement',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='instruments.cohesionstatement'),
                ),
                migrations.AlterField(
                    model_name='domainanswer',
                    name='domain',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='instruments.domain'),
                ),
                migrations.AlterField(
                    model_name='proposal',
                    name='domain',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='instruments.domain'),
                ),
                migrations.AlterField(
                    model_name='conversation',
                    name='instrument_version',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='instruments.instrumentversion'),
                ),
                migrations.AlterField(
                    model_name='housinganswer',
                    name='defects',
                    field=models.ManyToManyField(blank=True, related_name='+', to='instruments.defectcategory', verbose_name='defects'),
                ),
                migrations.DeleteModel(name='Domain'),
                migrations.DeleteModel(name='ScaleLevel'),
                migrations.DeleteModel(name='LadderRung'),
                migrations.DeleteModel(name='CohesionStatement'),
                migrations.DeleteModel(name='DefectCategory'),
                migrations.DeleteModel(name='InstrumentVersion'),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, content_types_back),
    ]
