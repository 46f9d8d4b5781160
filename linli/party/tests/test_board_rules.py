"""The compliance board's figures against counts made independently from the tallies.

The roll-up's missed periods are counted in hand-written SQL (one row per tally, CASE on the kind) and
its 党小组会 periods by joining groups to their branch; the page's cells are built in Python from the
tallies. Here both are checked against a plain count over varied data: branches without tally rows,
periods still open, a requirement with a minimum above 1, excluded branches, branches placed by their
organization's area, branches out of the user's scope, tallies of another year, branches with and without a
committee (支委会 only for those with one), and (on SQLite) more branches than one IN list holds.
"""

from __future__ import annotations

import datetime
import random

import pytest

from linli.core.bulk import matching
from linli.core.models import Area, Organization, PartyOrganization
from linli.core.tests.factories import OrganizationFactory, PartyOrganizationFactory
from linli.party import queries
from linli.party.models import BoardExclusion, CommitteeMember, Meeting, MeetingRequirement, MeetingTally

pytestmark = pytest.mark.django_db

K = Meeting.Kind
L = PartyOrganization.Level
YEAR = 2026
TODAY = datetime.date(YEAR, 8, 15)  # July over, August open; Q2 over, Q3 open; the year open
MONTHS = [f"m{m}" for m in range(1, 13)]


def _closed_periods(period: str) -> list[range]:
    """The months of each period of YEAR that is over by TODAY."""
    if period == MeetingRequirement.Period.MONTH:
        spans = [(m, m) for m in range(1, 13)]
    elif period == MeetingRequirement.Period.QUARTER:
        spans = [(3 * q - 2, 3 * q) for q in range(1, 5)]
    else:
        spans = [(1, 12)]
    over = []
    for first, last in spans:
        end = datetime.date(YEAR + last // 12, last % 12 + 1, 1) - datetime.timedelta(days=1)
        if end < TODAY:
            over.append(range(first, last + 1))
    return over


def _expected_missing(branch_ids: list[int], tallies: dict[tuple[int, str], list[int]],
                      groups: dict[int, list[int]], committees: set[int]
                      ) -> tuple[dict[str, int], int, dict[int, dict[str, int]]]:
    """(missing periods by kind over all branches, branches complete, missing by kind of each branch); only
    the branches in `committees` have 支委会 to hold."""
    total: dict[str, int] = {}
    per_branch: dict[int, dict[str, int]] = {}
    complete = 0
    for branch in branch_ids:
        mine: dict[str, int] = {}
        for r in MeetingRequirement.objects.filter(active=True).exclude(kind=K.TALK):
            missed = 0
            for months in _closed_periods(r.period):
                if r.kind == K.COMMITTEE and branch not in committees:
                    continue
                if r.kind == K.GROUP:
                    members = groups.get(branch, [])
                    if members and any(sum(tallies.get((g, r.kind), [0] * 12)[m - 1] for m in months) < r.minimum
                                       for g in members):
                        missed += 1
                elif sum(tallies.get((branch, r.kind), [0] * 12)[m - 1] for m in months) < r.minimum:
                    missed += 1
            if missed:
                mine[r.kind] = missed
                total[r.kind] = total.get(r.kind, 0) + missed
        per_branch[branch] = mine
        complete += not mine
    return total, complete, per_branch


def _seats(org: PartyOrganization, people: list, started_on: datetime.date = datetime.date(YEAR - 3, 1, 1),
           ended_on: datetime.date | None = None) -> None:
    CommitteeMember.objects.bulk_create(CommitteeMember(party_organization=org, person=p, started_on=started_on,
                                                        ended_on=ended_on) for p in people)


def _tally(org: PartyOrganization, kind: str, months: list[int], year: int = YEAR) -> None:
    MeetingTally.objects.create(party_organization=org, kind=kind, year=year, **dict(zip(MONTHS, months, strict=True)))


def _missing_cells(row: queries.BranchRow) -> dict[str, int]:
    out: dict[str, int] = {}
    for cells in row.cells:
        n = sum(1 for p in cells.periods if p.status == "missing")
        if n:
            out[cells.requirement.kind] = out.get(cells.requirement.kind, 0) + n
    return out


def test_the_board_counts_what_an_independent_count_of_the_tallies_finds(party, huamu_staff, tree):
    MeetingRequirement.objects.filter(kind=K.LECTURE).update(period=MeetingRequirement.Period.QUARTER, minimum=2)
    MeetingRequirement.objects.filter(kind=K.GENERAL_ASSEMBLY).update(minimum=2)
    MeetingRequirement.objects.filter(kind=K.EVALUATION).update(active=False)
    rng = random.Random(20261201)
    own_kinds = [r.kind for r in MeetingRequirement.objects.filter(active=True) if r.kind not in (K.TALK, K.GROUP)]

    second_group = PartyOrganizationFactory(name="联洋二第二党小组", level=L.GROUP, area=tree.lianyang2,
                                            parent=party.ly2)
    ph1_group = PartyOrganizationFactory(name="培花一第一党小组", level=L.GROUP, area=tree.peihua1, parent=party.ph1)
    unit = OrganizationFactory(name="联洋一商务楼", kind=Organization.Kind.RESIDENT_UNIT,
                               area=tree.lianyang1)
    by_org = PartyOrganizationFactory(name="商务楼联合党支部", level=L.BRANCH, area=None, organization=unit,
                                      parent=party.lianyang)
    empty = PartyOrganizationFactory(name="培花一第二党支部", level=L.BRANCH, area=tree.peihua1, parent=party.peihua)
    excluded = PartyOrganizationFactory(name="联洋一新建党支部", level=L.BRANCH, area=tree.lianyang1,
                                        parent=party.lianyang)
    BoardExclusion.objects.create(party_organization=excluded, reason="新建")
    elsewhere = PartyOrganizationFactory(name="莲溪一党支部", level=L.BRANCH, area=tree.beicai_nbhd)
    # A branch with a group that held nothing at all (no tally row): every closed month is missed.
    idle_group_branch = PartyOrganizationFactory(name="联洋一党支部", level=L.BRANCH, area=tree.lianyang1,
                                                 parent=party.lianyang)
    idle_group = PartyOrganizationFactory(name="联洋一第一党小组", level=L.GROUP, area=tree.lianyang1,
                                          parent=idle_group_branch)

    tallies: dict[tuple[int, str], list[int]] = {}

    def tally(org: PartyOrganization, kind: str) -> None:
        months = [rng.choice([0, 0, 1, 1, 2, 3]) for _ in range(12)]
        _tally(org, kind, months)
        tallies[org.pk, kind] = months

    for branch in (party.ly2, party.ph1, by_org, excluded, elsewhere, idle_group_branch):
        for kind in own_kinds:
            if rng.random() < 0.8:
                tally(branch, kind)
    for group in (party.ly2_group, second_group, ph1_group):
        tally(group, K.GROUP)
    # Another year's tallies count for nothing.
    for branch in (party.ly2, empty):
        for kind in own_kinds:
            _tally(branch, kind, [5] * 12, year=YEAR - 1)
    _tally(idle_group, K.GROUP, [5] * 12, year=YEAR - 1)

    # Committees (three people or more on seats in the year): 联洋二's (the fixture's), the unit branch's from
    # this July; 培花一 has two seats, the empty branch a committee that ended the year before.
    _seats(by_org, party.members[:3], started_on=datetime.date(YEAR, 7, 1))
    _seats(party.ph1, party.ph1_members)
    _seats(empty, party.members[:3], ended_on=datetime.date(YEAR - 1, 12, 31))
    committees = {party.ly2.pk, by_org.pk}

    on_board = [party.ly2.pk, party.ph1.pk, by_org.pk, empty.pk, idle_group_branch.pk]
    groups = {party.ly2.pk: [party.ly2_group.pk, second_group.pk], party.ph1.pk: [ph1_group.pk],
              idle_group_branch.pk: [idle_group.pk]}
    expected, complete, per_branch = _expected_missing(on_board, tallies, groups, committees)
    assert expected["committee"] > 0  # the rule is exercised both ways

    board = queries.compliance_board(huamu_staff, tree.huamu, YEAR, today=TODAY, per_page=50)

    assert board.total.branches == len(on_board)
    assert board.total.missing_by_kind == expected
    assert board.total.complete == complete
    assert [b.pk for b in board.excluded] == [excluded.pk]
    assert {row.branch.pk for row in board.rows} == set(on_board)
    # The page's cells (built in Python) and the roll-up (counted in SQL) agree branch by branch.
    for row in board.rows:
        assert _missing_cells(row) == per_branch[row.branch.pk], row.branch.name
    # By child area: 联洋 holds ly2, the branch placed by its organization's area, and 联洋一's branch.
    by_child = {r.area.pk if r.area else None: r for r in board.rollups}
    lianyang_ids = [party.ly2.pk, by_org.pk, idle_group_branch.pk]
    ly_expected, ly_complete, _ = _expected_missing(lianyang_ids, tallies, groups, committees)
    assert (by_child[tree.lianyang.pk].branches, by_child[tree.lianyang.pk].complete,
            by_child[tree.lianyang.pk].missing_by_kind) == (3, ly_complete, ly_expected)
    ph_expected, ph_complete, _ = _expected_missing([party.ph1.pk, empty.pk], tallies, groups, committees)
    assert (by_child[tree.peihua.pk].branches, by_child[tree.peihua.pk].complete,
            by_child[tree.peihua.pk].missing_by_kind) == (2, ph_complete, ph_expected)


def test_more_branches_than_one_in_list_holds_are_all_counted(party, huamu_staff, tree):
    """Over 900 branches (SQLite's IN lists go in slices): every branch's tallies and groups still count."""
    MeetingRequirement.objects.exclude(kind__in=[K.COMMITTEE, K.GROUP]).update(active=False)
    n = 950
    branches = PartyOrganization.objects.bulk_create(
        PartyOrganization(name=f"支部{i:04d}", level=L.BRANCH, area=tree.lianyang2 if i % 2 else tree.peihua1,
                          parent=party.lianyang) for i in range(n))
    groups = PartyOrganization.objects.bulk_create(
        PartyOrganization(name=f"小组{i:04d}", level=L.GROUP, area=b.area, parent=b)
        for i, b in enumerate(branches) if i % 3 == 0)
    group_of = {g.parent_id: g for g in groups}
    tallies: dict[tuple[int, str], list[int]] = {}
    rows = []
    for i, b in enumerate(branches):
        if i % 5:  # every fifth branch without a tally row
            months = [(i + m) % 2 for m in range(12)]  # every other month held
            if i % 7 == 0:
                months = [1] * 12
            tallies[b.pk, K.COMMITTEE] = months
            rows.append(MeetingTally(party_organization=b, kind=K.COMMITTEE, year=YEAR,
                                     **dict(zip(MONTHS, months, strict=True))))
        group = group_of.get(b.pk)
        if group is not None and i % 2:
            months = [1] * 12
            tallies[group.pk, K.GROUP] = months
            rows.append(MeetingTally(party_organization=group, kind=K.GROUP, year=YEAR,
                                     **dict(zip(MONTHS, months, strict=True))))
    MeetingTally.objects.bulk_create(rows)
    seated = [b for i, b in enumerate(branches) if i % 4]  # three in four with a committee
    CommitteeMember.objects.bulk_create(CommitteeMember(party_organization=b, person=p,
                                                        started_on=datetime.date(YEAR, 1, 1))
                                        for b in seated for p in party.members[:3])
    on_board = [party.ly2.pk, party.ph1.pk] + [b.pk for b in branches]
    expected, complete, _ = _expected_missing(
        on_board, tallies, {party.ly2.pk: [party.ly2_group.pk], **{p: [g.pk] for p, g in group_of.items()}},
        {party.ly2.pk, *(b.pk for b in seated)})

    board = queries.compliance_board(huamu_staff, tree.huamu, YEAR, today=TODAY, per_page=20)

    assert board.total.branches == n + 2
    assert board.total.missing_by_kind == expected
    assert board.total.complete == complete


# core.bulk.AnyOf (same commit): ids are cast to bigint[]; nothing else is cast. ---------------

@pytest.mark.postgres_only
def test_matching_a_char_column_finds_only_equal_values(tree):
    Area.objects.filter(pk=tree.lianyang2.pk).update(code="3" * 32)  # a code as long as the column allows
    asked = ["3" * 33]
    assert [a.pk for qs in matching(Area.objects.all(), "code", asked) for a in qs] == []


@pytest.mark.postgres_only
def test_matching_a_small_integer_column_with_a_value_out_of_its_range_matches_nothing_else(party):
    _tally(party.ly2, K.COMMITTEE, [1] * 12)
    found = [t.year for qs in matching(MeetingTally.objects.all(), "year", [YEAR, 70_000]) for t in qs]
    assert found == [YEAR]
