"""Printouts of inspections: the rectification notice (整改通知书) as a PDF
with a QR code that opens its public verification page.

The verification page is for whoever holds the paper — the shop owner, a
landlord, another department — so it is public and shows only what is
printed at the top of the notice anyway (number, agency, date, establishment,
deadline) and its status: no phone, no name of a person, no hazard detail.
The link carries a signed token (core.documents), not the notice's id, so
nobody can walk the ids, and an edited link opens nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from linli.core.documents import qr_data_uri, render_pdf, verification_token
from linli.inspections.models import NoticeItem, RectificationNotice
from linli.problems.models import Problem

KIND = "notice"

STATUS_LABELS = {
    "rectified": _("Rectified"),
    "overdue": _("Overdue: not rectified by the deadline"),
    "open": _("Awaiting rectification"),
}


def notices_for_print() -> QuerySet[RectificationNotice]:
    """Everything a printed notice shows, in a fixed number of queries."""
    return RectificationNotice.objects.select_related(
        "agency", "inspection__establishment__area", "inspection__establishment__organization",
    ).prefetch_related(
        "officers",
        Prefetch("items", NoticeItem.objects.select_related("finding__item", "finding__problem").order_by("id")),
    )


def verification_path(notice: RectificationNotice) -> str:
    return reverse("inspections:notice_verify", args=[verification_token(KIND, notice.pk)])


def verification_url(notice: RectificationNotice, base_url: str = "") -> str:
    """The absolute link printed as the QR code: `base_url` is the site's address (scheme and host)."""
    return base_url.rstrip("/") + verification_path(notice)


def notice_status(notice: RectificationNotice) -> str:
    """rectified / overdue / open, from the hazards' own records: derived, never stored."""
    findings = [item.finding for item in notice.items.all()]
    done = all(f.fixed_on_spot or (f.problem is not None and f.problem.state == Problem.State.VERIFIED)
               for f in findings)
    if findings and done:
        return "rectified"
    if notice.deadline < timezone.localdate():
        return "overdue"
    return "open"


def notice_context(notice: RectificationNotice, base_url: str = "") -> dict[str, Any]:
    url = verification_url(notice, base_url)
    officers = list(notice.officers.all())
    return {
        "notice": notice,
        "establishment": notice.inspection.establishment,
        "items": list(notice.items.all()),
        "officers": officers,
        "verify_url": url,
        "qr": qr_data_uri(url),
    }


def notice_pdf(notice: RectificationNotice, *, base_url: str = "") -> bytes:
    """整改通知书 as PDF bytes, Chinese glyphs embedded, with the QR code of its verification page."""
    # An official paper in a fixed Chinese format, whatever the screen's language (the number is gettext's).
    with translation.override("zh-hans"):
        return render_pdf("inspections/pdf/notice.html", notice_context(notice, base_url))


def notice_filename(notice: RectificationNotice) -> str:
    return f"整改通知书-{notice.agency.name}-{notice.year}-{notice.serial:03d}.pdf"
