"""Benchmark: importing a people spreadsheet (preview + confirm) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/linli python bench/import_people.py [--rows 20000] [--repeat 5]

Uses the server and credentials of DATABASE_URL but always a throwaway
database called `linli_bench` (created if missing, migrated on start), so
the database the URL names is never touched. Each repeat builds an xlsx of
N synthetic residents with valid ID numbers for a fresh neighborhood and
runs `imports.preview_import` then `imports.confirm_import` as a
subdistrict-staff user, exactly as the upload page does. Building the
workbook is not timed. Prints median and p95 rows/s for preview, confirm and
both together. Not a test: the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import statistics
import sys
import time
from urllib.parse import urlsplit, urlunsplit

from _common import ensure_database, percentile

BENCH_DB = "linli_bench"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅琳建国文辉鹏飞宇浩然子涵欣怡晨阳佳"


def _bench_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL must point at a PostgreSQL server (postgres://user@host:port/anything).")
    return urlunsplit(parts._replace(path="/" + BENCH_DB))


def _setup() -> None:
    url = _bench_url(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/linli"))
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _workbook(n: int, area_code: str, first: int) -> bytes:
    """n residents; `first` numbers them so that ID numbers and phones never repeat across repeats."""
    from openpyxl import Workbook

    from linli.core.spreadsheets import PEOPLE
    from linli.core.validators import id_check_character

    rng = random.Random(first)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("居民")
    ws.append(PEOPLE.headers)
    base = datetime.date(1930, 1, 1)
    for k in range(first, first + n):
        born = base + datetime.timedelta(days=k // 1000)  # 1000 sequence numbers per birth date
        first17 = f"310115{born:%Y%m%d}{k % 1000:03d}"
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        ws.append([
            name, "男" if k % 2 else "女", "", f"13{k:09d}", first17 + id_check_character(first17),
            f"锦绣路{k % 3000}弄{k % 30 + 1}号{k % 600 + 101}室", area_code, "", "是" if k % 9 == 0 else "否", "",
        ])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    _setup()

    from django.conf import settings
    from django.db import connection

    from linli.core import actions, imports
    from linli.core.models import Area, Person, Role, User

    settings.LINLI_IMPORT_MAX_ROWS = max(settings.LINLI_IMPORT_MAX_ROWS, args.rows)
    L = Area.Level
    city, _ = Area.objects.get_or_create(code="B310000", defaults={"name": "基准市", "level": L.CITY})
    district, _ = Area.objects.get_or_create(code="B310115", defaults={"name": "基准区", "level": L.DISTRICT,
                                                                        "parent": city})
    subdistrict, _ = Area.objects.get_or_create(code="B310115009", defaults={
        "name": "基准街道", "level": L.SUBDISTRICT, "parent": district})
    community, _ = Area.objects.get_or_create(code="B310115009100", defaults={
        "name": "基准社区", "level": L.COMMUNITY, "parent": subdistrict})
    user, created = User.objects.get_or_create(username="bench_subdistrict_staff",
                                               defaults={"display_name": "基准街道干部"})
    if created:
        actions.assign_role(actor=None, user=user, role=Role.SUBDISTRICT_STAFF, area=subdistrict)
    # ID numbers are unique; earlier runs' residents would turn every row into a duplicate.
    Person.objects.filter(neighborhood__path__startswith=community.path).delete()

    run = int(time.time())
    print(f"PostgreSQL {connection.pg_version}, database {BENCH_DB}; {args.rows:,} rows × {args.repeat} repeats")
    results: list[tuple[float, float]] = []
    for r in range(args.repeat):
        neighborhood = Area.objects.create(code=f"B{run}{r:02d}", name=f"基准居民区{run}-{r}",
                                           level=L.NEIGHBORHOOD, parent=community)
        content = _workbook(args.rows, neighborhood.code, first=r * args.rows)
        actor = User.objects.get(pk=user.pk)  # fresh grants, as in a new request
        started = time.perf_counter()
        job = imports.preview_import(actor=actor, kind="people", filename="bench.xlsx", content=content)
        previewed = time.perf_counter()
        if job.errors:
            sys.exit(f"unexpected errors in the synthetic file: {job.errors[:5]}")
        count = imports.confirm_import(actor=actor, job=job)
        confirmed = time.perf_counter()
        assert count == args.rows == Person.objects.filter(neighborhood=neighborhood).count()
        results.append((previewed - started, confirmed - previewed))
        print(f"  run {r + 1}: preview {previewed - started:6.2f} s, confirm {confirmed - previewed:6.2f} s "
              f"({len(content) / 1e6:.1f} MB xlsx)")

    n = args.rows
    for label, seconds in (("preview", [p for p, _c in results]), ("confirm", [c for _p, c in results]),
                           ("preview + confirm", [p + c for p, c in results])):
        rates = [n / s for s in seconds]
        # p95 of a rate is its slow tail: the 5th percentile of rows/s.
        print(f"{label:>18}: median {statistics.median(rates):8,.0f} rows/s, p95 {percentile(rates, 0.05):8,.0f}"
              f" rows/s  (median {statistics.median(seconds):.2f} s, p95 {percentile(seconds, 0.95):.2f} s)")


if __name__ == "__main__":
    main()
