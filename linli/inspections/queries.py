"""Reads of establishments, checklists, inspections, findings and notices; every list through core's scoping."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from linli.core.scoping import Perm, get_in_scope_or_404, scope_queryset
from linli.inspections.models import (
    Answer,
    ChecklistTemplate,
    ChecklistVersion,
    Establishment,
    Finding,
    Inspection,
    RectificationNotice,
)


def establishments_visible_to(user: Any, q: str = "") -> QuerySet[Establishment]:
    qs = scope_queryset(Establishment.objects.select_related("area", "organization"), user, Perm.VIEW)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.order_by("name", "id")


def establishment_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> Establishment:
    return get_in_scope_or_404(Establishment.objects.select_related("area", "organization"), user, perm, pk=pk)


def current_checklist(code: str) -> ChecklistVersion | None:
    """The version a new inspection with this checklist answers, with its items."""
    template = ChecklistTemplate.objects.filter(code=code).first()
    version = template.current_version() if template is not None else None
    if version is None:
        return None
    return ChecklistVersion.objects.select_related("template").prefetch_related("items").get(pk=version.pk)


def inspections_visible_to(user: Any, establishment: Establishment | None = None) -> QuerySet[Inspection]:
    qs = scope_queryset(
        Inspection.objects.select_related("establishment__area", "version__template", "campaign"), user, Perm.VIEW)
    if establishment is not None:
        qs = qs.filter(establishment=establishment)
    return qs.order_by("-date", "-id")


def inspection_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> Inspection:
    """One inspection with its answers, findings and team; out of scope is 404."""
    qs = Inspection.objects.select_related("establishment__area", "establishment__organization",
                                           "version__template", "campaign").prefetch_related(
        "departments", "officers", Prefetch("answers", Answer.objects.select_related("item")),
        Prefetch("findings", Finding.objects.select_related("item", "problem")),
    )
    return get_in_scope_or_404(qs, user, perm, pk=pk)


def findings_visible_to(user: Any) -> QuerySet[Finding]:
    """The hazard ledger (隐患台账) in the user's scope."""
    return scope_queryset(
        Finding.objects.select_related("inspection__establishment", "item", "problem"), user, Perm.VIEW
    ).order_by("-inspection__date", "-id")


def notices_visible_to(user: Any) -> QuerySet[RectificationNotice]:
    return scope_queryset(
        RectificationNotice.objects.select_related("agency", "inspection__establishment"), user, Perm.VIEW
    ).order_by("-issued_on", "-id")
