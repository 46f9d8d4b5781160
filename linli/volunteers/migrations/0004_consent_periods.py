"""Consent becomes a history: one Consent row per period, instead of the fields on the volunteer that a
re-registration overwrote. Each existing volunteer gets one period from those fields (given when and by whom,
how, by staff or themself, withdrawn when), then the fields go. Reversible only while there are no
volunteers (as in tests): the history cannot be folded back into one set of fields without losing periods."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def one_period_per_volunteer(apps, schema_editor):
    Volunteer = apps.get_model("volunteers", "Volunteer")
    Consent = apps.get_model("volunteers", "Consent")
    batch = []
    for v in Volunteer.objects.order_by("pk").iterator(chunk_size=2000):
        withdrawn = v.consent_withdrawn_at
        if withdrawn is not None and withdrawn < v.consent_at:
            withdrawn = v.consent_at
        batch.append(Consent(volunteer_id=v.pk, given_at=v.consent_at, given_by=v.consent_by or "?",
                             method=v.consent_method, registration=v.registration,
                             recorded_by_id=v.registered_by_id, recorded_at=v.registered_at, withdrawn_at=withdrawn))
        if len(batch) >= 2000:
            Consent.objects.bulk_create(batch)
            batch = []
    Consent.objects.bulk_create(batch)


class Migration(migrations.Migration):

    dependencies = [
        ('volunteers', '0003_activity_photos'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Consent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('given_at', models.DateTimeField(verbose_name='consent given at')),
                ('given_by', models.CharField(help_text='The person, or for a child the guardian who signed.', max_length=100, verbose_name='consent given by')),
                ('method', models.CharField(choices=[('online', "Online, by the person's own account"), ('signed_form', 'Signed registration form'), ('in_person', 'In person, before staff'), ('guardian', 'Signed by a guardian')], max_length=16, verbose_name='consent given how')),
                ('registration', models.CharField(choices=[('self', 'By the person'), ('staff', 'By staff')], max_length=16, verbose_name='recorded')),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='recorded at')),
                ('withdrawn_at', models.DateTimeField(blank=True, null=True, verbose_name='consent withdrawn at')),
            ],
            options={
                'verbose_name': 'consent period',
                'verbose_name_plural': 'consent periods',
                'ordering': ['given_at', 'id'],
            },
        ),
        migrations.AddField(
            model_name='consent',
            name='recorded_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by'),
        ),
        migrations.AddField(
            model_name='consent',
            name='volunteer',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='consents', to='volunteers.volunteer', verbose_name='volunteer'),
        ),
        migrations.AddField(
            model_name='consent',
            name='withdrawn_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='withdrawal recorded by'),
        ),
        migrations.AddConstraint(
            model_name='consent',
            constraint=models.CheckConstraint(condition=models.Q(('given_by', ''), _negated=True), name='volunteers_consent_given_by', violation_error_message='A volunteer is registered only with their consent.'),
        ),
        migrations.AddConstraint(
            model_name='consent',
            constraint=models.CheckConstraint(condition=models.Q(('withdrawn_at__isnull', True), ('withdrawn_at__gte', models.F('given_at')), _connector='OR'), name='volunteers_consent_withdrawn_after_given', violation_error_message='A consent is withdrawn after it was given.'),
        ),
        migrations.AddConstraint(
            model_name='consent',
            constraint=models.UniqueConstraint(condition=models.Q(('withdrawn_at__isnull', True)), fields=('volunteer',), name='volunteers_one_open_consent', violation_error_message='This volunteer is already registered.'),
        ),
        migrations.RunPython(one_period_per_volunteer, migrations.RunPython.noop, elidable=False),
        migrations.RemoveConstraint(
            model_name='volunteer',
            name='volunteers_volunteer_has_consent',
        ),
        migrations.RemoveField(
            model_name='volunteer',
            name='consent_at',
        ),
        migrations.RemoveField(
            model_name='volunteer',
            name='consent_by',
        ),
        migrations.RemoveField(
            model_name='volunteer',
            name='consent_method',
        ),
        migrations.RemoveField(
            model_name='volunteer',
            name='consent_withdrawn_at',
        ),
    ]
