"""The acknowledgement (感谢信 / 认领证明) a unit receives for a need it claimed and
fulfilled: a PDF with a QR code that opens its public verification page.

Whoever is shown the paper (the unit's own office, a volunteer association,
a reporter) can check it is genuine. The page is public, so it shows only
what the public wish wall may show: the unit, the need's title (for a
service order, its kind and category instead: see public_title), the child's
given name or alias (never the full name, school, class, address or
guardian), the community and the date of the hand-over. The link carries a
signed token naming the claim (core.documents), not its id.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from linli.core.documents import qr_data_uri, render_pdf, verification_token
from linli.core.models import Area
from linli.needs.models import Claim, Need

KIND = "handover"
ACKNOWLEDGED_STATES = frozenset({Need.State.FULFILLED, Need.State.CLOSED})


def acknowledged_claims() -> QuerySet[Claim]:
    """Claims a unit holds an acknowledgement for: active, in an organization's name, on a fulfilled need.

    Everything the paper shows in one query (the child's public name only).
    """
    return Claim.objects.select_related("need__neighborhood__parent", "need__wish_details", "organization").filter(
        status=Claim.Status.ACTIVE, organization__isnull=False, need__state__in=ACKNOWLEDGED_STATES,
    )


def verification_path(claim: Claim) -> str:
    return reverse("needs:acknowledgement_verify", args=[verification_token(KIND, claim.pk)])


def public_name(need: Need) -> str:
    """The child as the public may see them: the given name or alias; never the full name."""
    if not need.is_wish:
        return ""
    details = getattr(need, "wish_details", None)
    return details.public_name if details is not None else ""


def public_title(need: Need) -> str:
    """What the public page calls the need. A wish's or a project's title is public already (the wall shows
    wishes); a service order's is not: it is free text written from a resident's order, which can name the
    resident, their address or their illness. An order is shown by its kind and category (上门助浴 → "Service
    order · Care and company"); the paper itself, which the team keeps, still names it in full."""
    if need.is_service:
        return f"{need.get_kind_display()} · {need.get_category_display()}"
    return need.title


def acknowledgement_context(claim: Claim, base_url: str = "") -> dict[str, Any]:
    need = claim.need
    url = base_url.rstrip("/") + verification_path(claim)
    return {
        "claim": claim, "need": need, "public_name": public_name(need),
        "community": need.neighborhood.parent.name if need.neighborhood.parent else need.neighborhood.name,
        "subdistrict": need.neighborhood.ancestors().filter(level=Area.Level.SUBDISTRICT).first(),
        "items": list(need.items.order_by("id")), "verify_url": url, "qr": qr_data_uri(url),
    }


def acknowledgement_pdf(claim: Claim, *, base_url: str = "") -> bytes:
    """The acknowledgement as PDF bytes: Chinese glyphs embedded, the QR code of its verification page."""
    # A paper the unit keeps, in Chinese whatever the screen's language.
    with translation.override("zh-hans"):
        return render_pdf("needs/pdf/acknowledgement.html", acknowledgement_context(claim, base_url))


def acknowledgement_filename(claim: Claim) -> str:
    """The PDF's file name, in the reader's language (感谢函-… in Chinese)."""
    return f"{gettext('Acknowledgement')}-{claim.organization}-{claim.need_id}.pdf"
