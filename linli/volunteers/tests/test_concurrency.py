"""Capacity settled by the database, with real parallel PostgreSQL connections: many volunteers signing up
for the last places at once, and staff swapping and signing up for a duty shift's last place."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from linli.core.models import User
from linli.volunteers import actions
from linli.volunteers.models import Activity, SignUp, Volunteer
from linli.volunteers.tests.conftest import make_activity, make_volunteer

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

RACERS = 12
CAPACITY = 3


def race(n: int, work: Callable[[int], None]) -> list[str]:
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            work(i)
            result = "won"
        except ValidationError:
            result = "refused"
        except Exception as error:  # anything else is a failure, reported below
            result = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_of_volunteers_signing_up_at_once_exactly_capacity_get_a_place(tree, lianyang2_secretary):
    activity = make_activity(tree.lianyang2, capacity=CAPACITY)
    volunteers = [make_volunteer(tree.lianyang2, f"志愿者{i}") for i in range(RACERS)]
    staff_id = lianyang2_secretary.pk

    def sign(i: int) -> None:
        actor = User.objects.get(pk=staff_id)
        stale = Activity.objects.get(pk=activity.pk)
        v = Volunteer.objects.select_related("person").get(pk=volunteers[i].pk)
        actions.sign_up(actor=actor, activity=stale, volunteer=v, consent_by=v.person.name, consent_method="in_person")

    outcomes = race(RACERS, sign)
    assert sorted(outcomes) == ["refused"] * (RACERS - CAPACITY) + ["won"] * CAPACITY, outcomes
    assert SignUp.objects.filter(activity=activity, state="signed_up").count() == CAPACITY


def test_one_volunteer_pressing_sign_up_twice_at_once_gets_one_place(tree, ly2_volunteer_user):
    activity = make_activity(tree.lianyang2, capacity=CAPACITY)
    user_id = ly2_volunteer_user.pk

    def sign(_i: int) -> None:
        actor = User.objects.get(pk=user_id)
        actions.sign_up(actor=actor, activity=Activity.objects.get(pk=activity.pk),
                        volunteer=Volunteer.objects.select_related("person").get(person_id=actor.person_id))

    outcomes = race(4, sign)
    assert sorted(outcomes) == ["refused"] * 3 + ["won"], outcomes
    assert SignUp.objects.filter(activity=activity).count() == 1
