"""Migration 0004: meetings' free-text campaign becomes a campaign, matched by name or created, nothing lost."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# No serialized_rollback: restoring the saved rows clashes with content types that an earlier
# transactional test flushed and re-created under new ids; this test flushes at its end like the others.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("party", "0003_training_courses")]
AFTER = [("party", "0005_meeting_campaign_required_for_special")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_campaign_texts_become_campaigns():
    apps = _migrate(BEFORE)
    try:
        Area = apps.get_model("core", "Area")
        PartyOrganization = apps.get_model("party", "Meeting")._meta.get_field("party_organization").related_model
        Meeting = apps.get_model("party", "Meeting")
        hm = Area.objects.create(code="310115009", name="花木街道", level="subdistrict", path="310115009/", depth=1)
        ly = Area.objects.create(code="310115009100", name="联洋社区", level="community", parent=hm,
                                 path="310115009/310115009100/", depth=2)
        ph = Area.objects.create(code="310115009200", name="培花社区", level="community", parent=hm,
                                 path="310115009/310115009200/", depth=2)
        a = PartyOrganization.objects.create(name="联洋二党支部", level="branch", area=ly)
        b = PartyOrganization.objects.create(name="培花一党支部", level="branch", area=ph)
        day = datetime.date(2026, 3, 1)
        for org, text, kind in ((a, "主题教育", "special"), (b, "主题教育", "organizational_life"),
                                (a, "党史学习教育", "special"), (b, "", "committee")):
            Meeting.objects.create(party_organization=org, kind=kind, held_on=day, topic="t", campaign=text)

        apps = _migrate(AFTER)
        Meeting = apps.get_model("party", "Meeting")
        Campaign = apps.get_model("party", "Campaign")
        assert sorted(Campaign.objects.values_list("name", flat=True)) == ["主题教育", "党史学习教育"]
        theme = Campaign.objects.get(name="主题教育")
        assert theme.area.code == "310115009"  # the narrowest area holding both branches
        assert set(theme.entries.values_list("party_organization__name", flat=True)) == {"联洋二党支部", "培花一党支部"}
        assert Meeting.objects.filter(campaign=theme).count() == 2
        assert Meeting.objects.filter(campaign__isnull=True).count() == 1
        assert Campaign.objects.get(name="党史学习教育").area.code == "310115009100"
    finally:
        _migrate(AFTER)
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
