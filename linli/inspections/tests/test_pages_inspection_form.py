"""The phone inspection form: pick the place and checklist, answer by type, a failed item opens its hazard,
photos checked, and a retried POST (same hidden submission id) never saves twice."""

from __future__ import annotations

import re
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from linli.inspections.models import AnswerPhoto, Finding, Inspection
from linli.inspections.tests.factories import PASSING, default_version
from linli.problems.models import Problem
from linli.problems.tests.factories import PNG

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _url(establishment, version=None):
    return reverse("inspections:inspection_new", args=[establishment.pk, (version or default_version()).pk])


def _answers(version, **overrides):
    data = {}
    for item in version.items.all():
        if item.answer_type == "yes_no":
            data[f"a_{item.code}"] = "yes"
        else:
            data[f"a_{item.code}"] = str(PASSING.get(item.code, ""))
    data.update(overrides)
    return data


def _post_data(form_page: str, officer, department, **overrides):
    client_id = re.search(r'name="client_id" value="([0-9a-f-]+)"', form_page).group(1)
    version = default_version()
    data = {"client_id": client_id, "date": timezone.localdate().isoformat(), "departments": [department.pk],
            "officers": [officer.pk]}
    data.update(_answers(version))
    data.update(overrides)
    return data


def test_the_start_page_leads_to_the_checklist_of_the_chosen_place(login, officer, snack_shop):
    client = login(officer)
    version = default_version()
    page = client.get(reverse("inspections:inspection_start")).content.decode()
    assert "培花小吃店" in page and "餐饮场所用气安全检查表" in page
    response = client.get(reverse("inspections:inspection_start"),
                          {"establishment": snack_shop.pk, "version": version.pk})
    assert response.status_code == 302 and response["Location"] == _url(snack_shop, version)


def test_the_form_carries_a_fresh_submission_id_and_every_item_by_type(login, officer, snack_shop):
    client = login(officer)
    first = client.get(_url(snack_shop)).content.decode()
    second = client.get(_url(snack_shop)).content.decode()
    ids = [re.search(r'name="client_id" value="([0-9a-f-]+)"', p).group(1) for p in (first, second)]
    assert uuid.UUID(ids[0]) and ids[0] != ids[1]
    assert 'type="radio" name="a_gas_alarm_installed"' in first  # yes / no
    assert 'inputmode="decimal"' in first  # a number, the phone's number pad
    assert "电线紧贴燃气管道" in first  # a choice
    assert 'name="a_remarks"' in first  # text
    assert 'accept="image/*"' in first


def test_an_inspection_is_submitted_and_a_retry_saves_nothing_twice(login, officer, gas_office, snack_shop):
    client = login(officer)
    data = _post_data(client.get(_url(snack_shop)).content.decode(), officer, gas_office)
    first = client.post(_url(snack_shop), data)
    inspection = Inspection.objects.get()
    assert first.status_code == 302
    assert first["Location"] == reverse("inspections:inspection_detail", args=[inspection.pk])

    again = client.post(_url(snack_shop), data, follow=True)  # the phone lost the answer and sends again

    assert Inspection.objects.count() == 1
    assert again.redirect_chain[-1][0] == reverse("inspections:inspection_detail", args=[inspection.pk])
    assert "already saved" in again.content.decode()


def test_a_missing_required_answer_is_refused_on_its_item_and_nothing_is_saved(login, officer, gas_office,
                                                                              snack_shop):
    client = login(officer)
    data = _post_data(client.get(_url(snack_shop)).content.decode(), officer, gas_office)
    del data["a_hose_clamped"]
    response = client.post(_url(snack_shop), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-field="hose_clamped"' in page and "Answer this item: 软管两端用卡箍固定" in page
    assert "Nothing was saved" in page
    assert not Inspection.objects.exists()
    # The answers given are kept: the officer fixes one item, not the whole form.
    assert re.search(r'name="a_hose_length_m" value="1.5"', page)


def test_a_failed_answer_becomes_a_finding_as_the_officer_described_it(login, officer, gas_office, snack_shop):
    client = login(officer)
    data = _post_data(client.get(_url(snack_shop)).content.decode(), officer, gas_office,
                      a_flame_failure_protection="no", severity_flame_failure_protection="major",
                      location_flame_failure_protection="后厨二号灶", note_flame_failure_protection="灶具无熄火保护",
                      a_hose_clamped="no", fixed_hose_clamped="on", note_hose_clamped="当场加装卡箍")
    client.post(_url(snack_shop), data)
    unfixed = Finding.objects.get(item__code="flame_failure_protection")
    assert (unfixed.severity, unfixed.location, unfixed.description) == ("major", "后厨二号灶", "灶具无熄火保护")
    assert unfixed.problem is not None and unfixed.problem.source == Problem.Source.INSPECTION
    fixed = Finding.objects.get(item__code="hose_clamped")
    assert fixed.fixed_on_spot and fixed.problem is None


def test_photos_are_kept_with_their_answer(login, officer, gas_office, snack_shop):
    client = login(officer)
    data = _post_data(client.get(_url(snack_shop)).content.decode(), officer, gas_office,
                      a_hose_not_aged="no", note_hose_not_aged="软管龟裂",
                      photos_hose_not_aged=[SimpleUploadedFile("a.png", PNG, content_type="image/png")])
    client.post(_url(snack_shop), data)
    photo = AnswerPhoto.objects.get()
    assert photo.content_type == "image/png"
    response = client.get(reverse("inspections:answer_photo", args=[photo.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG


def test_a_photo_out_of_scope_is_404(login, officer, gas_office, snack_shop, lianyang2_secretary):
    client = login(officer)
    data = _post_data(client.get(_url(snack_shop)).content.decode(), officer, gas_office,
                      a_hose_not_aged="no", photos_hose_not_aged=[SimpleUploadedFile("a.png", PNG)])
    client.post(_url(snack_shop), data)
    photo = AnswerPhoto.objects.get()
    assert login(lianyang2_secretary).get(reverse("inspections:answer_photo", args=[photo.pk])).status_code == 404


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_is_saved(login, officer, gas_office, snack_shop,
                                                                      media_root):
    client = login(officer)
    data = _post_data(client.get(_url(snack_shop)).content.decode(), officer, gas_office,
                      a_hose_not_aged="no", photos_hose_not_aged=[SimpleUploadedFile("hose.jpg", b"%PDF-1.4 x")])
    page = client.post(_url(snack_shop), data).content.decode()
    assert 'data-field="hose_not_aged"' in page and "hose.jpg is not a JPEG, PNG or WebP photo" in page
    assert not Inspection.objects.exists() and not AnswerPhoto.objects.exists()
    assert not list(media_root.rglob("*.*"))


def test_a_photo_over_the_size_limit_is_refused(login, officer, gas_office, snack_shop, settings):
    settings.LINLI_UPLOAD_MAX_BYTES = 1024
    client = login(officer)
    big = SimpleUploadedFile("big.png", PNG + b"\0" * 2048, content_type="image/png")
    data = _post_data(client.get(_url(snack_shop)).content.decode(), officer, gas_office,
                      a_hose_not_aged="no", photos_hose_not_aged=[big])
    page = client.post(_url(snack_shop), data).content.decode()
    assert "the limit is 1.0" in page and 'data-field="hose_not_aged"' in page
    assert not Inspection.objects.exists()


def test_the_form_is_404_out_of_scope_and_for_an_unpublished_version(login, peihua1_secretary, officer,
                                                                     ly2_restaurant):
    assert login(peihua1_secretary).get(_url(ly2_restaurant)).status_code == 404
    assert login(officer).get(reverse("inspections:inspection_new",
                                      args=[ly2_restaurant.pk, 99999])).status_code == 404


def test_inspecting_from_a_campaign_offers_its_baseline_and_carries_the_campaign(tree, login, officer, gas_office,
                                                                                 snack_shop, ly2_restaurant):
    from linli.inspections import actions

    campaign = actions.create_campaign(
        actor=None, name="培花整治", area=tree.huamu, lead_department=gas_office,
        start=timezone.localdate(), end=timezone.localdate(), targets=[snack_shop])
    client = login(officer)
    page = client.get(reverse("inspections:inspection_start"), {"campaign": campaign.pk}).content.decode()
    assert "培花小吃店" in page and "联洋面馆" not in page and "This field is required" not in page
    version = default_version()
    response = client.get(reverse("inspections:inspection_start"),
                          {"campaign": campaign.pk, "establishment": snack_shop.pk, "version": version.pk})
    assert response["Location"] == f"{_url(snack_shop, version)}?campaign={campaign.pk}"
    form = client.get(response["Location"]).content.decode()
    assert re.search(rf'<option value="{campaign.pk}" selected>培花整治</option>', form)
    data = _post_data(form, officer, gas_office, campaign=campaign.pk)
    client.post(response["Location"], data)
    assert Inspection.objects.get().campaign == campaign


def test_inspecting_from_an_establishment_page_preselects_it(login, officer, snack_shop):
    page = login(officer).get(reverse("inspections:inspection_start"),
                              {"establishment": snack_shop.pk}).content.decode()
    assert f'<option value="{snack_shop.pk}" selected>' in page and "This field is required" not in page
