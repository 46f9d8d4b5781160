"""Volunteer personas, next to the shared ones in the root conftest.py:

`lianyang2_secretary` (staff over 联洋二) and `peihua1_secretary` (out of its
scope); `ly2_volunteer`, a 联洋二 resident registered as a volunteer whose
account is their own (`ly2_volunteer_user`); `ly2_team`, 联洋二's
garbage-sorting team; `activity`, a 联洋二 activity running now.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from linli.core.models import Person, User
from linli.core.tests.factories import PersonFactory, UserFactory
from linli.volunteers import actions
from linli.volunteers.models import Activity, Team, Volunteer


@pytest.fixture(autouse=True)
def english(client, settings):
    """Refusals and pages are read in English here (msgids), as the other modules' tests do."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def register(person: Person, **extra) -> Volunteer:
    return actions.register_volunteer(
        actor=None, person=person, consent_by=extra.pop("consent_by", person.name),
        consent_at=extra.pop("consent_at", timezone.now() - datetime.timedelta(days=400)),
        consent_method=extra.pop("consent_method", Volunteer.ConsentMethod.SIGNED_FORM))


def make_volunteer(neighborhood, name: str = "志愿者", **person_fields) -> Volunteer:
    # An adult unless the test says otherwise: the factory's random age could fall under a team's minimum age.
    person_fields.setdefault("birth_date", datetime.date(1985, 3, 1))
    return register(PersonFactory(name=name, neighborhood=neighborhood, **person_fields))


@pytest.fixture
def ly2_volunteer_user(tree) -> User:
    person = PersonFactory(name="孙志愿", neighborhood=tree.lianyang2, birth_date=datetime.date(1980, 5, 1))
    register(person)
    user = UserFactory(username="ly2_vol", display_name="孙志愿", person=person)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def ly2_volunteer(ly2_volunteer_user) -> Volunteer:
    return Volunteer.objects.select_related("person").get(person_id=ly2_volunteer_user.person_id)


@pytest.fixture
def ly2_team(tree) -> Team:
    return actions.create_team(actor=None, name="联洋二垃圾分类志愿者队", kind=Team.Kind.GARBAGE_SORTING,
                               area=tree.lianyang2, minimum_age=14)


def make_activity(area, *, start: datetime.datetime | None = None, hours: float = 2, capacity: int = 10,
                  title: str = "红色文化参观", **extra) -> Activity:
    start = start or timezone.now() - datetime.timedelta(minutes=10)
    return actions.create_activity(actor=None, title=title, kind=extra.pop("kind", Activity.Kind.STUDY_VISIT),
                                   area=area, place=extra.pop("place", "中共一大会址"), starts_at=start,
                                   ends_at=start + datetime.timedelta(hours=hours), capacity=capacity, **extra)


@pytest.fixture
def activity(tree) -> Activity:
    return make_activity(tree.lianyang2)
