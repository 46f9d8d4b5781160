"""How fast are a campaign's board, the hazard-ledger export and a notice's PDF at a district's size?

Builds (once) in the PostgreSQL database `linli_bench_inspections`: one
subdistrict of 6 communities and 48 neighborhoods, 2,000 establishments (each
with its responsible unit), 10 campaigns each targeting all of them, 20,000
inspections (one per establishment and campaign), 60,000 findings (three per
inspection, 10,000 of them not fixed on the spot and on the problem list as
10,000 problems), 2,000 rectification notices, 500 seizures — written with
linli.core.bulk (COPY), not through actions.py: a benchmark fixture, not
domain data. The first campaign's 回头看 is scheduled through
actions.schedule_reinspections.

Then measures, in-process:
  - the campaign board (queries.campaign_board) for subdistrict staff, one
    campaign of 2,000 establishments, 2,000 inspections and 6,000 findings:
    5 warm-ups, then 30 timed calls; median and p95 in milliseconds, with
    the campaign's figures and summary beside it;
  - the hazard-ledger export (exports.hazard_ledger_xlsx) of all 60,000
    findings: seconds, rows, bytes;
  - a notice's PDF (documents.notice_pdf), 10 notices: median and p95 per notice.

Targets (issue 3): board median < 150 ms; export of 60,000 rows < 10 s; PDF < 300 ms per notice.

  .venv/bin/python bench/inspections_board.py [--runs 30] [--rebuild] [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import time
import warnings
from pathlib import Path

from _common import ensure_database, percentile, subdistrict_neighborhoods

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/linli_bench_inspections"
SUBDISTRICT_CODE = "310115009"
ESTABLISHMENTS = 2_000
CAMPAIGNS = 10  # × ESTABLISHMENTS inspections = 20,000
FINDINGS_PER_INSPECTION = 3  # 60,000
OPEN_EVERY = 6  # one finding in six is not fixed on the spot: 10,000 problems
NOTICE_EVERY = 10  # a notice at one inspection in ten: 2,000
SEIZURE_EVERY = 40  # a seizure at one inspection in forty: 500
TARGET_BOARD_MEDIAN_MS = 150.0
TARGET_EXPORT_S = 10.0
TARGET_PDF_MS = 300.0


def build(rebuild: bool) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from linli.core.bulk import insert_many
    from linli.core.models import Area, Organization
    from linli.inspections.models import (
        Campaign,
        ChecklistTemplate,
        Establishment,
        Finding,
        GasType,
        Inspection,
        NoticeItem,
        RectificationNotice,
        Seizure,
        SeizureItem,
    )
    from linli.problems.models import Problem

    if rebuild:
        print("deleting the bench records", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE inspections_seizureitem, inspections_seizure, inspections_supervisionnotice, "
                           "inspections_reinspection, inspections_noticeitem, "
                           "inspections_rectificationnotice_officers, "
                           "inspections_rectificationnotice, inspections_finding, inspections_inspection_departments, "
                           "inspections_inspection_officers, inspections_inspection, inspections_campaign_targets, "
                           "inspections_campaign_departments, inspections_campaignphase, inspections_campaign, "
                           "inspections_establishment, problems_evidence, problems_problem CASCADE")
    if Finding.objects.count() >= ESTABLISHMENTS * CAMPAIGNS * FINDINGS_PER_INSPECTION:
        print(f"{Finding.objects.count():,} findings already there; skipping the build", flush=True)
        return
    started = time.perf_counter()
    neighborhoods = subdistrict_neighborhoods(SUBDISTRICT_CODE, 6, 8)
    subdistrict = Area.objects.get(code=SUBDISTRICT_CODE)
    gas_office, _ = Organization.objects.get_or_create(name="花木燃气管理所", area=subdistrict,
                                                       defaults={"kind": Organization.Kind.DEPARTMENT})
    version = ChecklistTemplate.objects.get(code="restaurant-gas").current_version()
    assert version is not None
    items = list(version.items.all())
    today = timezone.localdate()
    with transaction.atomic():
        units = insert_many(Organization, [
            Organization(name=f"基准餐饮{i}号（经营者）", kind=Organization.Kind.PRIVATE_ENTERPRISE,
                         area=neighborhoods[i % len(neighborhoods)]) for i in range(ESTABLISHMENTS)])
        establishments = insert_many(Establishment, [
            Establishment(name=f"基准餐饮{i:04d}号", address=f"花木路{i}号", area=u.area, organization=u,
                          responsible_name="陈老板", contact_phone="13700001234", gas_type=GasType.LPG,
                          cylinder_labels=[]) for i, u in enumerate(units)])
        campaigns = insert_many(Campaign, [
            Campaign(name=f"基准专项整治{c}", area=subdistrict, lead_department=gas_office,
                     start=today - datetime.timedelta(days=60 + c), end=today + datetime.timedelta(days=60))
            for c in range(CAMPAIGNS)])
        Through = Campaign.targets.through
        insert_many(Through, [Through(campaign_id=c.pk, establishment_id=e.pk)
                              for c in campaigns for e in establishments])
        print(f"  establishments and campaigns ({time.perf_counter() - started:.1f} s)", flush=True)
        inspections = insert_many(Inspection, [
            Inspection(client_id=f"00000000-0000-4000-8000-{c * ESTABLISHMENTS + i:012d}", campaign=campaign,
                       establishment=e, version=version, date=today - datetime.timedelta(days=30 + i % 20))
            for c, campaign in enumerate(campaigns) for i, e in enumerate(establishments)])
        print(f"  {len(inspections):,} inspections ({time.perf_counter() - started:.1f} s)", flush=True)
        findings: list[Finding] = []
        problems: list[Problem] = []
        for n, inspection in enumerate(inspections):
            for k in range(FINDINGS_PER_INSPECTION):
                index = n * FINDINGS_PER_INSPECTION + k
                item = items[index % len(items)]
                finding = Finding(inspection=inspection, item=item, description=f"{item.text}不合格",
                                  location="后厨", severity=item.severity, fixed_on_spot=index % OPEN_EVERY != 0)
                findings.append(finding)
                if not finding.fixed_on_spot:
                    establishment = inspection.establishment
                    problems.append(Problem(
                        title=f"{establishment.name}：{finding.description}"[:200], source=Problem.Source.INSPECTION,
                        kind=Problem.Kind.DEADLINE, state=Problem.State.OPEN if index % 4 else Problem.State.VERIFIED,
                        area=establishment.area, owner_id=establishment.organization_id, found_on=inspection.date,
                        deadline=inspection.date + datetime.timedelta(days=7 + index % 60),
                        verified_at=timezone.now() if index % 4 == 0 else None))
        insert_many(Problem, problems)
        opened = iter(problems)
        for finding in findings:
            if not finding.fixed_on_spot:
                finding.problem = next(opened)
        insert_many(Finding, findings)
        print(f"  {len(findings):,} findings, {len(problems):,} problems ({time.perf_counter() - started:.1f} s)",
              flush=True)
        year = today.year
        notices = insert_many(RectificationNotice, [
            RectificationNotice(inspection=inspection, agency=gas_office, year=year, serial=s + 1,
                                issued_on=inspection.date, deadline=inspection.date + datetime.timedelta(days=10),
                                requirements="限期整改", recipient_name="陈老板", signature="signed")
            for s, inspection in enumerate(inspections[::NOTICE_EVERY])])
        by_inspection: dict[int, list[Finding]] = {}
        for finding in findings:
            by_inspection.setdefault(finding.inspection_id, []).append(finding)
        insert_many(NoticeItem, [NoticeItem(notice=notice, finding=f, rule="《上海市燃气管理条例》")
                                 for notice in notices for f in by_inspection[notice.inspection_id]])
        seizures = insert_many(Seizure, [
            Seizure(establishment=inspection.establishment, campaign=inspection.campaign, inspection=inspection,
                    agency=gas_office, legal_basis="《上海市燃气管理条例》第五十七条", storage_place="钢瓶暂存点",
                    seized_on=inspection.date) for inspection in inspections[::SEIZURE_EVERY]])
        insert_many(SeizureItem, [SeizureItem(seizure=s, kind="lpg_cylinder", quantity=1 + s.pk % 4,
                                              identifiers=[]) for s in seizures])
    print(f"built in {time.perf_counter() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        for table in ("inspections_finding", "inspections_inspection", "problems_problem", "inspections_noticeitem",
                      "inspections_campaign_targets", "inspections_establishment"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def staff_and_campaign() -> tuple:
    from linli.core import actions
    from linli.core.models import Area, Role, User
    from linli.inspections.models import Campaign

    user = User.objects.filter(username="bench_inspections_staff").first()
    if user is None:
        user = actions.create_user(actor=None, username="bench_inspections_staff", password=None)
        actions.assign_role(actor=None, user=user, role=Role.SUBDISTRICT_STAFF,
                            area=Area.objects.get(code=SUBDISTRICT_CODE))
    return User.objects.get(pk=user.pk), Campaign.objects.order_by("id").first()


def measure_board(user, campaign, runs: int, warmups: int) -> dict:
    from linli.core.scoping import grants_for
    from linli.inspections import actions, queries

    scheduled = actions.schedule_reinspections(actor=None, campaign=campaign)
    if scheduled:
        print(f"  scheduled {len(scheduled):,} re-inspections", flush=True)
    rows = []
    for _ in range(warmups):
        user.__dict__.pop("_linli_grants", None)
        rows = queries.campaign_board(user, campaign)
    timings = []
    for _ in range(runs):
        user.__dict__.pop("_linli_grants", None)  # a request resolves its grants anew
        started = time.perf_counter()
        queries.campaign_board(grants_for(user) and user, campaign)
        timings.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    figures = queries.campaign_figures(campaign)
    figures_ms = (time.perf_counter() - started) * 1000
    return {"rows": len(rows), "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 0.95), 1), "runs": runs, "figures_ms": round(figures_ms, 1),
            "findings": figures.findings, "summary": queries.summary_from(campaign, figures)}


def measure_export(user) -> dict:
    from linli.inspections import exports

    started = time.perf_counter()
    data, rows = exports.hazard_ledger_xlsx(actor=user)
    return {"rows": rows, "seconds": round(time.perf_counter() - started, 2), "bytes": len(data)}


def measure_pdf(count: int) -> dict | None:
    try:
        from linli.inspections.documents import notice_pdf
    except ImportError:
        return None
    from linli.inspections.models import RectificationNotice

    notices = list(RectificationNotice.objects.select_related("agency", "inspection__establishment")[:count + 1])
    notice_pdf(notices[0])  # fonts and templates loaded once, as in a running server
    timings = []
    for notice in notices[1:]:
        started = time.perf_counter()
        notice_pdf(notice)
        timings.append((time.perf_counter() - started) * 1000)
    return {"notices": len(timings), "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 0.95), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed board calls (default 30)")
    parser.add_argument("--warmups", type=int, default=5)
    parser.add_argument("--pdfs", type=int, default=10, help="notices rendered as PDF (default 10)")
    parser.add_argument("--rebuild", action="store_true", help="delete the bench records and build again")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url  # before django.setup(): settings read it at import
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    build(args.rebuild)
    user, campaign = staff_and_campaign()

    print("\ncampaign board (subdistrict staff):", flush=True)
    board = measure_board(user, campaign, args.runs, args.warmups)
    print(f"  {board['rows']:,} establishments: median {board['median_ms']} ms, p95 {board['p95_ms']} ms; "
          f"figures {board['figures_ms']} ms", flush=True)
    print(f"  {board['summary']}", flush=True)
    print("\nhazard-ledger export:", flush=True)
    export = measure_export(user)
    print(f"  {export['rows']:,} rows in {export['seconds']} s ({export['bytes']:,} bytes)", flush=True)
    pdf = measure_pdf(args.pdfs)
    if pdf is None:
        print("\nnotice PDF: linli.inspections.documents.notice_pdf is not there yet", flush=True)
    else:
        print(f"\nnotice PDF: median {pdf['median_ms']} ms, p95 {pdf['p95_ms']} ms per notice "
              f"({pdf['notices']} notices)", flush=True)

    print(f"\ntarget: board median < {TARGET_BOARD_MEDIAN_MS:.0f} ms -> "
          f"{'met' if board['median_ms'] < TARGET_BOARD_MEDIAN_MS else 'MISSED'}")
    print(f"target: export of {export['rows']:,} rows < {TARGET_EXPORT_S:.0f} s -> "
          f"{'met' if export['seconds'] < TARGET_EXPORT_S else 'MISSED'}")
    if pdf is not None:
        print(f"target: PDF < {TARGET_PDF_MS:.0f} ms per notice -> "
              f"{'met' if pdf['median_ms'] < TARGET_PDF_MS else 'MISSED'}")
    if args.json:
        args.json.write_text(json.dumps({"board": board, "export": export, "pdf": pdf}, ensure_ascii=False,
                                        indent=2))


if __name__ == "__main__":
    main()
