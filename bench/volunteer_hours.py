"""How fast are a volunteer's totals and the yearly hours rollup on a district-sized ledger?

Builds (once) in the PostgreSQL database `linli_bench_volunteers` one
subdistrict of 6 communities and 48 neighborhoods, 200,000 volunteers (each
a resident registered with consent) and 5,000,000 service-hours ledger rows
spread over five years, inserted with core.bulk's COPY (a benchmark fixture:
the ledger's actions would write an audit row per entry, which is not what is
measured here). Then, as a subdistrict staff account, it times:

  - a volunteer's totals (linli.volunteers.queries.totals_of: all time, per
    year and per source, the figures of the volunteer's page) for random
    volunteers: 5 warm-ups, then --runs timed; median and p95 in ms;
  - the volunteer's whole page, GET /volunteers/people/<id>/, in-process
    through Django's test client (middleware, totals, ledger, templates);
  - the hours total per neighborhood for a year (queries.neighborhood_totals,
    the figure of the hours page and GET /api/v1/volunteers/hours/neighborhoods),
    over the whole subdistrict: median and p95 of --rollups runs.

Targets (issue 4): totals < 50 ms; yearly rollup < 1 s.

  .venv/bin/python bench/volunteer_hours.py [--volunteers 200000] [--rows 5000000] [--runs 100] [--rebuild]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

from _common import ensure_database, percentile, subdistrict_neighborhoods

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/linli_bench_volunteers"
SUBDISTRICT_CODE = "310115009"
COMMUNITIES = 6
NEIGHBORHOODS_PER_COMMUNITY = 8
YEARS = 5
COPY_CHUNK = 500_000
TARGET_TOTALS_MS = 50.0
TARGET_ROLLUP_MS = 1000.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"


def build(volunteers: int, rows: int, rebuild: bool) -> None:
    from django.db import connection
    from django.utils import timezone

    from linli.core.bulk import copy_rows, insert_many
    from linli.core.models import Person, pinyin_keys
    from linli.volunteers.models import Consent, ServiceRecord, Volunteer

    neighborhoods = subdistrict_neighborhoods(SUBDISTRICT_CODE, COMMUNITIES, NEIGHBORHOODS_PER_COMMUNITY)
    if rebuild:
        print("dropping the bench ledger and volunteers", flush=True)
        with connection.cursor() as cursor:
            # TRUNCATE: the ledger's append-only trigger refuses DELETE, as it should.
            cursor.execute("TRUNCATE volunteers_servicerecord, volunteers_consent, volunteers_volunteer CASCADE")
    rng = random.Random(4)
    have = Volunteer.objects.count()
    if have < volunteers:
        started = time.monotonic()
        print(f"inserting {volunteers - have:,} volunteers", flush=True)
        now = timezone.now()
        consent = now - datetime.timedelta(days=365 * YEARS + 30)
        for start in range(have, volunteers, 50_000):
            batch = []
            for i in range(start, min(start + 50_000, volunteers)):
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                person = Person(name=name, neighborhood=neighborhoods[i % len(neighborhoods)], is_volunteer=True,
                                birth_date=datetime.date(1950 + i % 55, 1 + i % 12, 1 + i % 28),
                                phone=f"139{i:08d}", address="基准路1号")
                person.name_initials, person.name_pinyin = pinyin_keys(name)
                batch.append(person)
            insert_many(Person, batch)
            copy_rows(Volunteer, ["person_id", "registration", "registered_at"],
                      ((p.pk, "staff", consent) for p in batch))
            # One open consent period each, given before the first ledger day.
            made = Volunteer.objects.filter(person_id__in=[p.pk for p in batch]).values_list("pk", "person__name")
            copy_rows(Consent, ["volunteer_id", "given_at", "given_by", "method", "registration", "recorded_at"],
                      ((pk, consent, name, "signed_form", "staff", consent) for pk, name in made))
        print(f"  {time.monotonic() - started:.0f} s", flush=True)
    have_rows = ServiceRecord.objects.count()
    if have_rows >= rows:
        print(f"{have_rows:,} ledger rows already there; skipping the build", flush=True)
        return
    ids = list(Volunteer.objects.order_by("id").values_list("id", "person__neighborhood_id"))
    print(f"inserting {rows - have_rows:,} ledger rows with COPY", flush=True)
    started = time.monotonic()
    first_day = timezone.localdate() - datetime.timedelta(days=365 * YEARS)
    created = timezone.now()
    hours_choices = ["1.00", "1.50", "2.00", "2.00", "2.50", "3.00", "4.00"]
    columns = ["volunteer_id", "neighborhood_id", "served_on", "hours", "source", "description", "reason",
               "created_at"]
    done = have_rows
    # Bulk load as a DBA would: the secondary indexes are dropped and rebuilt after, and the row triggers
    # (foreign-key checks, the ledger's append-only trigger) are off during COPY. The rows are generated valid.
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'volunteers_servicerecord'
            AND indexname NOT IN (SELECT conname FROM pg_constraint
                                  WHERE conrelid = 'volunteers_servicerecord'::regclass)""")
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("ALTER TABLE volunteers_servicerecord DISABLE TRIGGER ALL")
    while done < rows:
        n = min(COPY_CHUNK, rows - done)

        def chunk(n: int = n) -> object:
            for _ in range(n):
                vid, nbhd = ids[rng.randrange(len(ids))]
                yield (vid, nbhd, first_day + datetime.timedelta(days=rng.randrange(365 * YEARS)),
                       rng.choice(hours_choices), "attendance", "", "", created)

        copy_rows(ServiceRecord, columns, chunk())
        done += n
        print(f"  {done:,} rows, {time.monotonic() - started:.0f} s", flush=True)
    print(f"rebuilding {len(indexes)} indexes", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE volunteers_servicerecord ENABLE TRIGGER ALL")
        for _name, definition in indexes:
            cursor.execute(definition)
    print(f"  {time.monotonic() - started:.0f} s", flush=True)
    print("VACUUM ANALYZE (index-only scans need the visibility map)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE volunteers_servicerecord")
        cursor.execute("VACUUM ANALYZE volunteers_volunteer")
        cursor.execute("ANALYZE core_person")


def staff_account() -> object:
    from linli.core import actions
    from linli.core.models import Area, Role, User

    user = User.objects.filter(username="bench_huamu").first()
    if user is None:
        user = actions.create_user(actor=None, username="bench_huamu", password=None, display_name="花木街道干部")
        actions.assign_role(actor=None, user=user, role=Role.SUBDISTRICT_STAFF,
                            area=Area.objects.get(code=SUBDISTRICT_CODE))
    return User.objects.get(pk=user.pk)


def timed(fn: object, runs: int, warmups: int) -> list[float]:
    for _ in range(warmups):
        fn()  # type: ignore[operator]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - started) * 1000)
    return times


def summary(times: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 0.95), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--volunteers", type=int, default=200_000)
    parser.add_argument("--rows", type=int, default=5_000_000, help="ledger rows (default 5,000,000)")
    parser.add_argument("--runs", type=int, default=100, help="timed totals and pages (default 100)")
    parser.add_argument("--rollups", type=int, default=10, help="timed yearly rollups (default 10)")
    parser.add_argument("--rebuild", action="store_true", help="drop the volunteers and the ledger, build again")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url  # before django.setup(): settings read it at import
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    os.environ["DEBUG"] = "false"
    import django
    from django.conf import settings

    django.setup()
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.ALLOWED_HOSTS = ["*"]
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from linli.volunteers import queries
    from linli.volunteers.models import ServiceRecord, Volunteer

    call_command("migrate", interactive=False, verbosity=0)
    build(args.volunteers, args.rows, args.rebuild)
    staff = staff_account()
    ids = list(Volunteer.objects.values_list("id", flat=True))
    rng = random.Random(7)
    rows = ServiceRecord.objects.count()
    print(f"\n{len(ids):,} volunteers, {rows:,} ledger rows", flush=True)

    totals = timed(lambda: queries.totals_of(Volunteer.objects.get(pk=rng.choice(ids))), args.runs, 5)
    print(f"a volunteer's totals (all time, per year, per source): {summary(totals)}", flush=True)

    client = Client()
    client.force_login(staff)  # type: ignore[arg-type]

    def page() -> None:
        response = client.get(f"/volunteers/people/{rng.choice(ids)}/")
        assert response.status_code == 200, response.status_code

    pages = timed(page, args.runs, 5)
    print(f"a volunteer's page (GET /volunteers/people/<id>/): {summary(pages)}", flush=True)

    year = timezone.localdate().year - 1
    result: list = []
    rollups = timed(lambda: result.append(queries.neighborhood_totals(staff, year)), args.rollups, 2)
    rolled = result[-1]
    print(f"hours per neighborhood in {year} ({len(rolled)} neighborhoods, "
          f"{sum(h for _a, h in rolled):,} hours): {summary(rollups)}", flush=True)

    figures = {"volunteers": len(ids), "ledger_rows": rows, "totals": summary(totals), "page": summary(pages),
               "yearly_rollup": summary(rollups)}
    ok_totals = figures["totals"]["median_ms"] < TARGET_TOTALS_MS
    ok_rollup = figures["yearly_rollup"]["median_ms"] < TARGET_ROLLUP_MS
    print(f"\ntarget: totals < {TARGET_TOTALS_MS:.0f} ms -> {'met' if ok_totals else 'MISSED'}")
    print(f"target: yearly rollup < {TARGET_ROLLUP_MS:.0f} ms -> {'met' if ok_rollup else 'MISSED'}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    sys.exit(0)


if __name__ == "__main__":
    main()
