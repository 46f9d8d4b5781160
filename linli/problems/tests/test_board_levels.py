"""The area board rolled up by level: a community's row counts its neighborhoods' problems."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from linli.core.scoping import grants_for
from linli.problems import queries
from linli.problems.models import Problem
from linli.problems.tests.factories import make_problem

pytestmark = pytest.mark.django_db


def test_problems_roll_up_to_their_community_in_two_queries(tree, huamu_staff, resident_unit, ph1_unit):
    make_problem(tree.lianyang2, resident_unit)
    make_problem(tree.lianyang1, resident_unit, Problem.State.VERIFIED)
    make_problem(tree.lianyang, resident_unit)  # placed at the community itself
    make_problem(tree.peihua1, ph1_unit)
    make_problem(tree.huamu, ph1_unit)  # above the level: its own row
    grants_for(huamu_staff)
    with CaptureQueriesContext(connection) as captured:
        rows = queries.board_by_level(huamu_staff, "community")
    assert len(captured) == 2
    assert [(r.label, r.total, r.verified, r.open) for r in rows] == [
        ("花木街道", 1, 0, 1), ("联洋社区", 3, 1, 2), ("培花社区", 1, 0, 1)]
    assert rows[1].completion_rate == 33.3


def test_the_roll_up_counts_only_what_is_in_scope(tree, lianyang2_secretary, resident_unit, ph1_unit):
    make_problem(tree.lianyang2, resident_unit)
    make_problem(tree.peihua1, ph1_unit)
    assert [(r.label, r.total) for r in queries.board_by_level(lianyang2_secretary, "subdistrict")] == [
        ("花木街道", 1)]
    with pytest.raises(ValueError):
        queries.board_by_level(lianyang2_secretary, "galaxy")


def test_the_board_page_and_the_api_roll_up_by_community(tree, login, huamu_staff, resident_unit, ph1_unit):
    make_problem(tree.lianyang2, resident_unit, Problem.State.VERIFIED, evidence=True)
    make_problem(tree.lianyang1, resident_unit)
    make_problem(tree.peihua1, ph1_unit)
    client = login(huamu_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("problems:board"), {"by": "community"}).content.decode()
    assert 'href="?by=community"' in page and "By community" in page
    board = page.split('data-testid="board"')[1]
    assert "联洋社区" in board and "培花社区" in board and "联洋二" not in board
    assert "3 problems, 1 fixed" in page
    rows = client.get("/api/v1/problems/board", {"by": "community"}).json()
    assert [(r["label"], r["total"], r["verified"], r["completion_rate"]) for r in rows] == [
        ("联洋社区", 2, 1, 50.0), ("培花社区", 1, 0, 0.0)]
    by_neighborhood = client.get("/api/v1/problems/board", {"by": "neighborhood"}).json()
    assert sorted(r["label"] for r in by_neighborhood) == ["培花一", "联洋一", "联洋二"]
    assert client.get("/api/v1/problems/board", {"by": "galaxy"}).status_code == 422
