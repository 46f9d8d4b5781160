"""Idempotent submission settled by the database, with real parallel connections:
a phone on a bad connection sends the same inspection several times at once."""

from __future__ import annotations

import datetime
import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone, translation

from linli.core.models import AuditEvent
from linli.inspections import actions
from linli.inspections.actions import AnswerIn
from linli.inspections.models import Inspection
from linli.problems.models import Problem

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

RETRIES = 12


def test_the_same_submission_sent_at_once_is_saved_once(tree, officer, fire_service, snack_shop):
    # Its own checklist: a transactional test starts from a flushed database, without the shipped data.
    version = actions.publish_checklist_version(
        actor=None, template_code="hose", name="软管检查", config={"hose_max_m": 2.0},
        items=[{"code": "hose_length_m", "text": "软管长度", "answer_type": "number", "limits": {"max": "hose_max_m"}}])
    client_id = uuid.uuid4()
    barrier = threading.Barrier(RETRIES)
    outcomes: list[str] = []
    lock = threading.Lock()

    def send() -> None:
        try:
            connection.ensure_connection()
            answers = {"hose_length_m": AnswerIn(value="2.8")}
            barrier.wait()
            inspection, created = actions.submit_inspection(
                actor=officer, client_id=client_id, establishment=snack_shop, version=version,
                date=timezone.localdate(), departments=[fire_service], officers=[officer], answers=answers)
            result = f"{'created' if created else 'returned'}:{inspection.pk}"
        except Exception as error:  # reported below
            result = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=send) for _ in range(RETRIES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    inspection = Inspection.objects.get(client_id=client_id)
    assert outcomes.count(f"created:{inspection.pk}") == 1, outcomes
    assert outcomes.count(f"returned:{inspection.pk}") == RETRIES - 1, outcomes
    assert Inspection.objects.count() == 1
    assert Problem.objects.count() == 1
    assert AuditEvent.objects.filter(action="inspections.submitted").count() == 1


def _open_finding_campaign(officer, fire_service, snack_shop):
    """A campaign with one open finding (its own checklist: the flushed database has no shipped data)."""
    from linli.inspections.tests.factories import make_campaign

    version = actions.publish_checklist_version(
        actor=None, template_code="hose", name="软管检查", config={"hose_max_m": 2.0},
        items=[{"code": "hose_length_m", "text": "软管长度", "answer_type": "number", "limits": {"max": "hose_max_m"}}])
    campaign = make_campaign(officer, fire_service, snack_shop.area.parent.parent, [snack_shop])
    actions.submit_inspection(actor=officer, client_id=uuid.uuid4(), establishment=snack_shop, version=version,
                              date=timezone.localdate(), departments=[fire_service], officers=[officer],
                              answers={"hose_length_m": AnswerIn(value="2.8")}, campaign=campaign)
    return campaign


def _race(count: int, work) -> list[str]:
    barrier = threading.Barrier(count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            result = work()
        except Exception as error:  # reported by the caller's assertions
            result = f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_officers_scheduling_the_look_back_at_once_create_one_visit_per_finding(tree, officer, fire_service,
                                                                                 snack_shop):
    from linli.inspections.models import Reinspection

    campaign = _open_finding_campaign(officer, fire_service, snack_shop)
    outcomes = _race(6, lambda: str(len(actions.schedule_reinspections(actor=officer, campaign=campaign))))
    assert sorted(outcomes) == ["0"] * 5 + ["1"], outcomes
    assert Reinspection.objects.count() == 1
    assert AuditEvent.objects.filter(action="inspections.reinspections_scheduled").count() == 1


def test_a_look_back_recorded_twice_at_once_is_recorded_once(tree, officer, fire_service, snack_shop):
    from linli.inspections.models import Reinspection, SupervisionNotice

    campaign = _open_finding_campaign(officer, fire_service, snack_shop)
    [visit] = actions.schedule_reinspections(actor=officer, campaign=campaign)
    deadline = timezone.localdate() + datetime.timedelta(days=5)

    def record() -> str:
        with translation.override("en"):  # a thread does not inherit the test's language
            actions.record_reinspection(actor=officer, reinspection=visit, outcome="not_fixed",
                                        new_deadline=deadline)
        return "recorded"

    outcomes = _race(4, record)
    assert outcomes.count("recorded") == 1, outcomes
    assert all("already recorded" in o for o in outcomes if o != "recorded"), outcomes
    assert Reinspection.objects.get().outcome == "not_fixed"
    assert SupervisionNotice.objects.count() == 1
