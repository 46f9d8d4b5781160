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
    "reported": _("Reported rectified, awaiting verification"),
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
    """rectified / reported / overdue / open, from the hazards' own records: derived, never stored.

    As queries.notice_overdue_q has it: a notice is overdue once its deadline
    has passed with a hazard its owner has not even reported fixed.
    """
    findings = [item.finding for item in notice.items.all()]

    def state(f: Any) -> str:
        return Problem.State.VERIFIED if f.fixed_on_spot or f.problem is None else f.problem.state

    if findings and all(state(f) == Problem.State.VERIFIED for f in findings):
        return "rectified"
    if findings and all(state(f) in Problem.DONE_STATES for f in findings):
        return "reported"
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
        "qr": qr_data_uri(url, png=True),
    }


def notice_pdf(notice: RectificationNotice, *, base_url: str = "") -> bytes:
    """整改通知书 as PDF bytes, Chinese glyphs embedded, with the QR code of its verification page."""
    # An official paper in a fixed Chinese format, whatever the screen's language (the number is gettext's).
    with translation.override("zh-hans"):
        return render_pdf("inspections/pdf/notice.html", notice_context(notice, base_url))


def notice_filename(notice: RectificationNotice) -> str:
    return f"整改通知书-{notice.agency.name}-{notice.year}-{notice.serial:03d}.pdf"


# 收缴物品清单 --------------------------------------------------------------------------------

# The paper's own words for what was seized (a fixed Chinese format, not the UI's labels).
SEIZED_KINDS = {"lpg_cylinder": "液化石油气钢瓶", "stove": "灶具", "hose": "燃气软管",
                "second_fuel": "其他燃料（酒精、甲醇等）", "other": "其他物品"}


def seizure_pdf(seizure: Any) -> bytes:
    """The seizure list (收缴物品清单) as PDF bytes: each item with its quantity and e-labels, the total, the
    legal basis, the storage place, the officers. `seizure` as queries.seizure_for returns it."""
    items = list(seizure.items.all())
    for item in items:
        item.kind_zh = SEIZED_KINDS.get(item.kind, item.kind)
    context = {"seizure": seizure, "establishment": seizure.establishment, "items": items,
               "total": sum(i.quantity for i in items), "officers": list(seizure.officers.all())}
    with translation.override("zh-hans"):
        return render_pdf("inspections/pdf/seizure.html", context)


def seizure_filename(seizure: Any) -> str:
    return f"收缴物品清单-{seizure.establishment.name}-{seizure.seized_on:%Y%m%d}.pdf"
