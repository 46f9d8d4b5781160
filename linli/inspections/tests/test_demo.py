"""The inspections part of `linli seed_demo`: the gas campaign in 牡丹 and 培花 as the street reported it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from linli.core.models import AuditEvent, User
from linli.inspections import queries
from linli.inspections.models import Campaign, Inspection, RectificationNotice, Reinspection, SeizureItem

pytestmark = pytest.mark.django_db


def seed() -> None:
    with translation.override("en"), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("seed_demo", people=200, stdout=StringIO())


def test_the_demo_gas_campaign_has_15_inspections_5_notices_17_cylinders_and_a_scheduled_look_back():
    seed()
    campaign = Campaign.objects.get(name="餐饮行业用气安全专项整治")
    assert campaign.departments.count() == 7 and campaign.lead_department.name == "花木燃气管理所"
    inspected = Inspection.objects.filter(campaign=campaign)
    assert inspected.count() == 15
    assert {i.establishment.area.parent.name for i in inspected} == {"牡丹社区", "培花社区"}
    assert RectificationNotice.objects.filter(inspection__campaign=campaign).count() == 5
    assert sum(SeizureItem.objects.filter(seizure__campaign=campaign).values_list("quantity", flat=True)) == 17
    open_findings = queries.campaign_figures(campaign).findings_open
    assert Reinspection.objects.filter(campaign=campaign, outcome="").count() == open_findings > 0
    summary = queries.campaign_summary(campaign)
    assert "共检查15家单位" in summary and "开具5张整改单" in summary and "收缴钢瓶17个" in summary
    huamu = User.objects.get(username="huamu")
    assert len(queries.campaign_board(huamu, campaign)) == 15
    assert User.objects.filter(username__in=["gas", "fire"]).count() == 2


def test_seeding_again_adds_no_inspection_or_audit_event():
    seed()
    before = (Inspection.objects.count(), Reinspection.objects.count(), AuditEvent.objects.count())
    seed()
    after = (Inspection.objects.count(), Reinspection.objects.count(), AuditEvent.objects.count())
    assert after[:2] == before[:2]
    assert after[2] - before[2] <= 1
