"""The hand-over record: thank-you letter (text or scan), photos only with the no-faces-or-consent flag,
items, and the unit's printable acknowledgement."""

from __future__ import annotations

import gc

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.needs import actions
from linli.needs.actions import IllegalTransition
from linli.needs.models import Claim, HandoverItem, HandoverPhoto, Need, ThankYouLetter
from linli.needs.tests.factories import make_need

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def fulfilled(tree, org_liaison, resident_unit):
    need = make_need(tree.peihua1, Need.State.FULFILLED, fulfilled_on=timezone.localdate(),
                     fulfilment_event="梦想见面会")
    Claim.objects.create(need=need, claimant=org_liaison, organization=resident_unit, need_area=tree.peihua1,
                         claimant_area=tree.lianyang2)
    return need


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_the_letter_is_recorded_as_text_or_scan_and_audited(fulfilled, huamu_staff):
    letter = actions.record_thanks(actor=huamu_staff, need=fulfilled, text="谢谢叔叔阿姨！")
    assert letter.text == "谢谢叔叔阿姨！"
    letter = actions.record_thanks(actor=huamu_staff, need=fulfilled, scan=upload("信.pdf", PDF))
    assert letter.scan.name.endswith(".pdf") and "信" not in letter.scan.name
    assert letter.text == "谢谢叔叔阿姨！"  # a scan added later keeps the typed text
    assert AuditEvent.objects.filter(action="needs.thanks_recorded", target_id=str(fulfilled.pk)).count() == 2


def test_an_empty_letter_is_refused(fulfilled, huamu_staff):
    with pytest.raises(ValidationError):
        actions.record_thanks(actor=huamu_staff, need=fulfilled, text="  ")
    assert not ThankYouLetter.objects.exists()


@pytest.mark.parametrize("name, content", [("letter.pdf", b"MZ\x90\x00 not a pdf"), ("letter.exe", b"MZ\x90")])
def test_a_scan_that_is_not_a_pdf_or_image_is_refused(fulfilled, huamu_staff, name, content):
    with pytest.raises(ValidationError) as err:
        actions.record_thanks(actor=huamu_staff, need=fulfilled, scan=upload(name, content))
    assert "scan" in err.value.message_dict
    assert not ThankYouLetter.objects.exists()


def test_a_scan_over_the_upload_limit_is_refused(fulfilled, huamu_staff):
    with pytest.raises(ValidationError) as err:
        actions.record_thanks(actor=huamu_staff, need=fulfilled,
                              scan=upload("big.pdf", PDF + b"0" * (10 * 1024 * 1024)))
    assert "the limit is 10.0\xa0MB" in err.value.message_dict["scan"][0]


def test_a_photo_without_the_no_faces_or_consent_flag_is_refused(fulfilled, huamu_staff):
    with pytest.raises(ValidationError) as err:
        actions.add_handover_photo(actor=huamu_staff, need=fulfilled, file=upload("a.png", PNG),
                                   no_faces_or_consent=False)
    assert "no_faces_or_consent" in err.value.message_dict
    assert not HandoverPhoto.objects.exists()


def test_the_database_refuses_a_photo_without_the_flag(fulfilled):
    with pytest.raises(IntegrityError), transaction.atomic():
        HandoverPhoto.objects.create(need=fulfilled, file="x.png", no_faces_or_consent=False)


def test_a_photo_with_the_flag_is_kept_and_a_pdf_is_not_a_photo(fulfilled, huamu_staff):
    photo = actions.add_handover_photo(actor=huamu_staff, need=fulfilled, file=upload("a.png", PNG),
                                       no_faces_or_consent=True, caption="礼物")
    assert photo.no_faces_or_consent and photo.caption == "礼物"
    with pytest.raises(ValidationError):
        actions.add_handover_photo(actor=huamu_staff, need=fulfilled, file=upload("b.pdf", PDF),
                                   no_faces_or_consent=True)
    assert HandoverPhoto.objects.count() == 1


def _files_on_disk(root) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.is_file())


def test_a_stored_file_is_deleted_when_its_transaction_fails(fulfilled, huamu_staff, settings, monkeypatch):
    def failing_audit(**kwargs):
        raise RuntimeError("the audit write failed")

    monkeypatch.setattr(actions.audit, "record", failing_audit)
    with pytest.raises(RuntimeError):
        actions.add_handover_photo(actor=huamu_staff, need=fulfilled, file=upload("a.png", PNG),
                                   no_faces_or_consent=True)
    with pytest.raises(RuntimeError):
        actions.record_thanks(actor=huamu_staff, need=fulfilled, scan=upload("letter.pdf", PDF))
    assert not HandoverPhoto.objects.exists() and not ThankYouLetter.objects.exists()
    assert _files_on_disk(settings.MEDIA_ROOT) == []  # nothing left behind without a record


def test_a_stored_file_is_deleted_when_a_callers_savepoint_around_the_action_rolls_back(fulfilled, huamu_staff,
                                                                                           settings):
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.add_handover_photo(actor=huamu_staff, need=fulfilled, file=upload("a.png", PNG),
                                   no_faces_or_consent=True)
        actions.record_thanks(actor=huamu_staff, need=fulfilled, scan=upload("letter.pdf", PDF))
        assert len(_files_on_disk(settings.MEDIA_ROOT)) == 2
        raise RuntimeError("the caller fails after the actions returned")
    assert not HandoverPhoto.objects.exists() and not ThankYouLetter.objects.exists()
    assert _files_on_disk(settings.MEDIA_ROOT) == []


@pytest.mark.django_db(transaction=True)
def test_a_stored_file_goes_with_a_callers_rolled_back_transaction_and_stays_with_a_committed_one(
        fulfilled, huamu_staff, settings):
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.add_handover_photo(actor=huamu_staff, need=fulfilled, file=upload("a.png", PNG),
                                   no_faces_or_consent=True)
        raise RuntimeError("the caller fails after the action returned")
    assert _files_on_disk(settings.MEDIA_ROOT) == []

    with transaction.atomic():
        photo = actions.add_handover_photo(actor=huamu_staff, need=fulfilled, file=upload("b.png", PNG),
                                           no_faces_or_consent=True)
    # Django skips the on-commit callbacks after one that raises; the committed photo keeps its file all the same.
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        transaction.on_commit(lambda: 1 / 0)
        letter = actions.record_thanks(actor=huamu_staff, need=fulfilled, scan=upload("letter.pdf", PDF))
    gc.collect()
    assert HandoverPhoto.objects.get().pk == photo.pk and ThankYouLetter.objects.get().pk == letter.pk
    assert _files_on_disk(settings.MEDIA_ROOT) == sorted(
        name.rsplit("/", 1)[-1] for name in (photo.file.name, letter.scan.name))


def test_a_replaced_scan_is_deleted_once_the_new_one_is_committed(fulfilled, huamu_staff, settings,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.record_thanks(actor=huamu_staff, need=fulfilled, scan=upload("letter.pdf", PDF)).scan.name
    with django_capture_on_commit_callbacks(execute=True):
        second = actions.record_thanks(actor=huamu_staff, need=fulfilled, scan=upload("letter.pdf", PDF)).scan.name
    assert first != second
    assert _files_on_disk(settings.MEDIA_ROOT) == [second.rsplit("/", 1)[-1]]


def test_items_are_recorded_and_a_zero_quantity_refused(fulfilled, huamu_staff):
    actions.add_handover_item(actor=huamu_staff, need=fulfilled, name="跑步鞋", quantity=1)
    with pytest.raises(ValidationError):
        actions.add_handover_item(actor=huamu_staff, need=fulfilled, name="绘本", quantity=0)
    assert list(HandoverItem.objects.values_list("name", flat=True)) == ["跑步鞋"]


def test_nothing_is_recorded_before_the_hand_over_or_by_someone_out_of_scope(tree, fulfilled, huamu_staff,
                                                                             lianyang2_secretary):
    published = make_need(tree.peihua1)
    with pytest.raises(IllegalTransition) as err:
        actions.add_handover_item(actor=huamu_staff, need=published, name="跑步鞋")
    assert "after the hand-over" in str(err.value)
    with pytest.raises(PermissionDenied):
        actions.add_handover_item(actor=lianyang2_secretary, need=fulfilled, name="跑步鞋")
    assert not HandoverItem.objects.exists()


# Pages -------------------------------------------------------------------------------------------

def test_staff_add_a_photo_on_the_page_and_the_flag_is_required(login, fulfilled, huamu_staff):
    client = login(huamu_staff)
    url = reverse("needs:handover", args=[fulfilled.pk, "photo"])
    refused = client.post(url, {"photo-file": upload("a.png", PNG)}, **HTMX).content.decode()
    assert "tick the box" in refused and not HandoverPhoto.objects.exists()

    body = client.post(url, {"photo-file": upload("a.png", PNG), "photo-no_faces_or_consent": "on"},
                       **HTMX).content.decode()
    photo = HandoverPhoto.objects.get()
    assert 'data-testid="photos"' in body
    served = client.get(reverse("needs:handover_file", args=[fulfilled.pk, "photo", photo.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == PNG
    assert "no-store" in served["Cache-Control"]


def test_files_are_not_served_to_someone_out_of_scope(login, fulfilled, huamu_staff, lianyang2_secretary):
    photo = actions.add_handover_photo(actor=huamu_staff, need=fulfilled, file=upload("a.png", PNG),
                                       no_faces_or_consent=True)
    url = reverse("needs:handover_file", args=[fulfilled.pk, "photo", photo.pk])
    assert login(lianyang2_secretary).get(url).status_code == 404


def test_a_bad_scan_is_said_on_the_form(login, fulfilled, huamu_staff):
    body = login(huamu_staff).post(reverse("needs:handover", args=[fulfilled.pk, "thanks"]),
                                   {"thanks-scan": upload("x.pdf", b"hello")}, **HTMX).content.decode()
    assert "x.pdf is not a JPEG, PNG or WebP photo, or a PDF" in body


def test_the_unit_prints_its_acknowledgement(login, fulfilled, org_liaison, resident_unit, huamu_staff):
    actions.add_handover_item(actor=huamu_staff, need=fulfilled, name="跑步鞋")
    claim = Claim.objects.get()
    page = login(org_liaison).get(reverse("needs:acknowledgement", args=[claim.pk])).content.decode()
    assert resident_unit.name in page and fulfilled.title in page and "跑步鞋" in page
    assert "@media print" in page and "小明" in page
    assert "王小明" not in page  # the child's full name stays private


def test_the_acknowledgement_is_404_for_others_and_before_fulfilment(login, tree, fulfilled, lianyang2_secretary,
                                                                     peihua1_secretary):
    claim = Claim.objects.get()
    assert login(lianyang2_secretary).get(reverse("needs:acknowledgement", args=[claim.pk])).status_code == 404
    assert login(peihua1_secretary).get(reverse("needs:acknowledgement", args=[claim.pk])).status_code == 200
    Need.objects.filter(pk=fulfilled.pk).update(state=Need.State.CLAIMED)
    assert login(peihua1_secretary).get(reverse("needs:acknowledgement", args=[claim.pk])).status_code == 404


def test_my_claims_links_a_units_fulfilled_claim_to_its_acknowledgement(login, fulfilled, org_liaison):
    page = login(org_liaison).get(reverse("needs:my_claims")).content.decode()
    assert reverse("needs:acknowledgement", args=[Claim.objects.get().pk]) in page


# The acknowledgement as a PDF, and its public verification page ------------------------------------

def test_the_acknowledgement_pdf_is_in_chinese_with_the_font_embedded_and_no_full_name(
        login, fulfilled, org_liaison, resident_unit, huamu_staff):
    from linli.core.tests.pdfs import embedded_fonts, pdf_text

    actions.add_handover_item(actor=huamu_staff, need=fulfilled, name="跑步鞋")
    claim = Claim.objects.get()
    response = login(org_liaison).get(reverse("needs:acknowledgement_pdf", args=[claim.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content).replace("\n", "")
    assert "感谢函" in text and resident_unit.name in text and fulfilled.title in text and "跑步鞋" in text
    assert "小明" in text  # the child's given name, as on the wall
    assert "王小明" not in text and "三(2)班" not in text and "13600001111" not in text
    assert any("CJK" in font for font in embedded_fonts(response.content))
    # The file is named in the reader's language (a translated word, not a fixed Chinese one).
    from urllib.parse import unquote

    assert unquote(response["Content-Disposition"]).endswith(f"Acknowledgement-{resident_unit.name}-{fulfilled.pk}.pdf")


def test_the_pdf_is_404_for_others_and_its_qr_opens_a_public_page_without_the_childs_details(
        client, login, fulfilled, lianyang2_secretary, resident_unit):
    from linli.core.documents import verification_token

    claim = Claim.objects.get()
    assert login(lianyang2_secretary).get(reverse("needs:acknowledgement_pdf", args=[claim.pk])).status_code == 404
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # a visitor reading the page in English
    page = client.get(reverse("needs:acknowledgement_verify", args=[verification_token("handover", claim.pk)]))
    assert page.status_code == 200
    body = page.content.decode()
    assert resident_unit.name in body and fulfilled.title in body and "小明" in body and "Valid" in body
    assert "王小明" not in body and "三(2)班" not in body and "花木实验小学" not in body and "王大海" not in body
    # A forged, mangled or other kind of token opens nothing.
    assert client.get(reverse("needs:acknowledgement_verify", args=["not-a-token"])).status_code == 404
    other = verification_token("notice", claim.pk)
    assert client.get(reverse("needs:acknowledgement_verify", args=[other])).status_code == 404
    # A cancelled claim's paper says so.
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.CANCELLED)
    body = client.get(reverse("needs:acknowledgement_verify", args=[verification_token("handover", claim.pk)]))
    assert "No longer valid" in body.content.decode()


def test_someone_whose_claim_was_cancelled_reads_neither_the_childs_letter_nor_the_photos(
        login, tree, fulfilled, huamu_staff, org_liaison, ly2_claimant):
    """A thank-you letter names the child (full name, school, class): like the child's details, it is for
    staff in scope and the claimant who made the wish come true, not for one who claimed and gave it back."""
    Claim.objects.create(need=fulfilled, claimant=ly2_claimant, need_area=tree.peihua1, claimant_area=tree.lianyang2,
                         status=Claim.Status.CANCELLED, cancelled_at=timezone.now())
    actions.record_thanks(actor=huamu_staff, need=fulfilled, text="我是花木实验小学三(2)班的王小明，谢谢你们！",
                          scan=upload("信.pdf", PDF))
    photo = actions.add_handover_photo(actor=huamu_staff, need=fulfilled, file=upload("a.png", PNG),
                                       no_faces_or_consent=True)
    scan_url = reverse("needs:handover_file", args=[fulfilled.pk, "scan", 0])
    photo_url = reverse("needs:handover_file", args=[fulfilled.pk, "photo", photo.pk])
    unit_claim = Claim.objects.get(status=Claim.Status.ACTIVE)

    gave_back = login(ly2_claimant)
    page = gave_back.get(fulfilled.get_absolute_url()).content.decode()
    assert "三(2)班" not in page and photo_url not in page
    assert gave_back.get(scan_url).status_code == 404 and gave_back.get(photo_url).status_code == 404
    assert gave_back.get(f"/api/v1/needs/{fulfilled.pk}/handover").status_code == 404
    # Nor the acknowledgement of the unit that took it on after them.
    assert gave_back.get(reverse("needs:acknowledgement", args=[unit_claim.pk])).status_code == 404
    assert gave_back.get(reverse("needs:acknowledgement_pdf", args=[unit_claim.pk])).status_code == 404

    unit = login(org_liaison)
    assert "三(2)班" in unit.get(fulfilled.get_absolute_url()).content.decode()
    assert unit.get(scan_url).status_code == 200 and unit.get(photo_url).status_code == 200
    assert unit.get(f"/api/v1/needs/{fulfilled.pk}/handover").json()["letter"]["text"].startswith("我是")
    assert unit.get(reverse("needs:acknowledgement", args=[unit_claim.pk])).status_code == 200
