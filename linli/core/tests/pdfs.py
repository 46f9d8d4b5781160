"""Reading generated PDFs in tests the way a reader would: their text and their embedded fonts."""

from __future__ import annotations

import io

from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    """All pages' text as a PDF reader would copy it, with layout spaces removed (CJK has none)."""
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages).replace(" ", "")


def embedded_fonts(pdf: bytes) -> set[str]:
    """Names of the fonts whose glyphs travel inside the file (a FontFile* stream in the descriptor)."""
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            for part in [font, *[d.get_object() for d in font.get("/DescendantFonts", [])]]:
                descriptor = part.get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                if any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(font["/BaseFont"]).split("+", 1)[-1])
    return names
