"""Idempotent submission settled by the database, with real parallel connections:
a phone on a bad connection sends the same inspection several times at once."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from django.utils import timezone

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
