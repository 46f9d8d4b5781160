"""Overdue derived from the deadline; boards per area, owner and source in one query each; scope."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.core.scoping import grants_for
from linli.problems import queries
from linli.problems.models import Problem
from linli.problems.tests.factories import make_problem

pytestmark = pytest.mark.django_db

S = Problem.State
TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def test_overdue_is_derived_from_the_deadline_and_state(tree, lianyang2_secretary, resident_unit):
    late = make_problem(tree.lianyang2, resident_unit, S.RECTIFYING, deadline=YESTERDAY, title="late")
    make_problem(tree.lianyang2, resident_unit, S.RECTIFIED, deadline=YESTERDAY, title="reported")
    make_problem(tree.lianyang2, resident_unit, S.OPEN, deadline=TODAY, title="due today")

    overdue = queries.problems_visible_to(lianyang2_secretary, queries.ProblemFilter(overdue=True))
    assert [p.title for p in overdue] == ["late"]
    assert {p.title: p.overdue for p in queries.problems_visible_to(lianyang2_secretary)} == {
        "late": True, "reported": False, "due today": False}
    # Tomorrow, what is due today is overdue: nothing stored had to change.
    tomorrow = TODAY + datetime.timedelta(days=1)
    assert queries.problems_visible_to(lianyang2_secretary, queries.ProblemFilter(overdue=True), on=tomorrow
                                       ).count() == 2
    assert late.is_overdue() and not late.is_overdue(on=YESTERDAY)


def test_the_list_holds_only_problems_in_scope_and_of_the_liaisons_unit(tree, lianyang2_secretary, org_liaison,
                                                                        resident_unit, ph1_unit):
    ours = make_problem(tree.lianyang2, resident_unit)
    theirs = make_problem(tree.peihua1, ph1_unit)
    # Placed in 培花一 but owned by the liaison's unit: the liaison sees it, the 联洋二 secretary does not.
    owned_elsewhere = make_problem(tree.peihua1, resident_unit)

    assert set(queries.problems_visible_to(lianyang2_secretary)) == {ours}
    assert set(queries.problems_visible_to(org_liaison)) == {ours, owned_elsewhere}
    assert theirs not in queries.problems_visible_to(org_liaison)


def test_filters(tree, huamu_staff, resident_unit, ph1_unit):
    a = make_problem(tree.lianyang2, resident_unit, source=Problem.Source.MEETING, kind=Problem.Kind.LONG_TERM,
                     deadline=None)
    b = make_problem(tree.peihua1, ph1_unit, source=Problem.Source.INSPECTION)

    def titles(**f):
        return {p.pk for p in queries.problems_visible_to(huamu_staff, queries.ProblemFilter(**f))}

    assert titles(source="meeting") == {a.pk}
    assert titles(kind="long_term") == {a.pk}
    assert titles(area=tree.peihua.code) == {b.pk}
    assert titles(area="nonsense") == set()
    assert titles(owner=ph1_unit.pk) == {b.pk}


def _problem_list(area, owner, *, total, verified, long_term, **fields):
    for n in range(total):
        if n < verified:
            make_problem(area, owner, S.VERIFIED, evidence=True, **fields)
        elif n < verified + long_term:
            make_problem(area, owner, S.RECTIFYING, kind=Problem.Kind.LONG_TERM, deadline=None, **fields)
        else:
            make_problem(area, owner, S.OPEN, deadline=YESTERDAY, **fields)


def test_the_board_reads_21_problems_19_fixed_2_long_term(tree, huamu_staff, resident_unit, ph1_unit):
    _problem_list(tree.lianyang2, resident_unit, total=21, verified=19, long_term=2)
    _problem_list(tree.peihua1, ph1_unit, total=3, verified=1, long_term=0, source=Problem.Source.INSPECTION)

    rows = {r.label: r for r in queries.board(huamu_staff, "area")}

    ly2 = rows["联洋二"]
    assert (ly2.total, ly2.verified, ly2.long_term, ly2.overdue, ly2.open) == (21, 19, 2, 0, 2)
    assert ly2.completion_rate == 90.5
    ph1 = rows["培花一"]
    assert (ph1.total, ph1.verified, ph1.overdue) == (3, 1, 2)
    by_owner = {r.key: r.total for r in queries.board(huamu_staff, "organization")}
    assert by_owner == {resident_unit.pk: 21, ph1_unit.pk: 3}
    by_source = {r.label: (r.total, r.verified) for r in queries.board(huamu_staff, "source")}
    assert by_source == {"Self-examination": (21, 19), "Inspection finding": (3, 1)}
    total = queries.board_total(list(rows.values()))
    assert (total.total, total.verified, total.overdue) == (24, 20, 2)


@pytest.mark.parametrize("by", ["area", "organization", "source"])
def test_each_board_is_one_query_however_many_problems(tree, huamu_staff, resident_unit, ph1_unit, by):
    _problem_list(tree.lianyang2, resident_unit, total=12, verified=5, long_term=3)
    _problem_list(tree.peihua1, ph1_unit, total=7, verified=2, long_term=1)
    grants_for(huamu_staff)  # the user's roles, read once per request elsewhere
    with CaptureQueriesContext(connection) as captured:
        rows = queries.board(huamu_staff, by)
    assert len(captured) == 1
    assert sum(r.total for r in rows) == 19


def test_the_board_counts_only_what_is_in_scope(tree, lianyang2_secretary, resident_unit, ph1_unit):
    make_problem(tree.lianyang2, resident_unit)
    make_problem(tree.peihua1, ph1_unit)
    assert [(r.label, r.total) for r in queries.board(lianyang2_secretary, "area")] == [("联洋二", 1)]
