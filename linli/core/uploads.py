"""Checking an uploaded file before anything is stored: evidence, photos,
scans of letters, meeting attachments — one rule for every module.

The type is read from the file's first bytes, not from its name or the
browser's claim: a renamed .exe is not a photo. The size limit is
settings.LINLI_UPLOAD_MAX_BYTES (10 MB unless the environment says otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# (leading bytes, content type, kind). WebP is RIFF....WEBP, checked below.
# Office files are told apart by container only: OOXML (.docx, .xlsx, .pptx)
# is a zip, the older formats (.doc, .xls, .ppt) an OLE compound file.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
    (b"PK\x03\x04", "application/zip", "ooxml"),
    (b"\xd0\xcf\x11\xe0", "application/x-ole-storage", "ole"),
)
_OFFICE = frozenset({"ooxml", "ole"})


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    extension: str  # the kind found in the content: jpg, png, webp, pdf, ooxml or ole
    size: int


def max_bytes() -> int:
    return int(settings.LINLI_UPLOAD_MAX_BYTES)


def sniff(head: bytes) -> tuple[str, str] | None:
    for signature, content_type, extension in _SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def check_upload(upload: UploadedFile, *, field: str = "file", images_only: bool = False,
                 office: bool = False) -> CheckedFile:
    """The file's real type and size, or a ValidationError on `field` saying what is accepted.

    Accepted: a photo (JPEG, PNG, WebP) and, unless `images_only`, a PDF; with
    `office`, also Word, Excel and PowerPoint files.
    """
    limit = max_bytes()
    size = upload.size or 0
    if size == 0:
        raise ValidationError({field: _("The file is empty.")}, code="empty_file")
    if size > limit:
        raise ValidationError({field: _("The file is %(size)s; the limit is %(limit)s. Send a smaller file "
                                        "(a photo taken at a lower resolution).")
                               % {"size": filesizeformat(size), "limit": filesizeformat(limit)}}, code="too_large")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    found = sniff(head)
    refused = (found is None or (images_only and not found[0].startswith("image/"))
               or (found[1] in _OFFICE and not office))
    if refused:
        if images_only:
            accepted = _("a JPEG, PNG or WebP photo")
        elif office:
            accepted = _("a JPEG, PNG or WebP photo, a PDF or an Office document (Word, Excel, PowerPoint)")
        else:
            accepted = _("a JPEG, PNG or WebP photo, or a PDF")
        raise ValidationError({field: _("%(name)s is not %(accepted)s.") % {"name": upload.name, "accepted": accepted}},
                              code="bad_type")
    assert found is not None
    return CheckedFile(content_type=found[0], extension=found[1], size=size)
