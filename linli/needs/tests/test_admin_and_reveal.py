"""The read-only admin for needs, and the audited reveal of a wish's guardian's phone."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from linli.core.models import AuditEvent
from linli.needs import actions
from linli.needs.models import Claim, Need
from linli.needs.tests.factories import make_need, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def test_the_admin_lists_needs_and_claims_but_changes_nothing(login, tree, platform_admin, ly2_claimant,
                                                              ly2_resident):
    need = make_need(tree.lianyang2, Need.State.CLAIMED, title="一套绘本")
    Claim.objects.create(need=need, claimant=ly2_claimant, need_area=tree.lianyang2)
    make_order(tree.lianyang2, requester=ly2_resident)
    client = login(platform_admin)

    for name in ("need", "claim", "dispatch", "feedback"):
        assert client.get(reverse(f"admin:needs_{name}_changelist")).status_code == 200
    page = client.get(reverse("admin:needs_need_change", args=[need.pk])).content.decode()
    assert "一套绘本" in page and 'name="_save"' not in page
    assert "王小明" not in page  # the child's details are not in the admin
    assert client.get(reverse("admin:needs_need_add")).status_code == 403
    response = client.post(reverse("admin:needs_need_delete", args=[need.pk]), {"post": "yes"})
    assert response.status_code == 403 and Need.objects.filter(pk=need.pk).exists()


def test_staff_who_may_reveal_see_the_guardians_phone_and_it_is_audited(login, tree, lianyang2_secretary):
    need = make_need(tree.lianyang2)
    client = login(lianyang2_secretary)
    page = client.get(reverse("needs:detail", args=[need.pk])).content.decode()
    assert "136****1111" in page and "13600001111" not in page and "Show (recorded)" in page

    body = client.post(reverse("needs:reveal_guardian_phone", args=[need.pk]), HTTP_HX_REQUEST="true")

    assert "13600001111" in body.content.decode()
    event = AuditEvent.objects.get(action="needs.guardian_phone_revealed")
    assert event.actor == lianyang2_secretary and event.target_id == str(need.pk)


def test_staff_without_the_reveal_permission_and_claimants_cannot_reveal(login, tree, lianyang2_staff,
                                                                         ly2_claimant, peihua1_secretary):
    need = make_need(tree.lianyang2)
    page = login(lianyang2_staff).get(reverse("needs:detail", args=[need.pk])).content.decode()
    assert "Show (recorded)" not in page
    with pytest.raises(PermissionDenied):
        actions.reveal_guardian_phone(actor=lianyang2_staff, need=need)
    claimed = make_need(tree.lianyang2, Need.State.CLAIMED)
    Claim.objects.create(need=claimed, claimant=ly2_claimant, need_area=tree.lianyang2)
    assert login(ly2_claimant).post(reverse("needs:reveal_guardian_phone", args=[claimed.pk])).status_code == 403
    assert login(peihua1_secretary).post(reverse("needs:reveal_guardian_phone", args=[need.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="needs.guardian_phone_revealed").exists()


def test_the_api_reveals_one_guardian_phone(login, tree, huamu_staff):
    need = make_need(tree.lianyang2)
    response = login(huamu_staff).post(f"/api/v1/needs/{need.pk}/reveal", json.dumps({"field": "guardian_phone"}),
                                       content_type="application/json")
    assert response.status_code == 200 and response.json() == {"field": "guardian_phone", "value": "13600001111"}
    assert AuditEvent.objects.filter(action="needs.guardian_phone_revealed").count() == 1
