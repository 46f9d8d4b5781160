"""Printable documents: PDFs with Chinese text, QR codes, verification links.

Every module that prints something a person signs, keeps or shows to someone
else — a rectification notice, a seizure list, a certificate of service hours,
a hand-over acknowledgement — renders it here, so they share one look, one
font rule and one way of proving a paper is genuine:

- `render_pdf` turns a Django template into PDF bytes with WeasyPrint. The
  template extends ``core/pdf/base.html`` (A4, margins, Noto CJK fonts from
  Debian's fonts-noto-cjk). WeasyPrint embeds the glyphs it uses, so the PDF
  reads the same on a machine without the fonts — no tofu.
- `verification_token` / `read_verification_token` sign a record's id for a
  public verification page; the QR code printed on the paper opens that page.
  A signed token, not the bare id: nobody can walk the ids to read other
  records, and a paper cannot be forged by editing a number in the link.
- `qr_data_uri` draws the QR code as an inline SVG the template embeds (or,
  for a PDF, as a small PNG drawn with crisp edges: WeasyPrint parses an SVG
  QR code's hundreds of path segments on every render, ~10% of a notice).

What a render costs (a one-page notice, this 2-core machine): layout and
line breaking of the Chinese text, then subsetting the Noto CJK font
(HarfBuzz, one subset per face used — hence one face per paper), then
compressing the streams. The font configuration (Pango's font map) is made
once per thread and reused, not once per render.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

_SALT = "linli.documents.verification"
_fonts = threading.local()  # Pango's font map is not shared between threads


def _font_config() -> Any:
    """This thread's WeasyPrint FontConfiguration, made on first use. None of our papers has @font-face
    rules (which would be added to it for good): they name system fonts only."""
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


def render_pdf(template_name: str, context: dict[str, Any], *, request: HttpRequest | None = None,
               base_url: str | None = None) -> bytes:
    """The template rendered to PDF bytes.

    Imported lazily: WeasyPrint loads Pango at import, which a page that never
    prints should not pay for.
    """
    from weasyprint import HTML

    html = render_to_string(template_name, context, request=request)
    return HTML(string=html, base_url=base_url).write_pdf(font_config=_font_config())


def pdf_response(pdf: bytes, filename: str, *, download: bool = False) -> HttpResponse:
    """A PDF for the browser: shown inline (to print) unless `download`."""
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if download else "inline"
    # RFC 6266 filename*: Chinese file names survive every browser.
    from urllib.parse import quote

    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return response


def qr_data_uri(text: str, *, scale: int = 3, png: bool = False) -> str:
    """A QR code of `text` as an SVG data URI for an <img src>; with `png`, as a PNG of one pixel a
    module, for PDFs: core/pdf/base.html draws `.qr img` without smoothing, so it prints as sharp as the
    SVG and costs WeasyPrint far less to read."""
    import segno

    code = segno.make(text, error="m")
    if png:
        return str(code.png_data_uri(scale=1, border=2))
    return str(code.svg_data_uri(scale=scale, border=2))


def verification_token(kind: str, pk: int) -> str:
    """A signed, URL-safe token naming one record of `kind` (e.g. "notice")."""
    return signing.dumps([kind, pk], salt=_SALT, compress=True)


def read_verification_token(kind: str, token: str) -> int | None:
    """The record id a token names, or None if it is forged, mangled or of another kind."""
    try:
        token_kind, pk = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if token_kind != kind or not isinstance(pk, int):
        return None
    return pk
