# The text column goes in a migration of its own: on PostgreSQL a table whose rows
# 0004 updated cannot be altered in the same transaction (pending trigger events).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('party', '0004_campaigns'),
    ]

    operations = [
        migrations.RemoveField(model_name='meeting', name='campaign_text'),
        migrations.AddConstraint(
            model_name='meeting',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'special'), _negated=True), ('campaign__isnull', False), _connector='OR'), name='party_meeting_special_has_campaign'),
        ),
    ]
