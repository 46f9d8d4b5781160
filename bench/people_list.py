"""How fast is the people list on a street-sized register?

Builds (once) one subdistrict with 6 communities, 48 neighborhoods and
200,000 residents in the PostgreSQL database `linli_bench_list`, then times
the people list as subdistrict staff sees it, in-process through Django's
test client (full middleware, template rendering, no network):

  - GET /people/?area=<community code>   first page, one community
  - GET /people/?q=zs                    pinyin-initials search
  - GET /people/                         first page, whole subdistrict

5 warm-up requests, then 50 timed ones per case; prints median and p95 in
milliseconds, the queries per request and the rows each case matches.
Target: median under 150 ms.

  .venv/bin/python bench/people_list.py [--people N] [--runs 50] [--rebuild]
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/linli_bench_list"
SUBDISTRICT_CODE = "310115009"
COMMUNITIES = 6
NEIGHBORHOODS_PER_COMMUNITY = 8
STAFF_USERNAME = "bench_subdistrict_staff"
TARGET_MEDIAN_MS = 150.0

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉文斌辉鹏飞宇浩然思雨"
    "欣怡梓涵子轩晨阳佳琪嘉诚俊杰雪梅淑珍德胜树林三山松顺双硕舒爽"
)


def synthetic_id_number(i: int, male: bool) -> tuple[str, datetime.date]:
    """A valid, unique ID number for resident i: the birth date cycles through
    ~82 years and the sequence number advances once per cycle, so no two
    residents share both. The sequence's parity carries the gender, as in the standard."""
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=i % 30_000)
    seq = (i // 30_000) * 2 + (1 if male else 0)
    from linli.core.validators import id_check_character

    first17 = f"310115{born:%Y%m%d}{seq:03d}"
    return first17 + id_check_character(first17), born


def build(people: int, rebuild: bool) -> None:
    from django.db import connection, transaction

    from linli.core import actions
    from linli.core.models import Area, Person, Role, User

    neighborhoods = subdistrict_neighborhoods(SUBDISTRICT_CODE, COMMUNITIES, NEIGHBORHOODS_PER_COMMUNITY)
    sub = Area.objects.get(code=SUBDISTRICT_CODE)

    user = User.objects.filter(username=STAFF_USERNAME).first()
    if user is None:
        user = actions.create_user(actor=None, username=STAFF_USERNAME, password=None, display_name="基准街道干部")
    actions.assign_role(actor=None, user=user, role=Role.SUBDISTRICT_STAFF, area=sub)

    residents = Person.objects.filter(neighborhood__path__startswith=sub.path)
    if rebuild:
        print("deleting the existing residents", flush=True)
        residents.delete()
    have = residents.count()
    if have > people:
        sys.exit(f"the database holds {have:,} residents, more than --people {people:,}; add --rebuild")
    if have == people:
        print(f"{have:,} residents already there; skipping the build", flush=True)
        return

    # A benchmark fixture, not domain data: bulk_create skips actions.py (and
    # its per-row audit) on purpose, but fill_derived_fields() gives every row
    # the same normalized phone and pinyin keys an import would.
    rng = random.Random(20240601 + have)
    started = time.perf_counter()
    batch: list[Person] = []
    for i in range(have, people):
        male = rng.random() < 0.5
        id_number, born = synthetic_id_number(i, male)
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        person = Person(
            name=rng.choice(SURNAMES) + given,
            gender=Person.Gender.MALE if male else Person.Gender.FEMALE,
            birth_date=born,
            phone=f"139{i:08d}",
            id_number=id_number,
            address=f"基准路{i % 999 + 1}弄{i % 50 + 1}号",
            neighborhood=neighborhoods[i % len(neighborhoods)],
            is_volunteer=rng.random() < 0.05,
        )
        person.fill_derived_fields()
        batch.append(person)
        if len(batch) == 5000 or i == people - 1:
            with transaction.atomic():
                Person.objects.bulk_create(batch, batch_size=5000)
            batch.clear()
            done = i + 1 - have
            rate = done / (time.perf_counter() - started)
            print(f"\r  {i + 1:,}/{people:,} residents ({rate:,.0f} rows/s)", end="", flush=True)
    print(flush=True)
    # Fresh planner statistics, as autovacuum would have them on a live system.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_person")
        cursor.execute("ANALYZE core_area")


def measure(runs: int, warmups: int) -> list[dict]:
    from django.db import connection
    from django.test import Client

    from linli.core.models import Area, Person, User
    from linli.core.queries import PeopleFilter, people_visible_to

    user = User.objects.get(username=STAFF_USERNAME)
    sub = Area.objects.get(code=SUBDISTRICT_CODE)
    community = sub.children.order_by("code")[0]
    total = Person.objects.filter(neighborhood__path__startswith=sub.path).count()
    print(f"\n{total:,} residents in the subdistrict; logged in as subdistrict staff\n", flush=True)

    # HTTP_HOST: the settings allow localhost, not the test client's "testserver".
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    cases = [
        (f"community {community.name}", f"/people/?area={community.code}", PeopleFilter(area=community.code)),
        ("search q=zs", "/people/?q=zs", PeopleFilter(q="zs")),
        ("whole subdistrict", "/people/", PeopleFilter()),
    ]
    results = []
    print(f"{'case':<24} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'SQL ms':>7} {'rows':>9}")
    for label, url, filters in cases:
        for _ in range(warmups):
            response = client.get(url)
            if response.status_code != 200:
                sys.exit(f"GET {url} answered {response.status_code}; is the people list in place?")
        # Counted with a wrapper: the request_started signal clears Django's own query log.
        queries: list[tuple[str, float]] = []

        def count(execute, sql, *rest, log=queries):
            started = time.perf_counter()
            try:
                return execute(sql, *rest)
            finally:
                log.append((sql, time.perf_counter() - started))

        with connection.execute_wrapper(count):
            client.get(url)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        # One sample of the time spent in the database, to tell SQL from Python and templates.
        sql_ms = sum(seconds for _, seconds in queries) * 1000
        rows = people_visible_to(user, filters).count()
        result = {
            "case": label, "url": url, "median_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 0.95), 1), "queries": len(queries), "sql_ms": round(sql_ms, 1),
            "rows": rows, "runs": runs,
        }
        results.append(result)
        print(
            f"{label:<24} {result['median_ms']:>10} {result['p95_ms']:>8} {len(queries):>8} {sql_ms:>7.1f} {rows:>9,}",
            flush=True,
        )
    slow = [r["case"] for r in results if r["median_ms"] >= TARGET_MEDIAN_MS]
    print(f"\ntarget: median < {TARGET_MEDIAN_MS:.0f} ms -> {'MISSED by ' + ', '.join(slow) if slow else 'met'}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200_000, help="residents to build (default 200,000)")
    parser.add_argument("--runs", type=int, default=50, help="timed requests per case (default 50)")
    parser.add_argument("--warmups", type=int, default=5, help="untimed requests first (default 5)")
    parser.add_argument("--rebuild", action="store_true", help="delete the bench residents and build again")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    ensure_database(args.database_url)
    # Before django.setup(): settings read DATABASE_URL once, at import.
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    os.environ["DEBUG"] = "false"  # templates and queries as in production
    import django
    from django.conf import settings

    django.setup()
    # whitenoise warns that STATIC_ROOT is empty; the bench serves no static files.
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    # No collectstatic for a benchmark: plain static storage instead of the manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    build(args.people, args.rebuild)
    # Production's autovacuum would have done this minutes after a bulk load;
    # without it the planner has no statistics and counts cannot use
    # index-only scans, so the figures would describe a state nobody serves.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE core_person")
        cursor.execute("VACUUM ANALYZE core_area")
    results = measure(args.runs, args.warmups)
    if args.json:
        args.json.write_text(json.dumps({"people": args.people, "results": results}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
