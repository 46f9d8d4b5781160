"""Claims settled by the database, proven with real parallel connections:
fifty people press 认领 on the same wish at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from linli.core.models import AuditEvent, User
from linli.core.tests.factories import PersonFactory, UserFactory
from linli.needs import actions
from linli.needs.actions import AlreadyClaimed
from linli.needs.models import Claim, Need
from linli.needs.tests.factories import make_need

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

CLAIMANTS = 50


def test_fifty_claimants_at_once_make_exactly_one_claim(tree):
    need = make_need(tree.lianyang2, Need.State.PUBLISHED, scope=Need.Scope.SUBDISTRICT)
    # Residents of two other neighborhoods of 花木, which the subdistrict scope reaches.
    homes = [tree.peihua1, tree.lianyang1]
    claimants = [
        User.objects.get(pk=UserFactory(username=f"claimant{n}", person=PersonFactory(neighborhood=homes[n % 2])).pk)
        for n in range(CLAIMANTS)
    ]
    barrier = threading.Barrier(CLAIMANTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def press_claim(user: User) -> None:
        try:
            # Each thread's own connection, opened before the barrier so that
            # the claims, not the connection handshakes, are what race.
            connection.ensure_connection()
            barrier.wait()
            actions.claim_need(actor=user, need=Need.objects.get(pk=need.pk))
            result = "claimed"
        except AlreadyClaimed as error:
            result = f"refused: {error.code}"
        except Exception as error:  # anything else is a failure, reported below
            result = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=press_claim, args=(user,)) for user in claimants]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(outcomes) == CLAIMANTS
    assert outcomes.count("claimed") == 1, outcomes
    assert outcomes.count("refused: already_claimed") == CLAIMANTS - 1, outcomes
    need.refresh_from_db()
    assert need.state == Need.State.CLAIMED
    assert Claim.objects.filter(need=need).count() == 1
    assert AuditEvent.objects.filter(action="needs.claimed", target_id=str(need.pk)).count() == 1
