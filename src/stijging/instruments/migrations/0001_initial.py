"""The instruments move here from `conversations` and keep their tables (`db_table`): this
migration only tells Django's state where they live now; the database is not touched. Decision 0002.
"""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('conversations', '0004_baseline_revision'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='InstrumentVersion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField(unique=True)),
                        ('published_at', models.DateTimeField(blank=True, null=True)),
                        ('note', models.CharField(blank=True, max_length=500, verbose_name='what changed')),
                    ],
                    options={
                        'verbose_name': 'instrument version',
                        'verbose_name_plural': 'instrument versions',
                        'db_table': 'conversations_instrumentversion',
                        'ordering': ['-number'],
                    },
                ),
                migrations.CreateModel(
                    name='Domain',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=40)),
                        ('name_nl', models.CharField(max_length=100)),
                        ('name_en', models.CharField(max_length=100)),
                        ('min_age', models.PositiveSmallIntegerField(default=0)),
                        ('max_age', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('order', models.PositiveSmallIntegerField(default=0)),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='domains', to='instruments.instrumentversion')),
                    ],
                    options={
                        'db_table': 'conversations_domain',
                        'ordering': ['version', 'order'],
                        'constraints': [models.UniqueConstraint(fields=('version', 'code'), name='domain_unique_code')],
                    },
                ),
                migrations.CreateModel(
                    name='DefectCategory',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=40)),
                        ('name_nl', models.CharField(max_length=100)),
                        ('name_en', models.CharField(max_length=100)),
                        ('order', models.PositiveSmallIntegerField(default=0)),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='defect_categories', to='instruments.instrumentversion')),
                    ],
                    options={
                        'db_table': 'conversations_defectcategory',
                        'ordering': ['version', 'order'],
                        'constraints': [models.UniqueConstraint(fields=('version', 'code'), name='defect_unique_code')],
                    },
                ),
                migrations.CreateModel(
                    name='CohesionStatement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(max_length=40)),
                        ('text_nl', models.CharField(max_length=300)),
                        ('text_en', models.CharField(max_length=300)),
                        ('reverse_coded', models.BooleanField(default=False)),
                        ('order', models.PositiveSmallIntegerField(default=0)),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='cohesion_statements', to='instruments.instrumentversion')),
                    ],
                    options={
                        'db_table': 'conversations_cohesionstatement',
                        'ordering': ['version', 'order'],
                        'constraints': [models.UniqueConstraint(fields=('version', 'code'), name='statement_unique_code')],
                    },
                ),
                migrations.CreateModel(
                    name='LadderRung',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(6)])),
                        ('label_nl', models.CharField(max_length=100)),
                        ('label_en', models.CharField(max_length=100)),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rungs', to='instruments.instrumentversion')),
                    ],
                    options={
                        'db_table': 'conversations_ladderrung',
                        'ordering': ['version', 'number'],
                        'constraints': [models.UniqueConstraint(fields=('version', 'number'), name='rung_unique_number')],
                    },
                ),
                migrations.CreateModel(
                    name='ScaleLevel',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('value', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)])),
                        ('label_nl', models.CharField(max_length=100)),
                        ('label_en', models.CharField(max_length=100)),
                        ('criteria', models.TextField(blank=True)),
                        ('version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='scale_levels', to='instruments.instrumentversion')),
                    ],
                    options={
                        'db_table': 'conversations_scalelevel',
                        'ordering': ['version', 'value'],
                        'constraints': [models.UniqueConstraint(fields=('version', 'value'), name='scale_unique_value')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
