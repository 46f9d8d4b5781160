"""Capacity settled by the database, with real parallel PostgreSQL connections: many volunteers signing up
for an activity's last places at once, and many taking a duty shift's last place at once; hours entered while
the volunteer's consent is being withdrawn."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation

from linli.core.models import AuditEvent, User
from linli.core.tests.factories import UserFactory
from linli.volunteers import actions
from linli.volunteers.models import Activity, DutyAssignment, DutyShift, ServiceRecord, SignUp, Volunteer
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


def test_of_volunteers_taking_a_shifts_last_place_at_once_exactly_one_gets_it(tree, lianyang2_secretary):
    post = actions.create_post(actor=None, name="联洋二3号垃圾投放点", area=tree.lianyang2, people_needed=2)
    shift = actions.create_shift(actor=None, post=post, day=timezone.localdate() + datetime.timedelta(days=1),
                                 starts_at=datetime.time(7), ends_at=datetime.time(9))
    actions.assign_duty(actor=lianyang2_secretary, shift=shift, volunteer=make_volunteer(tree.lianyang2, "早到"))
    user_ids = []
    for i in range(RACERS):
        volunteer = make_volunteer(tree.lianyang2, f"值守{i}")
        user_ids.append(UserFactory(username=f"duty{i}", person=volunteer.person).pk)

    def take(i: int) -> None:
        actor = User.objects.get(pk=user_ids[i])
        actions.assign_duty(actor=actor, shift=DutyShift.objects.get(pk=shift.pk),
                            volunteer=Volunteer.objects.select_related("person").get(person_id=actor.person_id))

    outcomes = race(RACERS, take)
    assert sorted(outcomes) == ["refused"] * (RACERS - 1) + ["won"], outcomes
    assert DutyAssignment.objects.filter(shift=shift).count() == 2
    assert AuditEvent.objects.filter(action="volunteers.duty_assigned").count() == 2


def test_one_volunteer_pressing_take_this_shift_twice_at_once_is_on_it_once(tree, ly2_volunteer_user):
    post = actions.create_post(actor=None, name="联洋二3号垃圾投放点", area=tree.lianyang2, people_needed=3)
    shift = actions.create_shift(actor=None, post=post, day=timezone.localdate() + datetime.timedelta(days=1),
                                 starts_at=datetime.time(7), ends_at=datetime.time(9))
    user_id = ly2_volunteer_user.pk

    def take(_i: int) -> None:
        actor = User.objects.get(pk=user_id)
        actions.assign_duty(actor=actor, shift=DutyShift.objects.get(pk=shift.pk),
                            volunteer=Volunteer.objects.select_related("person").get(person_id=actor.person_id))

    outcomes = race(4, take)
    assert sorted(outcomes) == ["refused"] * 3 + ["won"], outcomes
    assert DutyAssignment.objects.filter(shift=shift).count() == 1


def test_hours_entered_while_a_withdrawal_is_being_saved_wait_for_it_and_are_refused(tree, lianyang2_secretary):
    """The credit reads the consent periods under the volunteer's row lock, which the withdrawal holds until it
    commits: the credit waits, then sees the period closed (today is no longer covered)."""
    volunteer = make_volunteer(tree.lianyang2, "退出中")
    staff_id = lianyang2_secretary.pk
    outcome: list[str] = []

    def credit() -> None:
        try:
            with translation.override("en"):  # threads start in the default language
                actions.record_hours(actor=User.objects.get(pk=staff_id), volunteer=Volunteer.objects.select_related(
                    "person").get(pk=volunteer.pk), hours="1", reason="纸质签到表", served_on=timezone.localdate())
            outcome.append("won")
        except ValidationError as error:
            outcome.append(" ".join(error.messages))
        finally:
            connection.close()

    with transaction.atomic():
        actions.withdraw_consent(actor=lianyang2_secretary, volunteer=volunteer)
        thread = threading.Thread(target=credit)
        thread.start()
        thread.join(timeout=1.5)
        assert thread.is_alive() and not outcome  # waiting on the volunteer's row
    thread.join(timeout=20)
    assert len(outcome) == 1 and "withdrew their consent" in outcome[0], outcome
    assert not ServiceRecord.objects.filter(volunteer=volunteer).exists()
