"""The compliance board: required meetings held per branch and period, from the records and the requirements."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.models import PartyOrganization
from linli.core.tests.factories import PartyOrganizationFactory
from linli.party import actions, queries
from linli.party.models import Meeting, MeetingRequirement
from linli.party.tests.conftest import member
from linli.party.tests.factories import hold

pytestmark = pytest.mark.django_db

K = Meeting.Kind
TODAY = datetime.date(2026, 4, 15)


def _row(board: queries.Board, branch: PartyOrganization) -> queries.BranchRow:
    return next(r for r in board.rows if r.branch == branch)


def _cells(row: queries.BranchRow, kind: str) -> dict[str, str]:
    cells = next(c for c in row.cells if c.requirement.kind == kind)
    return {p.label: p.status for p in cells.periods}


def test_default_requirements_are_data(db):
    assert dict(MeetingRequirement.objects.values_list("kind", "period")) == {
        "general_assembly": "quarter", "committee": "month", "group": "month", "theme_day": "month",
        "lecture": "year", "organizational_life": "year", "evaluation": "year", "talk": "year"}


def test_the_board_shows_which_periods_are_missing_and_which_are_still_open(party, huamu_staff, tree):
    hold(party.ly2, K.COMMITTEE, datetime.date(2026, 1, 8))
    hold(party.ly2, K.COMMITTEE, datetime.date(2026, 3, 8))
    hold(party.ly2, K.GENERAL_ASSEMBLY, datetime.date(2026, 2, 8))

    board = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY)
    row = _row(board, party.ly2)

    assert _cells(row, K.COMMITTEE) == {"Month 1": "met", "Month 2": "missing", "Month 3": "met", "Month 4": "open"}
    assert _cells(row, K.GENERAL_ASSEMBLY) == {"Q1": "met", "Q2": "open"}
    assert _cells(row, K.LECTURE) == {"2026": "open"}


def test_party_group_meetings_count_for_the_branch_when_every_group_met(party, huamu_staff, tree):
    second = PartyOrganizationFactory(name="第二党小组", level=PartyOrganization.Level.GROUP, area=tree.lianyang2,
                                      parent=party.ly2)
    member(second, "卫十一")
    hold(party.ly2_group, K.GROUP, datetime.date(2026, 1, 5))
    hold(second, K.GROUP, datetime.date(2026, 1, 6))
    hold(party.ly2_group, K.GROUP, datetime.date(2026, 2, 5))

    board = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY)
    cells = _cells(_row(board, party.ly2), K.GROUP)
    assert cells["Month 1"] == "met" and cells["Month 2"] == "missing"
    assert set(_cells(_row(board, party.ph1), K.GROUP).values()) == {"none"}  # 培花一 has no party groups


def test_a_configured_requirement_changes_the_board_without_code(party, huamu_staff, tree):
    MeetingRequirement.objects.filter(kind=K.LECTURE).update(period=MeetingRequirement.Period.QUARTER)
    MeetingRequirement.objects.filter(kind=K.THEME_DAY).update(active=False)
    hold(party.ly2, K.LECTURE, datetime.date(2026, 2, 1))

    board = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY)
    row = _row(board, party.ly2)
    assert _cells(row, K.LECTURE) == {"Q1": "met", "Q2": "open"}
    assert K.THEME_DAY not in {c.requirement.kind for c in row.cells}


def test_rolled_up_per_community_and_for_the_subdistrict(party, huamu_staff, tree):
    board = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY)
    by_area = {r.area.name: r for r in board.rollups if r.area}
    assert set(by_area) == {"联洋社区", "培花社区"}
    assert by_area["联洋社区"].branches == 1 and by_area["联洋社区"].with_gaps == 1
    # Three months of 主题党日 missing, and Q1's 党员大会, in each branch; three months of 支委会 in 联洋二 only:
    # 培花一, two members, has no committee (a secretary at most) and so no 支委会 to hold.
    assert by_area["培花社区"].missing_by_kind == {"general_assembly": 1, "theme_day": 3}
    assert by_area["联洋社区"].missing_by_kind == {"general_assembly": 1, "committee": 3, "theme_day": 3, "group": 3}
    assert board.total.branches == 2
    assert board.total.missing_by_kind["committee"] == 3


def test_a_branch_without_a_committee_has_no_committee_meetings_to_hold(party, huamu_staff, tree):
    board = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY)
    assert set(_cells(_row(board, party.ph1), K.COMMITTEE).values()) == {"none"}
    assert set(_cells(_row(board, party.ly2), K.COMMITTEE).values()) == {"missing", "open"}
    # Two seats are not a committee (one of three to five is); a third makes one, for the year it sits in.
    for person in party.ph1_members:
        actions.add_committee_member(actor=None, party_organization=party.ph1, person=person,
                                     started_on=datetime.date(2026, 1, 1))
    assert set(_cells(_row(queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY), party.ph1),
                      K.COMMITTEE).values()) == {"none"}
    third = member(party.ph1, "褚十一")
    actions.add_committee_member(actor=None, party_organization=party.ph1, person=third,
                                 started_on=datetime.date(2026, 3, 1))
    board = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY)
    assert "missing" in set(_cells(_row(board, party.ph1), K.COMMITTEE).values())
    assert board.total.missing_by_kind["committee"] == 6
    # A year before the seats began: no committee then.
    assert queries.compliance_board(huamu_staff, tree.huamu, 2025, today=TODAY).total.missing_by_kind.get(
        "committee") == 12  # 联洋二's, seated long ago, all of 2025


def test_an_excluded_branch_is_listed_with_its_reason_and_not_counted(party, huamu_staff, tree):
    actions.exclude_from_board(actor=huamu_staff, party_organization=party.ph1, reason="新成立,明年纳入")
    board = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY)
    assert [r.branch for r in board.rows] == [party.ly2]
    assert [(b, b.board_exclusion.reason) for b in board.excluded] == [(party.ph1, "新成立,明年纳入")]
    assert board.total.branches == 1


def test_the_board_holds_only_branches_in_scope(party, lianyang2_secretary, tree):
    board = queries.compliance_board(lianyang2_secretary, tree.huamu, 2026, today=TODAY)
    assert [r.branch for r in board.rows] == [party.ly2]


def test_the_board_takes_a_fixed_number_of_queries_whatever_the_number_of_branches(party, huamu_staff, tree):
    def count() -> int:
        user = type(huamu_staff).objects.get(pk=huamu_staff.pk)  # no cached grants
        with CaptureQueriesContext(connection) as queries_run:
            board = queries.compliance_board(user, tree.huamu, 2026, today=TODAY)
        assert board.rows
        return len(queries_run)

    hold(party.ly2, K.COMMITTEE, datetime.date(2026, 1, 8))
    few = count()
    for n in range(8):
        branch = PartyOrganizationFactory(name=f"党支部{n}", level=PartyOrganization.Level.BRANCH,
                                          area=tree.peihua1, parent=party.peihua)
        group = PartyOrganizationFactory(name=f"党小组{n}", level=PartyOrganization.Level.GROUP, area=tree.peihua1,
                                         parent=branch)
        member(group, f"组员{n}")
        member(branch, f"党员{n}")
        hold(branch, K.THEME_DAY, datetime.date(2026, 2, 1))
        hold(group, K.GROUP, datetime.date(2026, 2, 2))
        if n % 2:
            actions.exclude_from_board(actor=None, party_organization=branch, reason="合并中")
        talk(branch, [f"党员{n}"], on=datetime.date(2026, 2, 3))
    assert count() == few <= 10


def talk(org: PartyOrganization, names: list[str], on: datetime.date = datetime.date(2026, 2, 3)) -> Meeting:
    """A 谈心谈话 of `org` between the members named."""
    people = [p for p in queries.members_on(org, on) if p.name in names]
    return actions.record_meeting(actor=None, party_organization=org, kind=K.TALK, held_on=on, topic="谈心谈话",
                                  present=people)


def test_talk_coverage_counts_members_who_talked_with_a_committee_member(party, huamu_staff, tree):
    # 赵一 (secretary) with 周五 and with 钱二 (deputy): all three covered. 李四 and 吴六 talk with each
    # other only, and 郑七 alone: none of them covered.
    talk(party.ly2, ["赵一", "周五"])
    talk(party.ly2, ["钱二", "赵一"])
    talk(party.ly2, ["李四", "吴六"])
    talk(party.ly2_group, ["郑七"], on=datetime.date(2026, 2, 4))  # alone: nobody else present
    board = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY)
    row = _row(board, party.ly2)
    assert row.talks == queries.TalkCoverage(covered=3, members=8)  # 周五, 钱二, 赵一
    assert _row(board, party.ph1).talks == queries.TalkCoverage(covered=0, members=2)
    by_area = {r.area.name: r for r in board.rollups if r.area}
    assert (by_area["联洋社区"].talk_covered, by_area["联洋社区"].talk_members) == (3, 8)
    assert (board.total.talk_covered, board.total.talk_members) == (3, 10)
    assert K.TALK not in {c.requirement.kind for c in row.cells}  # coverage, not a count of meetings


def test_a_talk_with_someone_no_longer_on_the_committee_does_not_cover(party, huamu_staff, tree):
    seat = party.ly2.committee_members.get(person=party.members[0])
    actions.end_committee_seat(actor=None, seat=seat, ended_on=datetime.date(2026, 1, 31))
    talk(party.ly2, ["赵一", "周五"], on=datetime.date(2026, 2, 3))
    board = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY)
    assert _row(board, party.ly2).talks == queries.TalkCoverage(covered=0, members=8)


def test_talk_coverage_is_not_shown_when_its_requirement_is_off(party, huamu_staff, tree):
    MeetingRequirement.objects.filter(kind=K.TALK).update(active=False)
    board = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY)
    assert _row(board, party.ly2).talks is None and board.talks is False


def test_the_branches_are_listed_a_page_at_a_time_and_the_roll_up_counts_them_all(party, huamu_staff, tree):
    hold(party.ly2, K.COMMITTEE, datetime.date(2026, 1, 8))
    whole = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY)
    first = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY, per_page=1)
    second = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY, page=2, per_page=1)
    assert [r.branch for r in first.rows] + [r.branch for r in second.rows] == [r.branch for r in whole.rows]
    assert len(first.rows) == 1 and first.page.paginator.num_pages == 2
    # The page's cells are the whole board's, and the roll-up is over both branches on either page.
    assert _cells(_row(second, whole.rows[1].branch), K.COMMITTEE) == _cells(whole.rows[1], K.COMMITTEE)
    for board in (first, second):
        assert board.total.branches == 2 and board.total.missing_by_kind == whole.total.missing_by_kind
        assert [(r.area, r.branches, r.missing_by_kind) for r in board.rollups] == [
            (r.area, r.branches, r.missing_by_kind) for r in whole.rollups]
    assert queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY, page="x", per_page=1).page.number == 1


def test_the_roll_up_counts_a_group_meeting_missing_when_one_group_missed_it(party, huamu_staff, tree):
    second = PartyOrganizationFactory(name="第二党小组", level=PartyOrganization.Level.GROUP, area=tree.lianyang2,
                                      parent=party.ly2)
    for month in (1, 2, 3):
        hold(party.ly2_group, K.GROUP, datetime.date(2026, month, 5))
    hold(second, K.GROUP, datetime.date(2026, 2, 6))
    board = queries.compliance_board(huamu_staff, tree.huamu, 2026, today=TODAY, per_page=1)
    by_area = {r.area.name: r for r in board.rollups if r.area}
    assert by_area["联洋社区"].missing_by_kind["group"] == 2  # months 1 and 3: the second group did not meet
    assert "group" not in by_area["培花社区"].missing_by_kind  # 培花一 has no party groups: none, not missing
