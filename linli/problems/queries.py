"""Reads of problems: scoped lists with filters, one problem, evidence, and the boards.

Overdue is derived here, from the deadline and the state, on the day asked
about (`with_overdue`); nothing stores it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from linli.core.models import PATH_SEP, Area
from linli.core.scoping import Perm, get_in_scope_or_404, scope_queryset, under_area
from linli.problems.models import Evidence, Problem


def _choice(params: Mapping[str, Any], name: str, choices: list[str]) -> str:
    value = (params.get(name) or "").strip()
    return value if value in choices else ""


def overdue_q(on: datetime.date) -> Q:
    """Problems past their deadline on `on` that the owner has not yet reported fixed."""
    return Q(deadline__lt=on) & ~Q(state__in=Problem.DONE_STATES)


def with_overdue(qs: QuerySet[Problem], on: datetime.date | None = None) -> QuerySet[Problem]:
    return qs.annotate(overdue=Case(When(overdue_q(on or timezone.localdate()), then=Value(True)),
                                    default=Value(False), output_field=BooleanField()))


@dataclass(frozen=True)
class ProblemFilter:
    source: str = ""
    kind: str = ""
    state: str = ""
    area: str = ""  # an area code: that area and everything under it
    owner: int | None = None
    overdue: bool = False
    q: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> ProblemFilter:
        owner = (params.get("owner") or "").strip()
        return cls(
            source=_choice(params, "source", Problem.Source.values),
            kind=_choice(params, "kind", Problem.Kind.values),
            state=_choice(params, "state", Problem.State.values),
            area=(params.get("area") or "").strip()[:32],
            owner=int(owner) if owner.isdigit() else None,
            overdue=(params.get("overdue") or "") in ("1", "true", "on"),
            q=(params.get("q") or "").strip()[:50],
        )

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None, False)}


def _filtered(qs: QuerySet[Problem], f: ProblemFilter, on: datetime.date) -> QuerySet[Problem]:
    if f.source:
        qs = qs.filter(source=f.source)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.area:
        # An unknown code matches nothing (never "everything"); the scope still applies on top.
        area = Area.objects.filter(code=f.area).only("path").first()
        qs = qs.filter(under_area("area__path", area.path)) if area else qs.none()
    if f.owner is not None:
        qs = qs.filter(owner_id=f.owner)
    if f.overdue:
        qs = qs.filter(overdue_q(on))
    if f.q:
        qs = qs.filter(title__icontains=f.q)
    return qs


def problems_visible_to(user: Any, filters: ProblemFilter | None = None, perm: Perm = Perm.VIEW,
                        on: datetime.date | None = None) -> QuerySet[Problem]:
    """The problems in the user's areas, and those their organization owns; each annotated `overdue`."""
    on = on or timezone.localdate()
    qs = scope_queryset(Problem.objects.select_related("area", "owner", "responsible_person"), user, perm)
    return with_overdue(_filtered(qs, filters or ProblemFilter(), on), on).order_by("-created_at", "-id")


def problem_for(user: Any, pk: Any) -> Problem:
    """One problem the user may see; out of scope (or not there) is 404."""
    qs = with_overdue(Problem.objects.select_related("area", "owner", "responsible_person", "origin_type"))
    return get_in_scope_or_404(qs, user, Perm.VIEW, pk=pk)


def evidence_of(problem: Problem) -> QuerySet[Evidence]:
    return problem.evidence.select_related("added_by").order_by("created_at", "id")


def evidence_for(user: Any, pk: Any) -> Evidence:
    """One piece of evidence (to download its file) the user may see; else 404."""
    return get_in_scope_or_404(Evidence.objects.select_related("problem"), user, Perm.VIEW, pk=pk)


def problems_from(origin: Any) -> QuerySet[Problem]:
    """The problems another module's record gave rise to (unscoped: the caller already holds the record)."""
    from django.contrib.contenttypes.models import ContentType

    return Problem.objects.filter(origin_type=ContentType.objects.get_for_model(origin), origin_id=str(origin.pk))


# Boards ---------------------------------------------------------------------------------

BOARD_GROUPS: dict[str, tuple[str, ...]] = {
    "area": ("area__code", "area__name"),
    "organization": ("owner_id", "owner__name"),
    "source": ("source",),
}
# Boards rolled up to the areas of a level (board_by_level): the street's meeting reads them per community.
BOARD_LEVELS: dict[str, str] = {"community": Area.Level.COMMUNITY, "neighborhood": Area.Level.NEIGHBORHOOD}
BOARDS = (*BOARD_GROUPS, *BOARD_LEVELS)


@dataclass(frozen=True)
class BoardRow:
    """One line of a board: "21 problems, 19 fixed, 2 long-term"."""

    key: Any
    label: str
    total: int
    verified: int  # fixed and verified (closed)
    awaiting_verification: int
    long_term: int  # long-term problems still being worked on
    overdue: int
    open: int  # everything not yet verified

    @property
    def completion_rate(self) -> float | None:
        """Share verified, as a percentage with one decimal (None for an empty group)."""
        return round(100 * self.verified / self.total, 1) if self.total else None


def board(user: Any, by: str, filters: ProblemFilter | None = None, on: datetime.date | None = None
          ) -> list[BoardRow]:
    """Problem counts grouped by the problem's area, owner organization or source; one query. Or rolled
    up to the communities or neighborhoods (`by` in BOARD_LEVELS; two queries).

    Completion is verified / total: a problem the owner reports fixed counts
    as fixed only once someone with the right to verify has checked it.
    """
    if by in BOARD_LEVELS:
        return board_by_level(user, BOARD_LEVELS[by], filters, on)
    if by not in BOARD_GROUPS:
        raise ValueError(f"unknown board: {by}")
    on = on or timezone.localdate()
    qs = scope_queryset(Problem.objects.all(), user, Perm.VIEW)
    qs = _filtered(qs, filters or ProblemFilter(), on)
    fields = BOARD_GROUPS[by]
    rows = (
        qs.order_by().values(*fields)
        .annotate(
            total=Count("id"),
            verified=Count("id", filter=Q(state=Problem.State.VERIFIED)),
            awaiting=Count("id", filter=Q(state=Problem.State.RECTIFIED)),
            long_term=Count("id", filter=Q(kind=Problem.Kind.LONG_TERM) & ~Q(state=Problem.State.VERIFIED)),
            overdue=Count("id", filter=overdue_q(on)),
        )
        .order_by(*fields)
    )
    labels = dict(Problem.Source.choices)
    result = []
    for row in rows:
        key = row[fields[0]]
        label = str(labels.get(key, key)) if by == "source" else row[fields[1]]
        result.append(BoardRow(key=key, label=label, total=row["total"], verified=row["verified"],
                               awaiting_verification=row["awaiting"], long_term=row["long_term"],
                               overdue=row["overdue"], open=row["total"] - row["verified"]))
    return result


def board_total(rows: list[BoardRow]) -> BoardRow:
    """The sum of a board's rows (computed from the rows already read: no extra query)."""
    return BoardRow(key=None, label="", total=sum(r.total for r in rows), verified=sum(r.verified for r in rows),
                    awaiting_verification=sum(r.awaiting_verification for r in rows),
                    long_term=sum(r.long_term for r in rows), overdue=sum(r.overdue for r in rows),
                    open=sum(r.open for r in rows))


def board_by_level(user: Any, level: str, filters: ProblemFilter | None = None, on: datetime.date | None = None
                   ) -> list[BoardRow]:
    """Problems rolled up to the areas of one level, e.g. per community: the problems of its
    neighborhoods and its own. A problem placed above that level (at the subdistrict, when rolling up
    by community) keeps a row of its own area. Two queries: the counts per area, and the level's areas.
    """
    if level not in Area.Level.values:
        raise ValueError(f"unknown level: {level}")
    on = on or timezone.localdate()
    qs = _filtered(scope_queryset(Problem.objects.all(), user, Perm.VIEW), filters or ProblemFilter(), on)
    per_area: list[dict[str, Any]] = list(
        qs.order_by().values("area__path", "area__code", "area__name")
        .annotate(
            total=Count("id"),
            verified=Count("id", filter=Q(state=Problem.State.VERIFIED)),
            awaiting=Count("id", filter=Q(state=Problem.State.RECTIFIED)),
            long_term=Count("id", filter=Q(kind=Problem.Kind.LONG_TERM) & ~Q(state=Problem.State.VERIFIED)),
            overdue=Count("id", filter=overdue_q(on)),
        )
    )
    if not per_area:
        return []
    at_level = {path: (code, name) for path, code, name in
                Area.objects.filter(level=level).values_list("path", "code", "name")}
    sums: dict[str, list[Any]] = {}  # code → [label, total, verified, awaiting, long_term, overdue]
    for row in per_area:
        segments = row["area__path"].split(PATH_SEP)
        prefixes = (PATH_SEP.join(segments[:n]) + PATH_SEP for n in range(1, len(segments)))
        code, label = next((at_level[p] for p in prefixes if p in at_level), (row["area__code"], row["area__name"]))
        entry = sums.setdefault(code, [label, 0, 0, 0, 0, 0])
        for i, name in enumerate(("total", "verified", "awaiting", "long_term", "overdue"), start=1):
            entry[i] += row[name]
    return [BoardRow(key=code, label=label, total=total, verified=verified, awaiting_verification=awaiting,
                     long_term=long_term, overdue=overdue, open=total - verified)
            for code, (label, total, verified, awaiting, long_term, overdue) in sorted(sums.items())]
