"""Reads of establishments, checklists, inspections, findings, notices,
seizures and re-inspections, and a campaign's board, figures, summary and
four lists; every list through core's scoping.

Overdue notices and overdue re-inspections are derived here from their
dates on the day asked about, never stored.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from linli.core.scoping import Perm, get_in_scope_or_404, scope_queryset
from linli.inspections.models import (
    Answer,
    Campaign,
    ChecklistTemplate,
    ChecklistVersion,
    Establishment,
    Finding,
    Inspection,
    NoticeItem,
    RectificationNotice,
    Reinspection,
    Seizure,
    SeizureItem,
    SeizureItemKind,
    Severity,
    SupervisionNotice,
    notice_number,
)
from linli.problems.models import Problem


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


# Campaigns, seizures, re-inspections ------------------------------------------------------

def campaigns_visible_to(user: Any) -> QuerySet[Campaign]:
    return scope_queryset(Campaign.objects.select_related("area", "lead_department"), user, Perm.VIEW
                          ).order_by("-start", "-id")


def campaign_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> Campaign:
    """One campaign the user may see (or `perm`); out of scope is 404."""
    return get_in_scope_or_404(Campaign.objects.select_related("area", "lead_department"), user, perm, pk=pk)


def seizures_visible_to(user: Any, campaign: Campaign | None = None) -> QuerySet[Seizure]:
    """Seizure records with their items (prefetched), newest first."""
    qs = scope_queryset(Seizure.objects.select_related("establishment", "agency", "campaign", "notice__agency"),
                        user, Perm.VIEW).prefetch_related("items", "officers")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    return qs.order_by("-seized_on", "-id")


def seizure_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> Seizure:
    """One seizure with its items and officers (for its printable list); out of scope is 404."""
    qs = Seizure.objects.select_related("establishment__area", "agency", "campaign", "inspection",
                                        "notice__agency").prefetch_related("items", "officers")
    return get_in_scope_or_404(qs, user, perm, pk=pk)


def seizure_totals(campaign: Campaign) -> dict[str, int]:
    """Quantities seized in the campaign by item kind, e.g. {"lpg_cylinder": 17}; one query."""
    rows = (SeizureItem.objects.filter(seizure__campaign=campaign).order_by().values("kind")
            .annotate(total=Sum("quantity")).values_list("kind", "total"))
    return {kind: int(total) for kind, total in rows}


def overdue_reinspection_q(on: datetime.date) -> Q:
    """A scheduled re-inspection past its day without an outcome."""
    return Q(outcome="", due_on__lt=on)


def reinspections_visible_to(user: Any, campaign: Campaign | None = None, *, pending: bool = False,
                             overdue_on: datetime.date | None = None) -> QuerySet[Reinspection]:
    """Re-inspections (回头看), soonest due first; `pending` only those without an outcome,
    `overdue_on` only those overdue on that day."""
    qs = scope_queryset(Reinspection.objects.select_related(
        "finding__inspection__establishment", "finding__item", "finding__problem", "campaign",
        "supervision_notice"), user, Perm.VIEW)
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if pending:
        qs = qs.filter(outcome="")
    if overdue_on is not None:
        qs = qs.filter(overdue_reinspection_q(overdue_on))
    return qs.order_by("due_on", "id")


def reinspection_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> Reinspection:
    qs = Reinspection.objects.select_related("finding__inspection__establishment", "finding__problem",
                                             "finding__item", "campaign")
    return get_in_scope_or_404(qs, user, perm, pk=pk)


def supervision_notices_visible_to(user: Any, campaign: Campaign | None = None) -> QuerySet[SupervisionNotice]:
    qs = scope_queryset(SupervisionNotice.objects.select_related("finding__inspection__establishment"), user,
                        Perm.VIEW)
    if campaign is not None:
        qs = qs.filter(reinspection__campaign=campaign)
    return qs.order_by("-issued_on", "-id")


def finding_open_q(prefix: str = "") -> Q:
    """Findings still to be fixed: not fixed on the spot and their problem not verified (closed)."""
    return Q(**{f"{prefix}fixed_on_spot": False}) & ~Q(**{f"{prefix}problem__state": Problem.State.VERIFIED})


def notice_overdue_q(on: datetime.date) -> Q:
    """Notices past their deadline with a hazard whose owner has not yet reported it fixed."""
    unfixed = NoticeItem.objects.filter(notice=OuterRef("pk"), finding__fixed_on_spot=False).exclude(
        finding__problem__state__in=Problem.DONE_STATES)
    return Q(deadline__lt=on) & Q(Exists(unfixed))


def overdue_notices(user: Any, on: datetime.date | None = None, campaign: Campaign | None = None
                    ) -> QuerySet[RectificationNotice]:
    """整改通知书 past their deadline with a hazard not yet fixed, on the day `on` (today)."""
    qs = notices_visible_to(user).filter(notice_overdue_q(on or timezone.localdate()))
    if campaign is not None:
        qs = qs.filter(inspection__campaign=campaign)
    return qs


# The campaign board --------------------------------------------------------------------------

@dataclass(frozen=True)
class AreaRef:
    code: str
    name: str


@dataclass(frozen=True)
class EstablishmentRef:
    """What the board shows of an establishment, read without building model instances."""

    pk: int
    name: str
    address: str
    area: AreaRef

    @property
    def id(self) -> int:
        return self.pk


@dataclass(frozen=True)
class NoticeRef:
    id: int
    number: str
    deadline: datetime.date
    overdue: bool


@dataclass
class BoardRow:
    """One establishment of the campaign's baseline, as the board shows it."""

    establishment: EstablishmentRef
    inspections: int = 0
    last_inspected_on: datetime.date | None = None
    findings_open: int = 0
    findings_closed: int = 0
    escalated: int = 0
    notices: list[NoticeRef] = field(default_factory=list)
    reinspection_due: datetime.date | None = None  # the earliest pending re-inspection
    reinspection_overdue: bool = False
    reinspections_done: int = 0
    seized: int = 0  # pieces seized, all kinds together

    @property
    def inspected(self) -> bool:
        return self.inspections > 0

    @property
    def notice_overdue(self) -> bool:
        return any(n.overdue for n in self.notices)


def campaign_board(user: Any, campaign: Campaign, on: datetime.date | None = None) -> list[BoardRow]:
    """Per establishment of the baseline (in the user's scope): inspected?, findings open and
    closed, its notices (overdue?), the next re-inspection (overdue?), pieces seized.

    Six queries whatever the size of the campaign: the baseline, then one
    aggregate each for inspections, findings, notices, re-inspections and
    seizures, matched to the rows in Python.
    """
    on = on or timezone.localdate()
    targets = scope_queryset(campaign.targets.all(), user, Perm.VIEW).order_by("name", "id").values_list(
        "pk", "name", "address", "area__code", "area__name")
    areas: dict[str, AreaRef] = {}
    rows = {pk: BoardRow(establishment=EstablishmentRef(
        pk=pk, name=name, address=address, area=areas.setdefault(code, AreaRef(code=code, name=area_name))))
        for pk, name, address, code, area_name in targets}
    if not rows:
        return []
    for est, n, last in (Inspection.objects.filter(campaign=campaign, is_reinspection=False).order_by()
                         .values("establishment_id").annotate(n=Count("id"), last=Max("date"))
                         .values_list("establishment_id", "n", "last")):
        if est in rows:
            rows[est].inspections, rows[est].last_inspected_on = n, last
    for est, total, open_, escalated in (
            Finding.objects.filter(inspection__campaign=campaign).order_by()
            .values("inspection__establishment_id")
            .annotate(total=Count("id"), open=Count("id", filter=finding_open_q()),
                      escalated=Count("id", filter=Q(escalated_on__isnull=False) & finding_open_q()))
            .values_list("inspection__establishment_id", "total", "open", "escalated")):
        if est in rows:
            rows[est].findings_open, rows[est].findings_closed, rows[est].escalated = open_, total - open_, escalated
    unfixed = NoticeItem.objects.filter(notice=OuterRef("pk"), finding__fixed_on_spot=False).exclude(
        finding__problem__state__in=Problem.DONE_STATES)
    notices = (RectificationNotice.objects.filter(inspection__campaign=campaign).annotate(unfixed=Exists(unfixed))
               .order_by("issued_on", "id")
               .values_list("pk", "inspection__establishment_id", "agency__name", "year", "serial", "deadline",
                            "unfixed"))
    for pk, est, agency, year, serial, deadline, unfixed_left in notices:
        row = rows.get(est)
        if row is not None:
            # Overdue as notice_overdue_q says: past the deadline with a hazard not yet reported fixed.
            row.notices.append(NoticeRef(id=pk, number=notice_number(agency, year, serial), deadline=deadline,
                                         overdue=deadline < on and unfixed_left))
    for est, due, done in (Reinspection.objects.filter(campaign=campaign).order_by()
                           .values("finding__inspection__establishment_id")
                           .annotate(due=Min("due_on", filter=Q(outcome="")), done=Count("id", filter=~Q(outcome="")))
                           .values_list("finding__inspection__establishment_id", "due", "done")):
        if est in rows:
            rows[est].reinspection_due, rows[est].reinspections_done = due, done
            rows[est].reinspection_overdue = due is not None and due < on
    for est, seized in (SeizureItem.objects.filter(seizure__campaign=campaign).order_by()
                        .values("seizure__establishment_id").annotate(n=Sum("quantity"))
                        .values_list("seizure__establishment_id", "n")):
        if est in rows:
            rows[est].seized = int(seized)
    return list(rows.values())


# Figures and summary -------------------------------------------------------------------------

@dataclass(frozen=True)
class CampaignFigures:
    """A campaign's figures, all computed from its records (the report's numbers)."""

    targets: int
    establishments_inspected: int
    establishments_reinspected: int
    inspections: int
    findings: int
    findings_by_severity: dict[str, int]
    findings_by_item: list[tuple[str, int]]  # checklist item text, count; most frequent first
    findings_fixed_on_spot: int
    findings_closed: int  # fixed on the spot, or the problem verified
    findings_open: int
    findings_escalated: int
    notices_issued: int
    notices_overdue: int
    seizures: int
    seized_by_item: dict[str, int]  # SeizureItemKind value → pieces
    reinspections_scheduled: int
    reinspections_done: int
    reinspections_overdue: int
    supervision_notices: int

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "findings_by_item": [{"item": i, "count": n} for i, n in self.findings_by_item]}


def campaign_figures(campaign: Campaign, on: datetime.date | None = None) -> CampaignFigures:
    """The campaign's figures in a fixed number of queries (ten). The caller has checked the
    user may see the campaign: the figures are the campaign's, not a scope's share of it."""
    on = on or timezone.localdate()
    inspections = Inspection.objects.filter(campaign=campaign)
    visits = inspections.aggregate(
        n=Count("id", filter=Q(is_reinspection=False)),
        inspected=Count("establishment_id", filter=Q(is_reinspection=False), distinct=True))
    findings_qs = Finding.objects.filter(inspection__campaign=campaign)
    f = findings_qs.aggregate(
        total=Count("id"), on_spot=Count("id", filter=Q(fixed_on_spot=True)),
        open=Count("id", filter=finding_open_q()), closed=Count("id", filter=~finding_open_q()),
        escalated=Count("id", filter=Q(escalated_on__isnull=False) & finding_open_q()),
        general=Count("id", filter=Q(severity=Severity.GENERAL)), major=Count("id", filter=Q(severity=Severity.MAJOR)))
    by_item = Counter[str]()
    for text, description, n in (findings_qs.order_by().values("item__text", "description")
                                 .annotate(n=Count("id")).values_list("item__text", "description", "n")):
        by_item[text or description] += n
    notices = RectificationNotice.objects.filter(inspection__campaign=campaign).aggregate(
        n=Count("id"), overdue=Count("id", filter=notice_overdue_q(on)))
    re = Reinspection.objects.filter(campaign=campaign).aggregate(
        n=Count("id"), done=Count("id", filter=~Q(outcome="")),
        overdue=Count("id", filter=overdue_reinspection_q(on)),
        supervised=Count("supervision_notice"))
    reinspected = set(Reinspection.objects.filter(campaign=campaign).exclude(outcome="")
                      .values_list("finding__inspection__establishment_id", flat=True).distinct())
    reinspected |= set(inspections.filter(is_reinspection=True).values_list("establishment_id", flat=True))
    seizures = Seizure.objects.filter(campaign=campaign).count()
    return CampaignFigures(
        targets=campaign.targets.count(),
        establishments_inspected=visits["inspected"], establishments_reinspected=len(reinspected),
        inspections=visits["n"], findings=f["total"],
        findings_by_severity={Severity.GENERAL.value: f["general"], Severity.MAJOR.value: f["major"]},
        findings_by_item=sorted(by_item.items(), key=lambda kv: (-kv[1], kv[0])),
        findings_fixed_on_spot=f["on_spot"], findings_closed=f["closed"], findings_open=f["open"],
        findings_escalated=f["escalated"], notices_issued=notices["n"], notices_overdue=notices["overdue"],
        seizures=seizures, seized_by_item=seizure_totals(campaign), reinspections_scheduled=re["n"],
        reinspections_done=re["done"], reinspections_overdue=re["overdue"], supervision_notices=re["supervised"])


# How the summary names what was seized: (noun, measure word).
_SEIZED_WORDS: dict[str, tuple[str, str]] = {
    SeizureItemKind.LPG_CYLINDER: ("钢瓶", "个"),
    SeizureItemKind.STOVE: ("灶具", "台"),
    SeizureItemKind.HOSE: ("软管", "根"),
    SeizureItemKind.SECOND_FUEL: ("其他燃料", "瓶"),
    SeizureItemKind.OTHER: ("其他物品", "件"),
}


def summary_from(campaign: Campaign, figures: CampaignFigures) -> str:
    """The summary paragraph for figures already read (see campaign_summary)."""
    parts = [f"共检查{figures.establishments_inspected}家单位"]
    if figures.targets:
        parts[0] += f"（底数{figures.targets}家）"
    if figures.findings:
        hazards = f"发现隐患{figures.findings}处"
        major = figures.findings_by_severity.get(Severity.MAJOR, 0)
        if major:
            hazards += f"，其中重大隐患{major}处"
        parts.append(hazards)
        if figures.findings_fixed_on_spot:
            parts.append(f"当场整改{figures.findings_fixed_on_spot}处")
    else:
        parts.append("未发现隐患")
    if figures.notices_issued:
        parts.append(f"开具{figures.notices_issued}张整改单")
    seized = [f"{_SEIZED_WORDS[kind][0]}{n}{_SEIZED_WORDS[kind][1]}"
              for kind in SeizureItemKind.values if (n := figures.seized_by_item.get(kind, 0))]
    if seized:
        parts.append("收缴" + "、".join(seized))
    sentences = ["，".join(parts) + "。"]
    if figures.findings:
        closing = [f"已整改销号{figures.findings_closed}处"]
        if figures.findings_open:
            closing.append(f"尚有{figures.findings_open}处在整改中")
        if figures.notices_overdue:
            closing.append(f"{figures.notices_overdue}张整改单已逾期")
        if figures.findings_escalated:
            closing.append(f"{figures.findings_escalated}处移交处罚")
        sentences.append("，".join(closing) + "。")
    if figures.reinspections_scheduled:
        pending = figures.reinspections_scheduled - figures.reinspections_done
        text = f"回头看已安排{figures.reinspections_scheduled}处"
        if figures.reinspections_done:
            text += f"，已复查{figures.reinspections_done}处"
        if pending:
            text += f"，待复查{pending}处"
        if figures.reinspections_overdue:
            text += f"（其中逾期{figures.reinspections_overdue}处）"
        if figures.supervision_notices:
            text += f"，下发督办单{figures.supervision_notices}份"
        sentences.append(text + "。")
    return campaign.name + "：" + "".join(sentences)


def campaign_summary(campaign: Campaign, on: datetime.date | None = None) -> str:
    """A Chinese paragraph for the street's report, built only from the campaign's records, e.g.
    "…：共检查15家单位（底数15家），发现隐患23处，开具5张整改单，收缴钢瓶17个。…"

    Chinese whatever the UI language: it is the text of the customer's report.
    A clause whose figure is zero is left out (or said plainly: 未发现隐患).
    """
    return summary_from(campaign, campaign_figures(campaign, on))


# The four lists ---------------------------------------------------------------------------

def _notice_annotations() -> dict[str, Any]:
    """The first notice naming each finding: its number's parts and deadline (for lists and exports)."""
    first = NoticeItem.objects.filter(finding=OuterRef("pk")).order_by("notice__issued_on", "notice_id")
    return {
        "notice_agency": Subquery(first.values("notice__agency__name")[:1]),
        "notice_year": Subquery(first.values("notice__year")[:1]),
        "notice_serial": Subquery(first.values("notice__serial")[:1]),
        "notice_deadline": Subquery(first.values("notice__deadline")[:1]),
    }


def _campaign_findings(user: Any, campaign: Campaign | None, perm: Perm) -> QuerySet[Finding]:
    qs = scope_queryset(Finding.objects.select_related("inspection__establishment__area", "item", "problem"),
                        user, perm)
    if campaign is not None:
        qs = qs.filter(inspection__campaign=campaign)
    return qs


@dataclass(frozen=True)
class CampaignLists:
    """The four lists a campaign keeps, each a scoped queryset (read only when iterated)."""

    baseline: QuerySet[Establishment]  # 底数: the target establishments, `inspection_count` annotated
    hazards: QuerySet[Finding]  # 隐患: every finding of the campaign
    rectification: QuerySet[Finding]  # 整治: findings not fixed on the spot, with their notice and problem
    acceptance: QuerySet[Reinspection]  # 验收: re-inspections, scheduled and recorded

    NAMES = ("baseline", "hazards", "rectification", "acceptance")


def campaign_lists(user: Any, campaign: Campaign, perm: Perm = Perm.VIEW) -> CampaignLists:
    """底数, 隐患, 整治 and 验收 of a campaign, in the user's scope (`perm` EXPORT for exports)."""
    inspected = Inspection.objects.filter(campaign=campaign, establishment=OuterRef("pk"), is_reinspection=False)
    baseline = scope_queryset(campaign.targets.select_related("area", "organization"), user, perm).annotate(
        inspection_count=Coalesce(Subquery(inspected.order_by().values("establishment").annotate(n=Count("id"))
                                           .values("n")[:1], output_field=IntegerField()), Value(0)),
    ).order_by("name", "id")
    hazards = _campaign_findings(user, campaign, perm).annotate(**_notice_annotations()).order_by(
        "inspection__date", "id")
    rectification = hazards.filter(fixed_on_spot=False)
    acceptance = scope_queryset(Reinspection.objects.select_related(
        "finding__inspection__establishment", "finding__item", "finding__problem", "supervision_notice"),
        user, perm).filter(campaign=campaign).order_by("due_on", "id")
    return CampaignLists(baseline=baseline, hazards=hazards, rectification=rectification, acceptance=acceptance)


def hazard_ledger(user: Any, campaign: Campaign | None = None, perm: Perm = Perm.VIEW) -> QuerySet[Finding]:
    """隐患台账: one row per finding in the user's scope (optionally one campaign's), with its first
    notice (number parts, deadline) and its earliest pending re-inspection annotated."""
    pending = Reinspection.objects.filter(finding=OuterRef("pk"), outcome="").order_by("due_on")
    return (_campaign_findings(user, campaign, perm).select_related("inspection__campaign")
            .annotate(**_notice_annotations(), reinspection_due=Subquery(pending.values("due_on")[:1]))
            .order_by("inspection__date", "id"))
