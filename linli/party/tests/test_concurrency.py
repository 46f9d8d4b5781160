"""Review settled by the database, with real parallel connections: reviewers
pressing accept and return on the same submitted record at once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from linli.core.models import AuditEvent, User
from linli.party import actions
from linli.party.actions import IllegalTransition
from linli.party.models import Meeting
from linli.party.tests.factories import hold

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

REVIEWERS = 8


def test_of_reviewers_acting_at_once_exactly_one_decides(party, lianyang_staff, lianyang2_secretary):
    meeting = hold(party.ly2, minutes="会议记录")
    actions.submit_meeting(actor=lianyang2_secretary, meeting=meeting)
    barrier = threading.Barrier(REVIEWERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def review(n: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            actor = User.objects.get(pk=lianyang_staff.pk)
            stale = Meeting.objects.select_related("party_organization__parent").get(pk=meeting.pk)
            if n % 2:
                actions.accept_meeting(actor=actor, meeting=stale)
            else:
                actions.return_meeting(actor=actor, meeting=stale, comment="补签到表")
            result = "decided"
        except IllegalTransition:
            result = "refused"
        except Exception as error:  # anything else is a failure, reported below
            result = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=review, args=(n,)) for n in range(REVIEWERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["decided"] + ["refused"] * (REVIEWERS - 1), outcomes
    decided = AuditEvent.objects.filter(action__in=["party.meeting_accepted", "party.meeting_returned"],
                                        target_id=str(meeting.pk))
    assert decided.count() == 1
