"""The demo's gas campaign, read through the pages as the street's staff would: every page and printout opens."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from linli.core.models import User
from linli.core.tests.pdfs import pdf_text
from linli.inspections.models import Campaign, RectificationNotice, Seizure

pytestmark = pytest.mark.django_db


def test_the_demo_campaign_reads_through_every_page(client):
    with translation.override("en"), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("seed_demo", people=200, stdout=StringIO())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(User.objects.get(username="huamu"))
    campaign = Campaign.objects.get(name="餐饮行业用气安全专项整治")
    page = client.get(reverse("inspections:campaign_detail", args=[campaign.pk])).content.decode()
    assert "共检查15家单位" in page and "收缴钢瓶17个" in page
    notice = RectificationNotice.objects.filter(inspection__campaign=campaign).first()
    seizure = Seizure.objects.filter(campaign=campaign).first()
    for url in (reverse("inspections:establishments"), reverse("inspections:campaigns"),
                reverse("inspections:notices"), reverse("inspections:inspection_start"),
                reverse("inspections:establishment_detail", args=[notice.inspection.establishment_id]),
                reverse("inspections:inspection_detail", args=[notice.inspection_id]),
                reverse("inspections:notice_detail", args=[notice.pk])):
        assert client.get(url).status_code == 200, url
    assert "整改通知书" in pdf_text(client.get(reverse("inspections:notice_pdf", args=[notice.pk])).content)
    assert "收缴物品清单" in pdf_text(client.get(reverse("inspections:seizure_pdf", args=[seizure.pk])).content)
