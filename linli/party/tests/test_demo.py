"""The party demo data: written through the actions, with gaps on the board, and safe to run twice."""

from __future__ import annotations

import datetime

import pytest

from linli.party import queries
from linli.party.demo import COURSE_TITLE, seed_party_demo
from linli.party.models import CommitteeMember, Meeting, TrainingCourse

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 7, 15)


def test_the_demo_holds_a_year_of_meetings_with_gaps_and_the_secretaries_training(party, tree, huamu_staff):
    party.ly2.secretary = party.members[0]
    party.ly2.save()

    first = seed_party_demo(today=TODAY)
    assert first.created["meetings"] > 0 and first.created["courses"] == 1
    assert CommitteeMember.objects.filter(party_organization=party.ph1).count() == 2  # its two members
    assert Meeting.objects.filter(party_organization=party.ph1).exists()  # every other branch, in name order
    assert not Meeting.objects.filter(party_organization=party.ly2).exists()
    assert Meeting.objects.filter(state=Meeting.State.ACCEPTED).exists()
    assert TrainingCourse.objects.get(title=COURSE_TITLE).sessions.count() == 6

    board = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY)
    assert board.total.branches == 2 and board.total.with_gaps >= 1

    again = seed_party_demo(today=TODAY)
    assert again.created == {"meetings": 0, "committee_seats": 0, "courses": 0}
