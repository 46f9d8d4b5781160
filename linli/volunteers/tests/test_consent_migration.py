"""Migration 0004: each volunteer's consent fields become their first consent period, a withdrawal included."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("volunteers", "0003_activity_photos")]
AFTER = [("volunteers", "0004_consent_periods")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_consent_fields_become_one_period_per_volunteer():
    apps = _migrate(BEFORE)
    try:
        Area = apps.get_model("core", "Area")
        Person = apps.get_model("core", "Person")
        Volunteer = apps.get_model("volunteers", "Volunteer")
        hm = Area.objects.create(code="310115009", name="花木街道", level="subdistrict", path="310115009/", depth=1)
        given = timezone.now() - datetime.timedelta(days=400)
        withdrawn = timezone.now() - datetime.timedelta(days=10)
        staying = Volunteer.objects.create(person=Person.objects.create(name="甲", neighborhood=hm),
                                           registration="staff", consent_by="甲的母亲", consent_at=given,
                                           consent_method="guardian")
        leaving = Volunteer.objects.create(person=Person.objects.create(name="乙", neighborhood=hm),
                                           registration="self", consent_by="乙", consent_at=given,
                                           consent_method="online", consent_withdrawn_at=withdrawn)

        apps = _migrate(AFTER)
        Consent = apps.get_model("volunteers", "Consent")
        rows = {c.volunteer_id: c for c in Consent.objects.all()}
        assert set(rows) == {staying.pk, leaving.pk}
        kept = rows[staying.pk]
        assert (kept.given_at, kept.given_by, kept.method, kept.registration, kept.withdrawn_at) == (
            given, "甲的母亲", "guardian", "staff", None)
        gone = rows[leaving.pk]
        assert (gone.given_at, gone.given_by, gone.method, gone.registration, gone.withdrawn_at) == (
            given, "乙", "online", "self", withdrawn)
        assert "consent_at" not in {f.name for f in apps.get_model("volunteers", "Volunteer")._meta.get_fields()}
    finally:
        apps = _migrate(AFTER)
        # Empty the tables again so the rest of the run starts from the leaf migrations on clean data.
        apps.get_model("volunteers", "Consent").objects.all().delete()
        apps.get_model("volunteers", "Volunteer").objects.all().delete()
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
