"""Races settled by the database, proven with real parallel connections."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from linli.core import actions
from linli.core.models import Person
from linli.core.tests.factories import make_id_number

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


def test_two_clerks_entering_the_same_id_number_at_once_make_one_record(tree, lianyang2_secretary, huamu_staff):
    id_number = make_id_number(datetime.date(1970, 1, 2), seq=55)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def enter(n: int) -> None:
        actor = lianyang2_secretary if n % 2 else huamu_staff
        try:
            barrier.wait()
            actions.create_person(actor=actor, name=f"并发{n}", neighborhood=tree.lianyang2, id_number=id_number)
            result = "created"
        except ValidationError as error:
            result = "refused: " + " ".join(error.messages)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=enter, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert outcomes.count("created") == 1, outcomes
    assert len(outcomes) == 8
    assert Person.objects.filter(id_number=id_number).count() == 1
