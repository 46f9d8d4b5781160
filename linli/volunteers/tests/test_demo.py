"""The volunteers part of `linli seed_demo`: teams, the newsletter's four neighborhood activities with
attendance, a garbage-sorting roster with gaps, hours in the ledger; seeding again adds nothing."""

from __future__ import annotations

import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone, translation

from linli.core.models import Person, User
from linli.volunteers import queries
from linli.volunteers.models import Activity, DutyShift, ServiceRecord, Team, Volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def only_this_hook(monkeypatch):
    """Core's records and this module's hook only: the other modules' demos have their own tests."""
    from linli.core import demo as core_demo
    from linli.volunteers.demo import seed_volunteers

    monkeypatch.setattr(core_demo, "DEMO_HOOKS", [seed_volunteers])


def seed() -> float:
    started = time.monotonic()
    with translation.override("en"), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("seed_demo", people=200, stdout=StringIO())
    return time.monotonic() - started


def test_the_demo_has_teams_activities_a_roster_and_hours():
    seed()
    titles = set(Activity.objects.values_list("title", flat=True))
    assert {"红色文化参观:中共一大纪念馆", "垃圾分类:参观老港生活垃圾处置场", "参观东城七舞蹈活动中心",
            "牡丹四农场体验日"} <= titles
    assert set(Team.objects.values_list("kind", flat=True)) == set(Team.Kind.values)
    assert Volunteer.objects.filter(registration="self", person__account__username="ph1volunteer").exists()
    demo_volunteer = Volunteer.objects.get(person__account__username="volunteer")
    assert queries.totals_of(demo_volunteer).total > 0 and not queries.anomalies(
        User.objects.get(username="volunteer"))
    sources = set(ServiceRecord.objects.values_list("source", flat=True))
    assert sources == {"attendance", "staff", "reversal"}
    shifts = DutyShift.objects.filter(post__name="联洋二3号垃圾投放点")
    today = timezone.localdate()
    gaps = queries.shifts_of(list({s.post for s in shifts}), start=today, end=today.replace(year=today.year + 1),
                             gaps_only=True)
    assert gaps.exists()
    huamu = User.objects.get(username="huamu")
    assert {a.kind for a in queries.anomalies(huamu)} == {"overlap"}
    # The volunteer who withdrew and came back: two periods, the hours of the first not flagged (above).
    back = Volunteer.objects.get(consents__withdrawn_at__isnull=False)
    assert back.consents.count() == 2 and back.is_active and queries.totals_of(back).total > 0
    assert sum(h for _a, h in queries.neighborhood_totals(huamu, today.year)) > 0 or today.month == 1
    # Every resident the people list marks a volunteer is a registered volunteer, with a consent on record.
    flagged = Person.objects.filter(is_volunteer=True)
    assert flagged.count() == Volunteer.objects.count() > 50
    assert not flagged.filter(volunteer__consents__isnull=True).exists()


def test_seeding_again_adds_nothing():
    seed()
    counts = (Volunteer.objects.count(), ServiceRecord.objects.count(), Activity.objects.count())
    seed()
    assert (Volunteer.objects.count(), ServiceRecord.objects.count(), Activity.objects.count()) == counts
