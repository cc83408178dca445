"""The instruments moved to their own app with the same tables: only the state's foreign key moves.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cohesion', '0002_activity_kinds'),
        ('instruments', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='waveanswer',
                    name='statement',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='instruments.cohesionstatement'),
                ),
            ],
            database_operations=[],
        ),
    ]
