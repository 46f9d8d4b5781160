"""PDFs with Chinese text and signed verification links (core.documents)."""

from __future__ import annotations

from linli.core.documents import qr_data_uri, read_verification_token, render_pdf, verification_token
from linli.core.tests.pdfs import embedded_fonts, pdf_text


def test_pdf_embeds_a_cjk_font_and_keeps_the_chinese_text():
    pdf = render_pdf("core/pdf/_test_page.html", {"heading": "整改通知书", "text": "燃气管道与电线距离不足",
                                                  "qr": qr_data_uri("https://example.invalid/v/1")})
    assert pdf.startswith(b"%PDF-")
    # The font travels inside the file: a reader without Noto CJK sees the same glyphs, no tofu.
    assert any("CJK" in name for name in embedded_fonts(pdf)), embedded_fonts(pdf)
    text = pdf_text(pdf)
    assert "整改通知书" in text
    assert "燃气管道与电线距离不足" in text


def test_verification_token_names_one_record_of_one_kind():
    token = verification_token("notice", 42)
    assert read_verification_token("notice", token) == 42
    assert read_verification_token("certificate", token) is None  # a notice's token opens no certificate
    assert read_verification_token("notice", token[:-2] + "xx") is None  # edited link
    assert read_verification_token("notice", "42") is None


def test_qr_code_is_an_svg_image():
    uri = qr_data_uri("https://example.invalid/v/abc")
    assert uri.startswith("data:image/svg+xml")
    assert len(uri) > 500  # a real symbol, not an empty picture
