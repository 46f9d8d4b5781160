"""The needs part of `linli seed_demo`: a 圆梦 season in every state, the 北蔡 cross-region project,
service orders in every state; seeding again adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from linli.core.models import AuditEvent, User
from linli.needs import queries
from linli.needs.models import Claim, Dispatch, Feedback, Need

pytestmark = pytest.mark.django_db

S = Need.State


def seed() -> None:
    with translation.override("en"), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("seed_demo", people=200, stdout=StringIO())


def test_the_demo_has_a_season_of_wishes_a_cross_region_project_and_service_orders():
    seed()

    wish_states = set(Need.objects.filter(kind=Need.Kind.WISH).values_list("state", flat=True))
    assert wish_states == set(S.values) - {S.DISPATCHED}
    order_states = set(Need.objects.filter(kind=Need.Kind.SERVICE).values_list("state", flat=True))
    assert order_states == set(S.values) - {S.PUBLISHED}
    claimers = set(Claim.objects.filter(need__kind=Need.Kind.WISH).values_list("organization__name", flat=True))
    assert {"上海科技馆", "上海新国际博览中心", "花木社区卫生服务中心", "中国移动上海有限公司浦东分公司",
            "上海市公安局出入境管理局", None} <= claimers
    project = Claim.objects.get(need__kind=Need.Kind.PROJECT)
    assert project.organization.name == "北蔡镇新时代文明实践分中心" and project.cross_region
    fulfilled = Need.objects.filter(kind=Need.Kind.WISH, state=S.CLOSED).first()
    assert fulfilled.fulfilled_on.year == 2020 and fulfilled.published_at.year == 2020

    huamu = User.objects.get(username="huamu")
    assert len(queries.overdue_dispatches(huamu)) == 1
    assert Dispatch.objects.filter(status=Dispatch.Status.PENDING).count() == 2
    assert sorted(Feedback.objects.values_list("rating", flat=True)) == [4, 5]
    assert queries.wish_figures(huamu).cross_region_claims == 0  # the project is not a wish
    assert queries.public_wishes().count() == 3
    assert User.objects.filter(username__in=["kjg", "beicai", "helper"]).count() == 3


def test_seeding_again_adds_no_need_claim_or_audit_event():
    seed()
    before = (Need.objects.count(), Claim.objects.count(), Dispatch.objects.count(), AuditEvent.objects.count())
    seed()
    after = (Need.objects.count(), Claim.objects.count(), Dispatch.objects.count(), AuditEvent.objects.count())
    # core writes one event per run (core.demo_seeded) when it adds anything; nothing here.
    assert after[:3] == before[:3]
    assert after[3] - before[3] <= 1
