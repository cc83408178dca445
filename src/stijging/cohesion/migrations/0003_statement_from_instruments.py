"""The instruments moved to their own app with the same tables: only the state's foreign key moves.
The door answer also takes the kinds of non-answer of `instruments.ScoreOrNonAnswer` (choices: no
database change).
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
                migrations.AlterField(
                    model_name='waveanswer',
                    name='non_answer',
                    field=models.CharField(blank=True, choices=[('not_discussed', 'not discussed'), ('not_applicable', 'not applicable'), ('declined', 'declined to answer')], max_length=20),
                ),
            ],
            database_operations=[],
        ),
    ]
