"""The instruments moved to their own app with the same tables: only the state's foreign key moves.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('instruments', '0001_initial'),
        ('trajectories', '0002_trajectory_legal_ground'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='goal',
                    name='domain',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='instruments.domain', verbose_name='life domain'),
                ),
                migrations.AlterField(
                    model_name='measurementscore',
                    name='domain',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='instruments.domain'),
                ),
            ],
            database_operations=[],
        ),
    ]
