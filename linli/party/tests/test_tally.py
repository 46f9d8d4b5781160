"""The board's maintained meeting tallies equal the counts computed from the meetings after every kind of change
an action makes: a meeting recorded, its date moved (within a month, to another month, to another year), a
refused change (nothing counted), and a rebuild (the migration's backfill) from the meetings."""

from __future__ import annotations

import datetime
import threading
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from linli.party import actions, queries, tally
from linli.party.models import Meeting, MeetingTally
from linli.party.tests.conftest import member
from linli.party.tests.factories import hold

pytestmark = pytest.mark.django_db

K = Meeting.Kind
TODAY = datetime.date(2026, 4, 15)


def computed() -> Counter[tuple[int, str, int, int]]:
    """Meetings per (organization, kind, year, month), counted from the records."""
    return Counter((org, kind, on.year, on.month)
                   for org, kind, on in Meeting.objects.values_list("party_organization_id", "kind", "held_on"))


def maintained() -> Counter[tuple[int, str, int, int]]:
    counts: Counter[tuple[int, str, int, int]] = Counter()
    for t in MeetingTally.objects.all():
        for month in range(1, 13):
            if n := getattr(t, f"m{month}"):
                counts[t.party_organization_id, t.kind, t.year, month] = n
    return counts


def test_recording_meetings_counts_each_in_its_organization_kind_and_month(party):
    hold(party.ly2, K.COMMITTEE, datetime.date(2026, 1, 8))
    hold(party.ly2, K.COMMITTEE, datetime.date(2026, 1, 20))
    hold(party.ly2, K.THEME_DAY, datetime.date(2025, 12, 31))
    hold(party.ly2_group, K.GROUP, datetime.date(2026, 2, 2))
    hold(party.ph1, K.TALK, datetime.date(2026, 3, 3))
    assert maintained() == computed()
    assert maintained()[party.ly2.pk, K.COMMITTEE, 2026, 1] == 2


def test_moving_a_meetings_date_moves_its_count(party):
    meeting = hold(party.ly2, K.COMMITTEE, datetime.date(2026, 1, 8))
    hold(party.ly2, K.COMMITTEE, datetime.date(2026, 1, 9))
    for on in (datetime.date(2026, 1, 28), datetime.date(2026, 3, 2), datetime.date(2025, 11, 5)):
        actions.update_meeting(actor=None, meeting=meeting, held_on=on)
        assert maintained() == computed(), on
    assert maintained()[party.ly2.pk, K.COMMITTEE, 2025, 11] == 1
    assert maintained()[party.ly2.pk, K.COMMITTEE, 2026, 1] == 1
    actions.update_meeting(actor=None, meeting=meeting, topic="另一个议题")  # no date change: counts stay
    assert maintained() == computed()


def test_a_refused_change_counts_nothing(party):
    meeting = hold(party.ly2, K.COMMITTEE, datetime.date(2026, 1, 8))
    before = maintained()
    with pytest.raises(ValidationError):
        actions.update_meeting(actor=None, meeting=meeting, held_on=datetime.date(2099, 1, 1))  # in the future
    with pytest.raises(ValidationError):
        hold(party.ly2, K.COMMITTEE, datetime.date(2099, 1, 1))
    assert maintained() == before == computed()


def test_a_meetings_kind_and_organization_are_not_editable(party):
    """So the tally moves only with the date; meetings are never deleted (their organization is protected)."""
    meeting = hold(party.ly2, K.COMMITTEE, datetime.date(2026, 1, 8))
    with pytest.raises(TypeError):
        actions.update_meeting(actor=None, meeting=meeting, kind=K.THEME_DAY)
    with pytest.raises(TypeError):
        actions.update_meeting(actor=None, meeting=meeting, party_organization=party.ph1)
    assert maintained() == computed()


def test_the_rebuild_and_the_migrations_backfill_give_the_same_tallies(party):
    hold(party.ly2, K.COMMITTEE, datetime.date(2026, 1, 8))
    hold(party.ly2_group, K.GROUP, datetime.date(2026, 2, 2))
    hold(party.ly2, K.THEME_DAY, datetime.date(2025, 12, 31))
    Meeting.objects.filter(kind=K.THEME_DAY).update(held_on=datetime.date(2025, 6, 30))  # behind the actions' back
    assert maintained() != computed()
    tally.rebuild()
    assert maintained() == computed()


def test_the_board_reads_the_tallies(party, huamu_staff, tree):
    """The board counts what the tallies say: a meeting moved out of January leaves January missing."""
    member(party.ly2, "党员甲")
    meeting = hold(party.ly2, K.COMMITTEE, datetime.date(2026, 1, 8))

    def january() -> str:
        board = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY)
        row = next(r for r in board.rows if r.branch == party.ly2)
        cells = next(c for c in row.cells if c.requirement.kind == K.COMMITTEE)
        return cells.periods[0].status

    assert january() == "met"
    actions.update_meeting(actor=None, meeting=meeting, held_on=datetime.date(2026, 2, 8))
    assert january() == "missing"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_meetings_recorded_at_once_are_all_counted(party):
    """Parallel connections recording meetings of one branch, kind and month: none of the increments is lost."""
    writers = 8
    barrier = threading.Barrier(writers)
    errors: list[str] = []

    def record(n: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            hold(party.ly2, K.THEME_DAY, datetime.date(2026, 3, 1 + n))
        except Exception as error:  # reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert maintained()[party.ly2.pk, K.THEME_DAY, 2026, 3] == writers
    assert maintained() == computed()
