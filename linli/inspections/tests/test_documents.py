"""整改通知书 as a PDF: Chinese text with an embedded CJK font, a QR code to a public verification page."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from linli.core.documents import qr_data_uri, read_verification_token, verification_token
from linli.core.tests.pdfs import embedded_fonts, pdf_text
from linli.inspections import documents
from linli.inspections.tests.page_factories import RULE, inspect_with_hazard, issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def notice(officer, second_officer, gas_office, snack_shop):
    inspection = inspect_with_hazard(officer, snack_shop, [gas_office])
    return issue(officer, second_officer, inspection, gas_office,
                 reinspection_on=inspection.date + datetime.timedelta(days=6))


def test_the_notice_pdf_carries_every_part_of_the_paper_in_chinese(notice):
    pdf = documents.notice_pdf(documents.notices_for_print().get(pk=notice.pk), base_url="https://linli.example")
    text = pdf_text(pdf)
    assert pdf.startswith(b"%PDF-")
    assert any("CJK" in name for name in embedded_fonts(pdf)), embedded_fonts(pdf)  # no tofu on any reader
    year = timezone.localdate().year
    for part in ("整改通知书", f"燃气管理所整改〔{year}〕第001号", "培花小吃店", "钢瓶超量存放", "后厨", RULE,
                 "立即清退超量钢瓶", "拒绝签收", "王执法", "李执法", "燃气管理所"):
        assert part.replace(" ", "") in text, part
    assert notice.deadline.strftime("%Y年%-m月%-d日") in text
    assert notice.reinspection_on.strftime("%Y年%-m月%-d日") in text


def test_the_pdf_is_chinese_whatever_the_screen_language(login, officer, notice):
    response = login(officer).get(reverse("inspections:notice_pdf", args=[notice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "整改通知书" in text and "Rectification" not in text


def test_the_qr_link_opens_the_public_verification_page(client, notice):
    printable = documents.notices_for_print().get(pk=notice.pk)
    context = documents.notice_context(printable, "http://testserver")
    url = context["verify_url"]
    # The token is signed with a timestamp: compare what it names, not its text (a second may pass).
    prefix = "http://testserver/inspections/verify/notice/"
    assert url.startswith(prefix)
    assert read_verification_token(documents.KIND, url.removeprefix(prefix).rstrip("/")) == notice.pk
    assert context["qr"] == qr_data_uri(url, png=True)  # the QR code draws this very link
    printed = pdf_text(documents.notice_pdf(printable, base_url="http://testserver")).replace("\n", "")
    # And the paper spells the link out for those without a scanner.
    spelled = re.search(re.escape(prefix) + r"([\w:-]+)/", printed)
    assert spelled is not None and read_verification_token(documents.KIND, spelled.group(1)) == notice.pk

    page = client.get(url.removeprefix("http://testserver"))  # not logged in

    assert page.status_code == 200
    body = page.content.decode()
    assert notice.number in body and "燃气管理所" in body and "培花小吃店" in body
    assert "Awaiting rectification" in body
    # Only the paper's head: no phone, no person, no hazard.
    for private in ("13700001234", "1234", "陈老板", "钢瓶超量存放", "王执法"):
        assert private not in body


def test_the_verification_page_says_overdue_after_the_deadline(client, officer, second_officer, gas_office,
                                                               snack_shop):
    day = timezone.localdate() - datetime.timedelta(days=10)
    inspection = inspect_with_hazard(officer, snack_shop, [gas_office], day=day)
    notice = issue(officer, second_officer, inspection, gas_office)
    page = client.get(documents.verification_path(notice)).content.decode()
    assert "Overdue" in page


def test_an_edited_or_forged_token_opens_nothing(client, notice):
    token = verification_token("notice", notice.pk)
    assert client.get(reverse("inspections:notice_verify", args=[token[:-3] + "abc"])).status_code == 404
    assert client.get(reverse("inspections:notice_verify", args=[str(notice.pk)])).status_code == 404
    other_kind = verification_token("certificate", notice.pk)
    assert client.get(reverse("inspections:notice_verify", args=[other_kind])).status_code == 404
    gone = verification_token("notice", notice.pk + 1000)
    assert client.get(reverse("inspections:notice_verify", args=[gone])).status_code == 404


def test_the_pdf_and_the_notice_page_are_404_out_of_scope(login, lianyang2_secretary, notice):
    client = login(lianyang2_secretary)  # 联洋二: the notice is about 培花一
    assert client.get(reverse("inspections:notice_pdf", args=[notice.pk])).status_code == 404
    assert client.get(reverse("inspections:notice_detail", args=[notice.pk])).status_code == 404


def test_the_pdf_needs_a_login(client, notice):
    response = client.get(reverse("inspections:notice_pdf", args=[notice.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_notice_page_offers_the_pdf_and_shows_the_hazards(login, officer, notice):
    page = login(officer).get(reverse("inspections:notice_detail", args=[notice.pk])).content.decode()
    assert reverse("inspections:notice_pdf", args=[notice.pk]) in page
    assert "钢瓶超量存放" in page and RULE in page and "Refused to sign" in page


def test_the_printed_qr_code_is_drawn_with_sharp_modules(notice):
    import io

    from pypdf import PdfReader

    pdf = documents.notice_pdf(documents.notices_for_print().get(pk=notice.pk), base_url="https://linli.example")
    images = [x.get_object() for x in PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/XObject"].values()]
    qr = next(image for image in images if image["/Subtype"] == "/Image")
    # One pixel a module, not smoothed when scaled to 26 mm: a scanner reads sharp squares.
    assert qr["/Width"] == qr["/Height"] < 80 and qr["/Interpolate"].value is False
