"""The problems part of `linli seed_demo`: the street office branch's 主题教育 problem list."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from linli.core.models import User
from linli.problems import queries
from linli.problems.models import Problem

pytestmark = pytest.mark.django_db


def seed() -> None:
    with translation.override("en"), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("seed_demo", people=200, stdout=StringIO())


def test_the_demo_has_a_self_examination_problem_list_on_the_board_and_seeding_again_adds_nothing():
    seed()
    huamu = User.objects.get(username="huamu")
    problem = Problem.objects.get(title="支部会议记录不规范，缺少出席人数")
    office = queries.ProblemFilter(source=Problem.Source.SELF_EXAMINATION, owner=problem.owner_id)
    [row] = queries.board(huamu, "organization", office)
    assert (row.label, row.total, row.verified, row.long_term, row.awaiting_verification) == (
        "花木街道办事处", 8, 5, 2, 1)
    assert problem.kind == Problem.Kind.IMMEDIATE and problem.evidence.exists()
    assert problem.origin.name == "花木街道机关党支部"
    count = Problem.objects.count()
    seed()
    assert Problem.objects.count() == count
