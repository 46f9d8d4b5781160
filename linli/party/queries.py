"""Reads of party records, every one through core's scoping function: meetings
in scope, a meeting's expected attendees, and the compliance board."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.bulk import sql_int_table, sql_matching
from linli.core.models import PATH_SEP, Area, PartyMembership, PartyOrganization, Person, Role, RoleAssignment
from linli.core.scoping import Perm, get_in_scope_or_404, grants_for, scope_queryset
from linli.party.models import (
    Attendance,
    Campaign,
    CampaignLecture,
    CampaignOrganization,
    CampaignTask,
    CampaignTaskDone,
    CommitteeMember,
    Meeting,
    MeetingRequirement,
    MeetingTally,
    SessionAttendance,
    TalkTally,
    TrainingCourse,
    TrainingSession,
)
from linli.problems.models import Problem

# Meetings ---------------------------------------------------------------------------


@dataclass
class MeetingFilter:
    party_organization: int | None = None
    kind: str = ""
    state: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None


def meetings_visible_to(user: Any, f: MeetingFilter | None = None) -> QuerySet[Meeting]:
    qs = scope_queryset(Meeting.objects.select_related("party_organization", "chair"), user)
    f = f or MeetingFilter()
    if f.party_organization is not None:
        qs = qs.filter(party_organization_id=f.party_organization)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.start:
        qs = qs.filter(held_on__gte=f.start)
    if f.end:
        qs = qs.filter(held_on__lte=f.end)
    return qs.annotate(
        expected=Count("attendances", filter=Q(attendances__role=Attendance.Role.MEMBER)),
        attended=Count("attendances", filter=Q(attendances__role=Attendance.Role.MEMBER, attendances__present=True)),
    ).order_by("-held_on", "-id")


def meeting_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> Meeting:
    """One meeting the user may `perm`, with what its page shows; out of scope is 404."""
    qs = Meeting.objects.select_related("party_organization__parent", "chair", "recorder", "reviewed_by", "campaign")
    return get_in_scope_or_404(qs, user, perm, pk=pk)


def party_organization_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> PartyOrganization:
    return get_in_scope_or_404(PartyOrganization.objects.select_related("parent"), user, perm, pk=pk)


# Expected attendees -------------------------------------------------------------------

@dataclass(frozen=True)
class Expected:
    person: Person
    voting: bool  # a full member; probationary members have no vote
    committee: bool


def members_on(party_organization: PartyOrganization, on: datetime.date) -> QuerySet[Person]:
    """The members of the organization, and of the organizations below it (its party groups), on a date.

    A membership without a joining date counts from any date: older
    records were registered without one.
    """
    ids = {party_organization.pk, *party_organization.descendant_ids()}
    return (Person.objects.filter(party_membership__party_organization_id__in=ids)
            .filter(Q(party_membership__joined_on__isnull=True) | Q(party_membership__joined_on__lte=on))
            .select_related("party_membership").order_by("name_pinyin", "id"))


def expected_attendees(party_organization: PartyOrganization, kind: str, on: datetime.date) -> list[Expected]:
    """Who is expected at a meeting of `kind` on `on`: the committee sitting
    that day for a 支委会, otherwise the members on that day."""
    if kind == Meeting.Kind.COMMITTEE:
        seats = (CommitteeMember.objects.filter(party_organization=party_organization, started_on__lte=on)
                 .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on))
                 .select_related("person__party_membership").order_by("person__name_pinyin", "person_id"))
        people = {s.person.pk: s.person for s in seats}
        return [Expected(p, _is_full_member(p), True) for p in people.values()]
    return [Expected(p, _is_full_member(p), False) for p in members_on(party_organization, on)]


def committee_on(party_organization: PartyOrganization, on: datetime.date) -> list[CommitteeMember]:
    return list(CommitteeMember.objects.filter(party_organization=party_organization, started_on__lte=on)
                .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=on)).select_related("person")
                .order_by("position", "person__name_pinyin"))


def past_seats(party_organization: PartyOrganization, on: datetime.date) -> list[CommitteeMember]:
    """Seats that ended before `on` (or start after it), latest first: the committee's history."""
    return list(CommitteeMember.objects.filter(party_organization=party_organization)
                .filter(Q(ended_on__lt=on) | Q(started_on__gt=on)).select_related("person")
                .order_by("-started_on", "-id"))


def committee_seat_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> CommitteeMember:
    return get_in_scope_or_404(CommitteeMember.objects.select_related("person", "party_organization"), user, perm,
                               pk=pk)


def _is_full_member(person: Person) -> bool:
    membership = getattr(person, "party_membership", None)
    return membership is not None and membership.status == PartyMembership.Status.FULL


# The compliance board ----------------------------------------------------------------

@dataclass
class PeriodCell:
    label: str
    held: int
    needed: int
    status: str  # met / missing / open (the period is not over) / none (the branch has no party groups)


@dataclass
class RequirementCells:
    requirement: MeetingRequirement
    periods: list[PeriodCell]

    @property
    def missing(self) -> list[PeriodCell]:
        return [p for p in self.periods if p.status == "missing"]


@dataclass(frozen=True)
class TalkCoverage:
    """谈心谈话 in a year: members who had a talk with a committee member, of the members."""

    covered: int
    members: int


@dataclass
class BranchRow:
    branch: PartyOrganization
    group_area: Area | None
    cells: list[RequirementCells]
    talks: TalkCoverage | None = None  # None when the talk requirement is not active

    @property
    def missing_count(self) -> int:
        return sum(len(c.missing) for c in self.cells)


@dataclass
class Rollup:
    area: Area | None
    branches: int = 0
    complete: int = 0
    missing_by_kind: dict[str, int] = field(default_factory=dict)
    talk_covered: int = 0
    talk_members: int = 0

    @property
    def with_gaps(self) -> int:
        return self.branches - self.complete


BOARD_PAGE_SIZE = 50
# A branch holds 支委会 only if it has a committee: under the branch work regulations (支部工作条例) a branch of
# seven members or more elects one of three to five (seven at most); a smaller branch has a secretary only. On
# the board, a branch with fewer people on its committee seats in the year shows no 支委会 to hold.
COMMITTEE_MIN_SEATS = 3


@dataclass
class Board:
    area: Area
    year: int
    requirements: list[MeetingRequirement]
    rows: list[BranchRow]  # the branches of one page, in name order
    excluded: list[PartyOrganization]
    rollups: list[Rollup]  # over every branch on the board, not only the page's
    total: Rollup
    talks: bool = False  # 谈心谈话 coverage is shown
    page: Page | None = None  # of the branches' ids: number, paginator.count, num_pages


def _periods(period: str, year: int) -> list[tuple[str, int, int]]:
    """(label, first month, last month) of each period of a year."""
    if period == MeetingRequirement.Period.MONTH:
        return [(str(_("Month %(m)s") % {"m": m}), m, m) for m in range(1, 13)]
    if period == MeetingRequirement.Period.QUARTER:
        return [(str(_("Q%(q)s") % {"q": q}), 3 * q - 2, 3 * q) for q in range(1, 5)]
    return [(str(year), 1, 12)]


def _month_end(year: int, month: int) -> datetime.date:
    return (datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1))


def board_areas_for(user: Any) -> QuerySet[Area]:
    """The areas a board may be asked for: subdistricts, communities and neighborhoods in scope."""
    return scope_queryset(Area.objects.filter(level__in=[Area.Level.SUBDISTRICT, Area.Level.COMMUNITY,
                                                          Area.Level.NEIGHBORHOOD]), user)


def default_board_area(user: Any) -> Area | None:
    """The widest area the user holds a role over (a subdistrict for its staff)."""
    paths = grants_for(user).area_paths.get(Perm.VIEW, [])
    if paths:
        return Area.objects.filter(path__in=paths).order_by("depth", "path").first()
    return board_areas_for(user).order_by("depth", "path").first()


def reviews_upper_organizations(user: Any) -> bool:
    """Does the user review a party organization above the branches (a general branch, a committee)? Only
    they may leave a branch out of a board (linli.party.actions.exclude_from_board)."""
    return scope_queryset(PartyOrganization.objects.exclude(
        level__in=[PartyOrganization.Level.BRANCH, PartyOrganization.Level.GROUP]), user, Perm.REVIEW).exists()


@dataclass(frozen=True)
class _Period:
    label: str
    column: int  # index of its count in a row of the grouped count
    still_open: bool


def compliance_board(user: Any, area: Area, year: int, today: datetime.date | None = None, page: Any = 1,
                     per_page: int = BOARD_PAGE_SIZE) -> Board:
    """Which required meetings each branch under `area` held in `year`, period by period.

    Computed from the meeting records against the active MeetingRequirement
    rows. A period not yet over is "open", never missing. A branch's 党小组会
    requirement is met in a period when every party group of the branch held
    its meetings; a branch without groups shows none, and a branch without a
    committee in the year (COMMITTEE_MIN_SEATS) no 支委会. Rolled up to the areas
    one level below `area` and to `area` as a whole, over every branch; the
    branches themselves are listed a page (`per_page`) at a time, in name
    order — the board shows what is missing, it does not rank.

    A fixed number of queries whatever the number of branches: requirements,
    the branches (ids, places, exclusions, in name order), the roll-up — one
    statement that evaluates every branch from the maintained monthly tallies
    (`_branch_sql`) and sums them per child area in the database — and, for
    the page's branches only, the same evaluation per branch (groups, 谈心谈话)
    and their counts per period; the page's and excluded branches; the areas.
    """
    today = today or timezone.localdate()
    requirements = list(MeetingRequirement.objects.filter(active=True))
    # 谈心谈话 is shown as coverage, not as meetings counted per period.
    talk_required = any(r.kind == Meeting.Kind.TALK for r in requirements)
    requirements = [r for r in requirements if r.kind != Meeting.Kind.TALK]
    under = Q(area__path__startswith=area.path) | Q(organization__area__path__startswith=area.path)
    branches_qs = scope_queryset(PartyOrganization.objects.filter(under, level=PartyOrganization.Level.BRANCH), user)
    listing = _rows(branches_qs.order_by("name", "id").values_list(
        "pk", "area__path", "organization__area__path", "board_exclusion__id"))
    branch_ids = [row[0] for row in listing if row[3] is None]
    pager = Paginator(branch_ids, per_page).get_page(page)
    page_ids = list(pager.object_list)
    excluded_ids = [row[0] for row in listing if row[3] is not None]
    shown = PartyOrganization.objects.select_related("area", "organization__area", "board_exclusion").in_bulk(
        page_ids + excluded_ids)
    children = {a.path: a for a in Area.objects.filter(parent=area)}
    # Each branch with the index of its child area (-1: placed nowhere under `area`), for the roll-up.
    child_paths = sorted(children)
    child_index = {path: i for i, path in enumerate(child_paths)}
    child_of: dict[str | None, int] = {}
    placed: list[tuple[int, int]] = []
    for pk, area_path, organization_path, excluded in listing:
        if excluded is None:
            path = area_path or organization_path
            if path not in child_of:
                found = _child_area_of(path, area, children)
                child_of[path] = child_index[found.path] if found else -1
            placed.append((pk, child_of[path]))

    # Each requirement's periods begun by today, once for the whole board, each a column of the counts below.
    windows: dict[tuple[int, int], int] = {}
    periods: dict[int, list[_Period]] = {}
    for r in requirements:
        periods[r.pk] = [
            _Period(label, windows.setdefault((first, last), len(windows)), _month_end(year, last) >= today)
            for label, first, last in _periods(r.period, year) if datetime.date(year, first, 1) <= today]
    evaluation = _branch_sql(requirements, periods, windows, year, min(today, datetime.date(year, 12, 31)),
                             talk_required)
    n = len(requirements)

    # The roll-up: per child area, the branches, those complete, the periods missed per requirement, the
    # 谈心谈话 covered and members — summed in the database (slices of branches on SQLite, added up here).
    sums: dict[int, list[int]] = {}
    missed_sum = " + ".join(f"p.m{i}" for i in range(n)) or "0"
    rollup_sql = (f"SELECT p.child, COUNT(*), SUM(CASE WHEN {missed_sum} = 0 THEN 1 ELSE 0 END), "
                  + "".join(f"SUM(p.m{i}), " for i in range(n))
                  + "SUM(p.covered), SUM(p.members) FROM per p GROUP BY p.child")
    for table, table_params in sql_int_table(placed, 2):
        for child, *figures in _raw_rows(f"WITH b(id, child) AS ({table}), {evaluation.sql} {rollup_sql}",
                                         [*table_params, *evaluation.params]):
            acc = sums.setdefault(child, [0] * len(figures))
            for i, value in enumerate(figures):
                acc[i] += int(value or 0)
    total = Rollup(area)
    rollups = []
    for child, (branches, complete, *rest) in sums.items():
        missing_by_kind: dict[str, int] = {}
        for r, missed in zip(requirements, rest[:n], strict=True):
            if missed:
                missing_by_kind[r.kind] = missing_by_kind.get(r.kind, 0) + missed
        covered, members = rest[n:]
        rollups.append(Rollup(children[child_paths[child]] if child >= 0 else None, branches, complete,
                              missing_by_kind, covered if talk_required else 0, members if talk_required else 0))
        total.branches += branches
        total.complete += complete
        total.talk_covered += rollups[-1].talk_covered
        total.talk_members += rollups[-1].talk_members
        for kind, missed in missing_by_kind.items():
            total.missing_by_kind[kind] = total.missing_by_kind.get(kind, 0) + missed

    # The page's branches: their groups and 谈心谈话 from the same evaluation, and their counts per period.
    page_pairs = [(pk, 0) for pk in page_ids]
    n_groups: dict[int, int] = {}
    committees: set[int] = set()
    talks: dict[int, TalkCoverage] = {}
    for table, table_params in sql_int_table(page_pairs, 2):
        for pk, groups, committee, covered, members in _raw_rows(
                f"WITH b(id, child) AS ({table}), {evaluation.sql} SELECT p.id, p.groups, p.committee, p.covered,"
                " p.members FROM per p", [*table_params, *evaluation.params]):
            n_groups[pk] = groups
            if committee:
                committees.add(pk)
            talks[pk] = TalkCoverage(covered, members)
    counts, groups_met = _page_counts(requirements, periods, windows, year, page_ids)

    zero = (0,) * len(windows)
    rows = []
    for pk in page_ids:
        branch = shown[pk]
        cells = [RequirementCells(r, _cells(r, periods[r.pk], pk, n_groups.get(pk, 0), counts, groups_met, zero,
                                            has_committee=pk in committees))
                 for r in requirements]
        rows.append(BranchRow(branch, _child_area(branch, area, children), cells,
                              talks.get(pk, TalkCoverage(0, 0)) if talk_required else None))
    excluded_branches = [shown[pk] for pk in excluded_ids]
    # Per area one level below; a neighborhood's board has none (its one row would repeat the total).
    ordered = sorted(rollups, key=lambda r: (r.area is None, r.area.path if r.area else "")) if children else []
    return Board(area, year, requirements, rows, excluded_branches, ordered, total, talk_required, pager)


@dataclass(frozen=True)
class _SQL:
    sql: str
    params: list[Any]


def _period_sums(windows: dict[tuple[int, int], int]) -> dict[int, str]:
    """Each period's sum of the tally's monthly counts, as SQL text, by its column."""
    return {n: " + ".join(f"t.m{m}" for m in range(first, last + 1)) for (first, last), n in windows.items()}


def _branch_sql(requirements: list[MeetingRequirement], periods: dict[int, list[_Period]],
                windows: dict[tuple[int, int], int], year: int, on: datetime.date, talk_required: bool) -> _SQL:
    """CTEs ending in `per`: for each branch of a table `b(id, child)`, one row — id, child, of each
    requirement (m0, m1, …) the periods over and not met, its party groups, and its 谈心谈话 covered and
    members (on `on`) as the board shows them.

    From the maintained tallies (actions.py keeps them with every meeting recorded or moved): a branch's own
    meetings per kind, and its groups' 党小组会 (a period is met when every group of the branch held the
    minimum; a branch without groups has none to miss). Every aggregate is over the branches of `b` only,
    and joined to them in the one statement. Written by hand because Django's building of the CASE per period took
    longer than the database took to run it; only the code's own column names and numbers go into the
    text, values are parameters.
    """
    tally, org = MeetingTally._meta.db_table, PartyOrganization._meta.db_table
    GROUP = PartyOrganization.Level.GROUP
    sums = _period_sums(windows)
    closed = {r.pk: [p.column for p in periods[r.pk] if not p.still_open] for r in requirements}
    ctes: list[str] = []
    params: list[Any] = []
    missed: list[str] = []  # per requirement, its expression in `per`
    own = [r for r in requirements if r.kind != Meeting.Kind.GROUP and closed[r.pk]]
    if own:
        # One tally row per branch, kind and year evaluates its own kind's closed periods only (CASE on the
        # kind); a kind without a row missed every period over (the FILTER's default).
        whens, when_params = [], []
        for r in own:
            whens.append("WHEN %s THEN 0" + "".join(f" + CASE WHEN {sums[c]} < %s THEN 1 ELSE 0 END"
                                                      for c in closed[r.pk]))
            when_params += [r.kind, *[r.minimum] * len(closed[r.pk])]
        per_kind = ", ".join(f"COALESCE(SUM(x.n) FILTER (WHERE x.kind = %s), %s) AS o{i}" for i in range(len(own)))
        ctes.append(f"own AS (SELECT x.id, {per_kind} FROM (SELECT t.party_organization_id AS id, t.kind,"
                    f" CASE t.kind {' '.join(whens)} END AS n FROM {tally} t WHERE t.year = %s"
                    f" AND t.kind IN ({', '.join(['%s'] * len(own))}) AND t.party_organization_id IN"
                    " (SELECT id FROM b)) x GROUP BY x.id)")
        params += [*(v for r in own for v in (r.kind, len(closed[r.pk]) if r.minimum > 0 else 0)),
                   *when_params, year, *(r.kind for r in own)]
    groups = [r for r in requirements if r.kind == Meeting.Kind.GROUP and closed[r.pk]]
    for g, r in enumerate(groups):
        met = ", ".join(f"SUM(CASE WHEN {sums[c]} >= %s THEN 1 ELSE 0 END) AS c{c}" for c in closed[r.pk])
        ctes.append(f"g{g} AS (SELECT o.parent_id AS id, {met} FROM {tally} t JOIN {org} o"
                    " ON o.id = t.party_organization_id WHERE t.year = %s AND t.kind = %s AND o.level = %s"
                    " AND o.parent_id IN (SELECT id FROM b) GROUP BY o.parent_id)")
        params += [*[r.minimum] * len(closed[r.pk]), year, r.kind, GROUP]
    ctes.append(f"ng AS (SELECT parent_id AS id, COUNT(*) AS n FROM {org} WHERE level = %s"
                " AND parent_id IN (SELECT id FROM b) GROUP BY parent_id)")
    params.append(GROUP)
    # A committee: at least COMMITTEE_MIN_SEATS people on its seats at some time in the year (to `on`).
    ctes.append(f"cm AS (SELECT s.party_organization_id AS id, COUNT(DISTINCT s.person_id) AS n"
                f" FROM {CommitteeMember._meta.db_table} s WHERE s.started_on <= %s AND (s.ended_on IS NULL"
                " OR s.ended_on >= %s) AND s.party_organization_id IN (SELECT id FROM b)"
                " GROUP BY s.party_organization_id)")
    params += [on, datetime.date(year, 1, 1)]
    has_committee = f"COALESCE(cm.n, 0) >= {COMMITTEE_MIN_SEATS}"
    joins = ["LEFT JOIN ng ON ng.id = b.id", "LEFT JOIN cm ON cm.id = b.id"]
    if own:
        joins.append("LEFT JOIN own ON own.id = b.id")
    joins += [f"LEFT JOIN g{g} ON g{g}.id = b.id" for g in range(len(groups))]
    for r in requirements:
        if r in own:
            i = own.index(r)
            own_missed = f"COALESCE(own.o{i}, {len(closed[r.pk]) if r.minimum > 0 else 0})"
            # A branch without a committee has no 支委会 to hold.
            missed.append(f"CASE WHEN {has_committee} THEN {own_missed} ELSE 0 END"
                          if r.kind == Meeting.Kind.COMMITTEE else own_missed)
        elif r in groups:
            g = groups.index(r)
            each = " + ".join(f"CASE WHEN COALESCE(g{g}.c{c}, 0) < ng.n THEN 1 ELSE 0 END" for c in closed[r.pk])
            missed.append(f"CASE WHEN COALESCE(ng.n, 0) > 0 THEN {each} ELSE 0 END")
        else:  # no period over yet
            missed.append("0")
    talk_columns = "0 AS covered, 0 AS members"
    if talk_required:
        # Members: the branch's and its groups' on `on` (the last day of the year, or today); covered: kept per
        # branch and year by actions.py (TalkTally). A branch without members counts those covered as members.
        # The branch's own members, then its groups': each part can use the indexes when `b` is a page.
        joined = "(m.joined_on IS NULL OR m.joined_on <= %s)"
        membership = PartyMembership._meta.db_table
        ctes.append(f"mem AS (SELECT x.id, COUNT(*) AS n FROM (SELECT m.party_organization_id AS id FROM {membership} m"
                    f" WHERE m.party_organization_id IN (SELECT id FROM b) AND {joined} UNION ALL SELECT o.parent_id"
                    f" FROM {membership} m JOIN {org} o ON o.id = m.party_organization_id WHERE o.level = %s"
                    f" AND o.parent_id IN (SELECT id FROM b) AND {joined}) x GROUP BY x.id)")
        params += [on, GROUP, on]
        joins += ["LEFT JOIN mem ON mem.id = b.id",
                  f"LEFT JOIN {TalkTally._meta.db_table} tt ON tt.branch_id = b.id AND tt.year = %s"]
        members, covered = "COALESCE(mem.n, 0)", "COALESCE(tt.covered, 0)"
        talk_columns = (f"CASE WHEN {members} > 0 THEN CASE WHEN {covered} < {members} THEN {covered}"
                        f" ELSE {members} END ELSE {covered} END AS covered,"
                        f" CASE WHEN {members} > 0 THEN {members} ELSE {covered} END AS members")
    ctes.append("per AS (SELECT b.id, b.child, " + "".join(f"{e} AS m{i}, " for i, e in enumerate(missed))
                + f"COALESCE(ng.n, 0) AS groups, CASE WHEN {has_committee} THEN 1 ELSE 0 END AS committee,"
                  f" {talk_columns} FROM b {' '.join(joins)})")
    if talk_required:
        params.append(year)
    return _SQL(", ".join(ctes), params)


def _page_counts(requirements: list[MeetingRequirement], periods: dict[int, list[_Period]],
                 windows: dict[tuple[int, int], int], year: int, page_ids: list[int]
                 ) -> tuple[dict[tuple[int, str], tuple[int, ...]], dict[tuple[int, str], tuple[int, ...]]]:
    """The page's cells: per branch and kind, its meetings per period (a column each), and per branch its
    groups that met each period's minimum of 党小组会."""
    counts: dict[tuple[int, str], tuple[int, ...]] = {}
    groups_met: dict[tuple[int, str], tuple[int, ...]] = {}
    if not windows or not page_ids:
        return counts, groups_met
    tally = MeetingTally._meta.db_table
    sums = _period_sums(windows)
    own_kinds = [r.kind for r in requirements if r.kind != Meeting.Kind.GROUP]
    if own_kinds:
        periods_sql = ", ".join(sums[n] for n in range(len(windows)))
        for where, id_params in sql_matching("t.party_organization_id", page_ids):
            sql = (f"SELECT t.party_organization_id, t.kind, {periods_sql} FROM {tally} t WHERE t.year = %s"
                   f" AND t.kind IN ({', '.join(['%s'] * len(own_kinds))}) AND {where}")
            for org_id, kind, *held in _raw_rows(sql, [year, *own_kinds, *id_params]):
                counts[org_id, kind] = tuple(held)
    for r in requirements:
        if r.kind != Meeting.Kind.GROUP:
            continue
        columns = [p.column for p in periods[r.pk]]  # only the requirement's own periods (the others stay 0)
        met_sql = ", ".join(f"SUM(CASE WHEN {sums[c]} >= %s THEN 1 ELSE 0 END)" for c in columns)
        for where, id_params in sql_matching("o.parent_id", page_ids):
            sql = (f"SELECT o.parent_id, {met_sql} FROM {tally} t"
                   f" JOIN {PartyOrganization._meta.db_table} o ON o.id = t.party_organization_id"
                   f" WHERE t.year = %s AND t.kind = %s AND o.level = %s AND {where} GROUP BY o.parent_id")
            for branch_id, *held in _raw_rows(sql, [*[r.minimum] * len(columns), year, r.kind,
                                                    PartyOrganization.Level.GROUP, *id_params]):
                met = [0] * len(windows)
                for column, value in zip(columns, held, strict=True):
                    met[column] = value
                groups_met[branch_id, r.kind] = tuple(met)
    return counts, groups_met


def _rows(qs: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """A values_list's rows read from the cursor, without the ORM's row converters (plain integers)."""
    return _raw_rows(*qs.query.sql_with_params())


def _raw_rows(sql: str, params: Any) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()





def _child_area(branch: PartyOrganization, area: Area, children: dict[str, Area]) -> Area | None:
    place = branch.area or (branch.organization.area if branch.organization else None)
    return _child_area_of(place.path if place else None, area, children)


def _child_area_of(path: str | None, area: Area, children: dict[str, Area]) -> Area | None:
    """The area one level below `area` that holds the place whose path is `path`."""
    if path is None:
        return None
    return children.get(PATH_SEP.join(path.rstrip(PATH_SEP).split(PATH_SEP)[: area.depth + 2]) + PATH_SEP)


def _cells(requirement: MeetingRequirement, periods: list[_Period], branch_id: int, n_groups: int,
           counts: dict[tuple[int, str], tuple[int, ...]], groups_met: dict[tuple[int, str], tuple[int, ...]],
           zero: tuple[int, ...], has_committee: bool = True) -> list[PeriodCell]:
    """A branch's cells for one requirement; for 党小组会, of each period the groups that met, of its groups;
    a branch without a committee has no 支委会 to hold."""
    kind, minimum = requirement.kind, requirement.minimum
    if kind == Meeting.Kind.COMMITTEE and not has_committee:
        return [PeriodCell(p.label, 0, 0, "none") for p in periods]
    if kind == Meeting.Kind.GROUP:
        if not n_groups:
            return [PeriodCell(p.label, 0, 0, "none") for p in periods]
        held = groups_met.get((branch_id, kind), zero)
        needed = n_groups
    else:
        held = counts.get((branch_id, kind), zero)
        needed = minimum
    cells = []
    for p in periods:
        count = held[p.column]
        status = "met" if count >= needed else "open" if p.still_open else "missing"
        cells.append(PeriodCell(p.label, count, needed, status))
    return cells


# Training courses ---------------------------------------------------------------------

def courses_visible_to(user: Any) -> QuerySet[TrainingCourse]:
    return scope_queryset(TrainingCourse.objects.select_related("area", "organizer"), user).annotate(
        session_count=Count("sessions", distinct=True), enrolled=Count("enrolments", distinct=True)
    ).order_by("-starts_on", "-id")


def course_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> TrainingCourse:
    return get_in_scope_or_404(TrainingCourse.objects.select_related("area", "organizer"), user, perm, pk=pk)


ENROLMENT_GROUPS = {
    "neighborhood_secretaries": _("Secretaries of the neighborhood party branches"),
    "branch_secretaries": _("Secretaries of every party organization"),
    "neighborhood_secretary_role": _("Accounts with the role neighborhood secretary"),
}


def enrolment_candidates(user: Any, course: TrainingCourse, group: str) -> QuerySet[Person]:
    """The people of a group under the course's area, among those the user sees: e.g. the 52 secretaries
    of Huamu's neighborhood party branches."""
    path = course.area.path
    ids: QuerySet[Any, Any]
    if group == "neighborhood_secretaries":
        ids = PartyOrganization.objects.filter(level=PartyOrganization.Level.BRANCH,
                                               area__level=Area.Level.NEIGHBORHOOD,
                                               area__path__startswith=path).values("secretary_id")
    elif group == "branch_secretaries":
        ids = PartyOrganization.objects.filter(Q(area__path__startswith=path)
                                               | Q(organization__area__path__startswith=path)).values("secretary_id")
    elif group == "neighborhood_secretary_role":
        ids = RoleAssignment.objects.filter(role=Role.NEIGHBORHOOD_SECRETARY, area__path__startswith=path,
                                            user__person__isnull=False).values("user__person_id")
    else:
        return Person.objects.none()
    return scope_queryset(Person.objects.filter(pk__in=ids), user).order_by("name_pinyin", "id")


@dataclass
class SessionLine:
    session: TrainingSession
    recorded: bool
    present: int
    absent: int


    @property
    def rate(self) -> int | None:
        """Percent present, once the attendance is recorded."""
        total = self.present + self.absent
        return round(100 * self.present / total) if total else None


@dataclass
class PersonLine:
    person: Person
    attended: int
    missed: list[tuple[str, str]]  # (session topic, reason)
    recorded: int = 0  # sessions whose attendance is recorded

    @property
    def rate(self) -> int | None:
        return round(100 * self.attended / self.recorded) if self.recorded else None


@dataclass
class CourseReport:
    course: TrainingCourse
    sessions: list[SessionLine]
    people: list[PersonLine]

    @property
    def recorded_sessions(self) -> int:
        return sum(s.recorded for s in self.sessions)

    @property
    def rate(self) -> int | None:
        """Percent present over every recorded session and enrolled person."""
        present = sum(s.present for s in self.sessions)
        total = present + sum(s.absent for s in self.sessions)
        return round(100 * present / total) if total else None

    @property
    def completed(self) -> int:
        """People present at every session whose attendance is recorded."""
        return sum(p.attended == self.recorded_sessions for p in self.people) if self.recorded_sessions else 0


def course_report(course: TrainingCourse) -> CourseReport:
    """Per session, who came; per enrolled person, which sessions they missed and why. Three queries."""
    sessions = list(course.sessions.all())
    people = [e.person for e in course.enrolments.select_related("person").order_by("person__name_pinyin")]
    rows = SessionAttendance.objects.filter(session__course=course).values_list(
        "session_id", "person_id", "present", "absence_reason")
    by_session: dict[int, list[bool]] = defaultdict(list)
    attended: dict[int, int] = defaultdict(int)
    missed: dict[int, list[tuple[str, str]]] = defaultdict(list)
    topics = {s.pk: s.topic for s in sessions}
    for session_id, person_id, present, reason in rows:
        by_session[session_id].append(present)
        if present:
            attended[person_id] += 1
        else:
            missed[person_id].append((topics[session_id], reason))
    return CourseReport(
        course,
        [SessionLine(s, s.pk in by_session, sum(by_session[s.pk]), len(by_session[s.pk]) - sum(by_session[s.pk]))
         for s in sessions],
        [PersonLine(p, attended[p.pk], missed[p.pk], len(by_session)) for p in people],
    )


# Campaigns ---------------------------------------------------------------------------

def campaigns_visible_to(user: Any) -> QuerySet[Campaign]:
    """Campaigns in the user's areas, and those covering a party organization the user sees
    (a neighborhood secretary sees the street's campaign that covers their branch)."""
    by_area = scope_queryset(Campaign.objects.all(), user).values("pk")
    by_entry = scope_queryset(CampaignOrganization.objects.all(), user).values("campaign_id")
    return (Campaign.objects.filter(Q(pk__in=by_area) | Q(pk__in=by_entry)).select_related("area", "lead")
            .annotate(organization_count=Count("entries", distinct=True)).order_by("-starts_on", "-id"))


def campaign_for(user: Any, pk: Any, perm: Perm = Perm.VIEW) -> Campaign:
    """One campaign the user may `perm` (VIEW also through a covered organization); else 404."""
    qs = Campaign.objects.select_related("area", "lead")
    if perm != Perm.VIEW:
        return get_in_scope_or_404(qs, user, perm, pk=pk)
    try:
        return qs.get(pk=pk, pk__in=campaigns_visible_to(user).values("pk"))
    except (Campaign.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def campaign_entry_for(user: Any, campaign: Campaign, party_organization_id: Any) -> CampaignOrganization:
    qs = CampaignOrganization.objects.select_related("campaign", "party_organization__organization__area",
                                                     "party_organization__area")
    return get_in_scope_or_404(qs, user, Perm.VIEW, campaign=campaign, party_organization_id=party_organization_id)


@dataclass
class TaskStatus:
    task: CampaignTask
    done: bool
    records: int  # meetings, problems or lectures that did it (1 for a task recorded done)
    last: datetime.date | None = None


@dataclass
class EntryProgress:
    entry: CampaignOrganization
    group_area: Area | None
    tasks: list[TaskStatus]

    @property
    def done(self) -> int:
        return sum(t.done for t in self.tasks)

    @property
    def complete(self) -> bool:
        return all(t.done for t in self.tasks)


@dataclass
class CampaignRollup:
    area: Area | None
    organizations: int = 0
    complete: int = 0
    done_by_task: dict[int, int] = field(default_factory=dict)
    due_by_task: dict[int, int] = field(default_factory=dict)


@dataclass
class CampaignProgress:
    campaign: Campaign
    tasks: list[CampaignTask]
    rows: list[EntryProgress]
    rollups: list[CampaignRollup]
    total: CampaignRollup


def problem_list_q(entries: QuerySet[CampaignOrganization] | list[CampaignOrganization]) -> Q:
    """Problems whose origin is one of these campaign organizations: their problem lists."""
    ct = ContentType.objects.get_for_model(CampaignOrganization)
    ids = [str(e.pk) for e in entries] if isinstance(entries, list) else [str(pk) for pk in
                                                                            entries.values_list("pk", flat=True)]
    return Q(origin_type=ct, origin_id__in=ids)


def campaign_progress(user: Any, campaign: Campaign) -> CampaignProgress:
    """Each covered organization in the user's scope, each task it must do, done or not, from the records.

    A special-meeting task is done by a meeting of the campaign held by the
    organization or one of its party groups; a problem-list task by a problem
    whose origin is the organization's place in the campaign; a lecture task
    by a lecture logged there; another task by the organization's record that
    it was done. Rolled up to the areas one level below the campaign's area
    (communities, for a street's campaign) and to the campaign as a whole.
    A fixed number of queries whatever the number of organizations.
    """
    entries = list(scope_queryset(CampaignOrganization.objects.filter(campaign=campaign), user)
                   .select_related("party_organization__area", "party_organization__organization__area")
                   .order_by("party_organization__name", "party_organization_id"))
    tasks = list(campaign.tasks.all())
    rows = _entry_progress(campaign, entries, tasks)
    children = {a.path: a for a in Area.objects.filter(parent=campaign.area_id)}
    for row in rows:
        row.group_area = _child_area(row.entry.party_organization, campaign.area, children)
    rollups: dict[int | None, CampaignRollup] = {}
    total = CampaignRollup(campaign.area)
    for row in rows:
        key = row.group_area.pk if row.group_area else None
        rollup = rollups.setdefault(key, CampaignRollup(row.group_area))
        for r in (rollup, total):
            r.organizations += 1
            r.complete += row.complete
            for t in row.tasks:
                r.due_by_task[t.task.pk] = r.due_by_task.get(t.task.pk, 0) + 1
                r.done_by_task[t.task.pk] = r.done_by_task.get(t.task.pk, 0) + t.done
    ordered = sorted(rollups.values(), key=lambda r: (r.area is None, r.area.path if r.area else ""))
    return CampaignProgress(campaign, tasks, rows, ordered, total)


def _entry_progress(campaign: Campaign, entries: list[CampaignOrganization],
                    tasks: list[CampaignTask]) -> list[EntryProgress]:
    org_ids = {e.party_organization_id for e in entries}
    meetings: dict[int, tuple[int, datetime.date]] = {}
    if any(t.kind == CampaignTask.Kind.SPECIAL_MEETING for t in tasks):
        counted = (Meeting.objects.filter(campaign=campaign)
                   .values_list("party_organization_id", "party_organization__parent_id")
                   .annotate(n=Count("id"), last=Max("held_on")))
        for org_id, parent_id, n, last in counted:
            key = org_id if org_id in org_ids else parent_id
            if key in org_ids:
                before = meetings.get(key, (0, last))
                meetings[key] = (before[0] + n, max(before[1], last))
    lectures: dict[int, tuple[int, datetime.date]] = {}
    if any(t.kind == CampaignTask.Kind.LECTURE for t in tasks):
        lectures = {org: (n, last) for org, n, last in CampaignLecture.objects.filter(campaign=campaign)
                    .values_list("party_organization_id").annotate(n=Count("id"), last=Max("given_on"))}
    problems: dict[int, tuple[int, datetime.date]] = {}
    if any(t.kind == CampaignTask.Kind.PROBLEM_LIST for t in tasks) and entries:
        by_entry = {str(e.pk): e.party_organization_id for e in entries}
        for origin_id, n, last in (Problem.objects.filter(problem_list_q(entries)).values_list("origin_id")
                                   .annotate(n=Count("id"), last=Max("found_on"))):
            problems[by_entry[origin_id]] = (n, last)
    done: dict[tuple[int, int], datetime.date] = {}
    if any(t.kind == CampaignTask.Kind.OTHER for t in tasks):
        done = {(task_id, org): day for task_id, org, day in CampaignTaskDone.objects.filter(
            task__campaign=campaign).values_list("task_id", "party_organization_id", "done_on")}
    sources: dict[str, dict[int, tuple[int, datetime.date]]] = {
        CampaignTask.Kind.SPECIAL_MEETING: meetings, CampaignTask.Kind.LECTURE: lectures,
        CampaignTask.Kind.PROBLEM_LIST: problems}
    rows = []
    for entry in entries:
        org = entry.party_organization_id
        statuses = []
        for task in tasks:
            if task.party_organization_id not in (None, org):
                continue
            if task.kind == CampaignTask.Kind.OTHER:
                day = done.get((task.pk, org))
                statuses.append(TaskStatus(task, day is not None, int(day is not None), day))
            else:
                n, last = sources[task.kind].get(org, (0, None))
                statuses.append(TaskStatus(task, n > 0, n, last))
        rows.append(EntryProgress(entry, None, statuses))
    return rows


@dataclass
class EntryDetail:
    progress: EntryProgress
    meetings: list[Meeting]
    lectures: list[CampaignLecture]
    problems: list[Problem]


def campaign_entry_detail(user: Any, entry: CampaignOrganization) -> EntryDetail:
    """One covered organization's tasks and the records that did them."""
    campaign = entry.campaign
    progress = _entry_progress(campaign, [entry], list(campaign.tasks.all()))[0]
    org = entry.party_organization
    meetings = list(Meeting.objects.filter(campaign=campaign).filter(
        Q(party_organization=org) | Q(party_organization__parent=org,
                                      party_organization__level=PartyOrganization.Level.GROUP))
        .select_related("party_organization").order_by("-held_on"))
    lectures = list(CampaignLecture.objects.filter(campaign=campaign, party_organization=org))
    problems = list(scope_queryset(Problem.objects.filter(problem_list_q([entry])), user).order_by("id"))
    return EntryDetail(progress, meetings, lectures, problems)


def lectures_visible_to(user: Any, campaign: Campaign) -> QuerySet[CampaignLecture]:
    return (scope_queryset(CampaignLecture.objects.filter(campaign=campaign), user)
            .select_related("party_organization").order_by("-given_on", "-id"))


def speakers(user: Any, campaign: Campaign) -> list[tuple[str, int, int]]:
    """(speaker, lectures, organizations) for the campaign's lectures in scope: a speaker team's reach."""
    return list(lectures_visible_to(user, campaign).order_by().values_list("speaker")
                .annotate(n=Count("id"), orgs=Count("party_organization", distinct=True)).order_by("-orgs", "speaker"))


def campaigns_for_meeting(party_organization: PartyOrganization) -> QuerySet[Campaign]:
    """The campaigns a meeting of this organization may belong to: those covering it (or, for a party group, its
    branch)."""
    ids = [party_organization.pk]
    if party_organization.level == PartyOrganization.Level.GROUP and party_organization.parent_id:
        ids.append(party_organization.parent_id)
    return Campaign.objects.filter(entries__party_organization__in=ids).distinct().order_by("-starts_on")
