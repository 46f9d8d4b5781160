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
from linli.party.models import CommitteeMember, Meeting, MeetingTally, TalkTally
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


# 谈心谈话 coverage (TalkTally) ------------------------------------------------------------

def covered_computed() -> dict[tuple[int, int], int]:
    """Per (branch, year): members present at a talk where someone else present sat on the branch committee
    that day, counted from the attendance and the seats in Python."""
    from linli.party.models import Attendance, CommitteeMember

    seats = list(CommitteeMember.objects.all())
    people: dict[tuple[int, int], set[int]] = {}
    talks = Meeting.objects.filter(kind=K.TALK).select_related("party_organization")
    for meeting in talks:
        branch = tally.branch_of(meeting.party_organization)
        present = [a.person_id for a in Attendance.objects.filter(meeting=meeting, present=True)
                   if a.person_id is not None]
        members = [a.person_id for a in Attendance.objects.filter(meeting=meeting, present=True, role="member")
                   if a.person_id is not None]
        on = meeting.held_on
        sitting = {s.person_id for s in seats if s.party_organization_id == branch and s.started_on <= on
                   and (s.ended_on is None or s.ended_on >= on)}
        for p in members:
            if any(q != p and q in sitting for q in present):
                people.setdefault((branch, on.year), set()).add(p)
    return {k: len(v) for k, v in people.items()}


def covered_maintained() -> dict[tuple[int, int], int]:
    return {(b, y): n for b, y, n in TalkTally.objects.values_list("branch_id", "year", "covered") if n}


@pytest.fixture
def branch(party):
    """联洋二: a secretary from 2025, three members (one in the party group)."""
    secretary = member(party.ly2, "书记")
    people = [member(party.ly2, "党员甲"), member(party.ly2, "党员乙"), member(party.ly2_group, "组员丙")]
    seat = actions.add_committee_member(actor=None, party_organization=party.ly2, person=secretary,
                                        started_on=datetime.date(2025, 1, 1),
                                        position=CommitteeMember.Position.SECRETARY)
    return party.ly2, secretary, people, seat


def talk(org, people, on, guests=()):
    return actions.record_meeting(actor=None, party_organization=org, kind=K.TALK, held_on=on, topic="谈心谈话",
                                  present=people, guests=guests)


def test_talk_coverage_follows_talks_recorded_moved_and_rewritten(party, branch):
    ly2, secretary, (a, b, c), _seat = branch
    first = talk(ly2, [secretary, a], datetime.date(2026, 2, 3))
    talk(party.ly2_group, [c], datetime.date(2026, 3, 3), guests=[secretary])  # counts for the group's branch
    talk(ly2, [a, b], datetime.date(2026, 3, 4))  # no committee member present: covers nobody
    assert covered_maintained() == covered_computed() == {(ly2.pk, 2026): 2}  # a and c (the secretary: no one)
    actions.update_meeting(actor=None, meeting=first, held_on=datetime.date(2025, 12, 30))  # to another year
    assert covered_maintained() == covered_computed()
    assert covered_maintained()[ly2.pk, 2025] == 1  # a, by the secretary
    actions.update_meeting(actor=None, meeting=first, present=[secretary, b], absent={a: "出差"})  # other pair
    assert covered_maintained() == covered_computed()
    actions.update_meeting(actor=None, meeting=first, present=[a, b], absent={secretary: "出差"})  # no seat there
    assert covered_maintained() == covered_computed()
    assert (ly2.pk, 2025) not in covered_maintained()


def test_talk_coverage_follows_committee_seats(party, branch):
    ly2, secretary, (a, b, c), seat = branch
    talk(ly2, [a, b], datetime.date(2026, 2, 3))
    talk(ly2, [secretary, c], datetime.date(2026, 5, 3))
    assert covered_maintained() == covered_computed()
    actions.add_committee_member(actor=None, party_organization=ly2, person=a, started_on=datetime.date(2026, 1, 1))
    assert covered_maintained() == covered_computed()
    assert covered_maintained()[ly2.pk, 2026] == 2  # b (by a, seated from January) and c (by the secretary)
    actions.end_committee_seat(actor=None, seat=seat, ended_on=datetime.date(2026, 4, 30))  # before the May talk
    assert covered_maintained() == covered_computed() == {(ly2.pk, 2026): 1}


def test_the_board_shows_the_maintained_talk_coverage(party, branch, huamu_staff, tree):
    ly2, secretary, (a, _b, _c), seat = branch
    talk(ly2, [secretary, a], datetime.date(2026, 2, 3))
    row = next(r for r in queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY).rows
               if r.branch == ly2)
    assert row.talks is not None and row.talks.covered == 1  # a, by the secretary
    actions.end_committee_seat(actor=None, seat=seat, ended_on=datetime.date(2026, 1, 31))
    row = next(r for r in queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY).rows
               if r.branch == ly2)
    assert row.talks is not None and row.talks.covered == 0  # the seat ended before the talk


def test_the_rebuild_recounts_talk_coverage(party, branch):
    ly2, secretary, (a, _b, _c), _seat = branch
    talk(ly2, [secretary, a], datetime.date(2026, 2, 3))
    TalkTally.objects.all().delete()
    tally.rebuild()
    assert covered_maintained() == covered_computed() == {(ly2.pk, 2026): 1}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_talks_recorded_at_once_are_all_covered(party):
    """Parallel connections recording talks of one branch: each recount waits for the other (the branch's row
    lock) and sees its talk, so the coverage counts every pair."""
    secretary = member(party.ly2, "书记")
    people = [member(party.ly2, f"党员{n}") for n in range(6)]
    actions.add_committee_member(actor=None, party_organization=party.ly2, person=secretary,
                                 started_on=datetime.date(2025, 1, 1))
    barrier = threading.Barrier(len(people))
    errors: list[str] = []

    def record(n: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait()
            talk(party.ly2, [secretary, people[n]], datetime.date(2026, 3, 1 + n))
        except Exception as error:  # reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(n,)) for n in range(len(people))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert covered_maintained() == covered_computed() == {(party.ly2.pk, 2026): len(people)}


def test_talk_coverage_follows_a_party_group_moved_to_another_branch(party, branch):
    from linli.core import actions as core_actions

    ly2, secretary, (_a, _b, c), _seat = branch
    other_secretary = member(party.ph1, "培花书记")
    actions.add_committee_member(actor=None, party_organization=party.ph1, person=other_secretary,
                                 started_on=datetime.date(2025, 1, 1))
    talk(party.ly2_group, [c], datetime.date(2026, 3, 3), guests=[secretary])
    talk(party.ly2_group, [c], datetime.date(2026, 3, 4), guests=[other_secretary])
    assert covered_maintained() == covered_computed() == {(ly2.pk, 2026): 1}
    core_actions.update_party_organization(actor=None, party_organization=party.ly2_group, parent=party.ph1)
    assert covered_maintained() == covered_computed() == {(party.ph1.pk, 2026): 1}
