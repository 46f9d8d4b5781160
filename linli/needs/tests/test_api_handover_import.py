"""/api/v1/needs: the hand-over record (letter, photos, items) and the wish import (preview, confirm)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.needs.models import Claim, HandoverItem, HandoverPhoto, Need, ThankYouLetter, WishDetails, WishImport
from linli.needs.tests.factories import make_need
from linli.needs.tests.test_import import row, xlsx

pytestmark = pytest.mark.django_db

API = "/api/v1/needs"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def fulfilled(tree, org_liaison, resident_unit):
    need = make_need(tree.peihua1, Need.State.FULFILLED, fulfilled_on=timezone.localdate(),
                     fulfilment_event="梦想见面会")
    Claim.objects.create(need=need, claimant=org_liaison, organization=resident_unit, need_area=tree.peihua1,
                         claimant_area=tree.lianyang2)
    return need


def post_json(client: Client, url: str, data: dict):
    return client.post(url, json.dumps(data), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def post_form(client: Client, url: str, data: dict):
    return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")


# The hand-over ---------------------------------------------------------------------------------------

def test_staff_record_the_letter_photos_and_items_and_read_them_back(login, fulfilled, huamu_staff):
    client = login(huamu_staff)
    letter = post_form(client, f"{API}/{fulfilled.pk}/handover/letter",
                       {"text": "谢谢叔叔阿姨！", "scan": SimpleUploadedFile("信.pdf", PDF)})
    assert letter.status_code == 201, letter.content
    assert letter.json()["text"] == "谢谢叔叔阿姨！" and letter.json()["scan_url"]
    photo = post_form(client, f"{API}/{fulfilled.pk}/handover/photos",
                      {"file": SimpleUploadedFile("a.png", PNG), "no_faces_or_consent": "true", "caption": "礼物"})
    assert photo.status_code == 201, photo.content
    item = post_json(client, f"{API}/{fulfilled.pk}/handover/items", {"name": "跑步鞋", "quantity": 2})
    assert item.status_code == 201 and item.json()["quantity"] == 2

    body = client.get(f"{API}/{fulfilled.pk}/handover").json()
    assert body["event"] == "梦想见面会" and body["letter"]["text"] == "谢谢叔叔阿姨！"
    assert [p["caption"] for p in body["photos"]] == ["礼物"]
    assert [(i["name"], i["quantity"]) for i in body["items"]] == [("跑步鞋", 2)]
    assert client.get(body["photos"][0]["url"]).status_code == 200
    assert AuditEvent.objects.filter(action__in=["needs.thanks_recorded", "needs.photo_added", "needs.item_added"],
                                     target_id=str(fulfilled.pk)).count() == 3


def test_a_photo_without_the_consent_flag_or_a_bad_item_is_422_and_nothing_is_kept(login, fulfilled, huamu_staff):
    client = login(huamu_staff)
    photo = post_form(client, f"{API}/{fulfilled.pk}/handover/photos", {"file": SimpleUploadedFile("a.png", PNG)})
    assert photo.status_code == 422 and "no_faces_or_consent" in photo.json()["errors"]
    scan = post_form(client, f"{API}/{fulfilled.pk}/handover/letter", {"scan": SimpleUploadedFile("x.pdf", b"MZ")})
    assert scan.status_code == 422 and "scan" in scan.json()["errors"]
    item = post_json(client, f"{API}/{fulfilled.pk}/handover/items", {"name": "跑步鞋", "quantity": 0})
    assert item.status_code == 422
    assert not HandoverPhoto.objects.exists() and not ThankYouLetter.objects.exists()
    assert not HandoverItem.objects.exists()


def test_the_hand_over_is_404_out_of_scope_409_before_fulfilment_and_403_for_the_claimant(
        login, tree, fulfilled, lianyang2_secretary, org_liaison, huamu_staff):
    assert login(lianyang2_secretary).get(f"{API}/{fulfilled.pk}/handover").status_code == 404
    assert post_json(login(lianyang2_secretary), f"{API}/{fulfilled.pk}/handover/items",
                     {"name": "书"}).status_code == 404
    # The claimant reads the hand-over of their claim, but records nothing.
    assert login(org_liaison).get(f"{API}/{fulfilled.pk}/handover").status_code == 200
    assert post_json(login(org_liaison), f"{API}/{fulfilled.pk}/handover/items", {"name": "书"}).status_code == 403
    claimed = make_need(tree.peihua1, Need.State.CLAIMED)
    early = post_json(login(huamu_staff), f"{API}/{claimed.pk}/handover/items", {"name": "书"})
    assert early.status_code == 409 and "after the hand-over" in early.json()["detail"]
    assert not HandoverItem.objects.exists()


# The wish import ------------------------------------------------------------------------------------

def upload_sheet(client: Client, content: bytes):
    return post_form(client, f"{API}/imports", {"file": SimpleUploadedFile("2020圆梦.xlsx", content)})


def test_a_clean_sheet_is_previewed_then_confirmed_as_drafts(login, tree, lianyang2_secretary):
    client = login(lianyang2_secretary)
    preview = upload_sheet(client, xlsx(row(), row(title="一套绘本", child="王小明", public="小明", born="", age=9)))
    assert preview.status_code == 201, preview.content
    job = preview.json()
    assert (job["status"], job["row_count"], job["errors"]) == ("previewed", 2, [])
    assert not Need.objects.exists()  # nothing before confirming

    confirmed = post_json(client, f"{API}/imports/{job['id']}/confirm", {})
    assert confirmed.status_code == 200, confirmed.content
    assert (confirmed.json()["status"], confirmed.json()["imported_count"]) == ("imported", 2)
    assert set(Need.objects.values_list("state", flat=True)) == {Need.State.DRAFT}
    assert WishDetails.objects.get(child_name="王小明").birth_date_estimated
    again = post_json(client, f"{API}/imports/{job['id']}/confirm", {})
    assert again.status_code == 422 and Need.objects.count() == 2
    assert [j["id"] for j in client.get(f"{API}/imports").json()] == [job["id"]]


def test_row_errors_are_listed_and_nothing_can_be_confirmed(login, tree, lianyang2_secretary):
    client = login(lianyang2_secretary)
    job = upload_sheet(client, xlsx(row(), row(child="李小华", public="小华", born="", age=""))).json()
    assert job["status"] == "rejected"
    assert job["errors"] == [{"row": 3, "column": "出生日期",
                              "message": "Enter the child's birth date (or age): the wish wall shows the age."}]
    confirmed = post_json(client, f"{API}/imports/{job['id']}/confirm", {})
    assert confirmed.status_code == 422
    assert not Need.objects.exists()


def test_an_unreadable_file_is_422_and_an_upload_is_only_its_uploaders(login, tree, lianyang2_secretary,
                                                                        peihua1_secretary, ly2_claimant):
    client = login(lianyang2_secretary)
    assert upload_sheet(client, b"not a spreadsheet").status_code == 422
    job = upload_sheet(client, xlsx(row())).json()
    other = login(peihua1_secretary)
    assert other.get(f"{API}/imports/{job['id']}").status_code == 404
    assert post_json(other, f"{API}/imports/{job['id']}/confirm", {}).status_code == 404
    assert upload_sheet(login(ly2_claimant), xlsx(row())).status_code == 403  # residents import nothing
    assert WishImport.objects.count() == 1 and not Need.objects.exists()


def test_the_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/needs/{need_id}/handover", "/api/v1/needs/{need_id}/handover/letter",
                 "/api/v1/needs/{need_id}/handover/photos", "/api/v1/needs/{need_id}/handover/items",
                 "/api/v1/needs/imports", "/api/v1/needs/imports/{import_id}",
                 "/api/v1/needs/imports/{import_id}/confirm"):
        assert path in paths, path


def test_the_template_is_an_xlsx_for_who_may_import(login, tree, lianyang2_secretary, ly2_claimant):
    import io

    from openpyxl import load_workbook

    response = login(lianyang2_secretary).get(f"{API}/imports/template")
    assert response.status_code == 200
    headers = [c.value for c in load_workbook(io.BytesIO(response.content)).worksheets[0][1]]
    assert "儿童姓名" in headers and "年龄" in headers
    assert login(ly2_claimant).get(f"{API}/imports/template").status_code == 403
