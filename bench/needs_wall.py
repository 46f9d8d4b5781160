"""How fast is the public wish wall, and how many claims per second does the database settle?

Builds (once) a city with 100,000 published wishes in the PostgreSQL database
`linli_bench_needs` (one subdistrict of 6 communities and 48 neighborhoods,
city-wide publication, each wish with its child's details), then measures:

  - the public wish wall's first page, GET /needs/wall/, anonymous, in-process
    through Django's test client (full middleware and templates, no network):
    5 warm-ups, then 50 timed requests; median and p95 in milliseconds;
  - claim throughput with 8 concurrent clients (processes, like a server's
    workers: each its own interpreter and database connection), each calling
    linli.needs.actions.claim_need: against distinct needs, given the need's
    id (the action alone: what the target compares), and again with the need
    fetched first as the claim view and the API fetch it; then all 8 against
    the same need at a time, fetched first (one wins, seven are refused
    "already claimed"); the median and p95 of one claim's time as a client
    sees it;
  - beside them, the raw single-row UPDATE rate psycopg reaches on the same
    database with 8 connections (autocommit, one row each, and all on one row).

Targets (issue 5): wall median < 100 ms; claims/s at least half the raw UPDATE rate.

  .venv/bin/python bench/needs_wall.py [--needs 100000] [--runs 50] [--seconds 10] [--rebuild]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import queue
import statistics
import sys
import threading
import time
import traceback
import warnings
from pathlib import Path
from typing import NoReturn

from _common import ensure_database, percentile, subdistrict_neighborhoods

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/linli_bench_needs"
SUBDISTRICT_CODE = "310115009"
COMMUNITIES = 6
NEIGHBORHOODS_PER_COMMUNITY = 8
CLIENTS = 8
TARGET_WALL_MEDIAN_MS = 100.0
# How long the parent waits for the clients to start, and to report once told to stop, before giving up.
START_TIMEOUT_S = 60
REPORT_TIMEOUT_S = 60
TITLES = ("一套水彩笔", "一双跑步鞋", "一个书包", "一套绘本", "一个篮球", "一件羽绒服", "一盏台灯", "一本词典")
NAMES = ("小雨", "乐乐", "小杰", "晨晨", "果果", "阳阳", "妞妞", "豆豆", "小宇", "贝贝")


def build(needs: int, rebuild: bool) -> list:
    """The areas, CLIENTS claimant accounts (residents), and `needs` published wishes; returns the claimants."""
    from django.db import connection, transaction
    from django.utils import timezone

    from linli.core import actions
    from linli.core.models import Person, User
    from linli.needs.models import Claim, Need, WishDetails

    neighborhoods = subdistrict_neighborhoods(SUBDISTRICT_CODE, COMMUNITIES, NEIGHBORHOODS_PER_COMMUNITY)

    claimants = []
    for i in range(CLIENTS):
        user = User.objects.filter(username=f"bench_claimant{i}").first()
        if user is None:
            person = Person(name=f"认领人{i}", neighborhood=neighborhoods[i], phone=f"1390000{i:04d}")
            person.fill_derived_fields()
            person.save()
            user = actions.create_user(actor=None, username=f"bench_claimant{i}", password=None, person=person)
        claimants.append(User.objects.get(pk=user.pk))

    wishes = Need.objects.filter(kind=Need.Kind.WISH)
    if rebuild:
        print("deleting the bench wishes", flush=True)
        Claim.objects.all().delete()
        WishDetails.objects.all().delete()
        wishes.delete()
    have = wishes.count()
    if have >= needs:
        print(f"{have:,} wishes already there; skipping the build", flush=True)
        return claimants
    # A benchmark fixture, not domain data: bulk_create skips actions.py (and its audit) on purpose.
    started = time.perf_counter()
    now = timezone.now()
    for start in range(have, needs, 5000):
        batch = [
            Need(kind=Need.Kind.WISH, state=Need.State.PUBLISHED, title=TITLES[i % len(TITLES)],
                 description="我的心愿。", category=Need.Category.STUDY, value_band=Need.ValueBand.UP_TO_100,
                 neighborhood=neighborhoods[i % len(neighborhoods)], publication_scope=Need.Scope.CITY,
                 submitted_at=now, published_at=now - datetime.timedelta(seconds=i))
            for i in range(start, min(start + 5000, needs))
        ]
        with transaction.atomic():
            Need.objects.bulk_create(batch)
            WishDetails.objects.bulk_create([
                WishDetails(need=n, child_name=f"王{NAMES[n.pk % len(NAMES)]}", public_name=NAMES[n.pk % len(NAMES)],
                            birth_date=datetime.date(2012 + n.pk % 8, 1 + n.pk % 12, 1), guardian_consent=True)
                for n in batch
            ])
        rate = (start + len(batch) - have) / (time.perf_counter() - started)
        print(f"\r  {start + len(batch):,}/{needs:,} wishes ({rate:,.0f} rows/s)", end="", flush=True)
    print(flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE needs_need")
        cursor.execute("VACUUM ANALYZE needs_wishdetails")
    return claimants


def measure_wall(runs: int, warmups: int) -> dict:
    from django.test import Client

    from linli.needs.queries import public_wishes

    client = Client(HTTP_HOST="localhost")
    for _ in range(warmups):
        response = client.get("/needs/wall/")
        if response.status_code != 200:
            sys.exit(f"GET /needs/wall/ answered {response.status_code}")
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get("/needs/wall/")
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"median_ms": round(statistics.median(timings), 1), "p95_ms": round(percentile(timings, 0.95), 1),
            "published": public_wishes().count(), "runs": runs}


def _run_clients(seconds: float, work) -> tuple[int, int, float, list[float]]:
    """Run work(client_index, stop_event) in CLIENTS processes for `seconds`;
    (successes, attempts, elapsed, each attempt's milliseconds).

    Processes, not threads: like the web server's workers, each client has its own interpreter
    (and GIL) and its own database connection, so the 2 cores are both used.

    A client that raises reports its traceback, and one that dies reports nothing: either way the
    bench stops the others and exits saying which client failed and why, rather than waiting forever.
    """
    import multiprocessing

    from django.db import connections

    context = multiprocessing.get_context("fork")
    stop = context.Event()
    barrier = context.Barrier(CLIENTS + 1, timeout=START_TIMEOUT_S)
    results = context.Queue()
    # The children must not share the parent's connection: close it before forking.
    connections.close_all()

    def client(index: int) -> None:
        try:
            barrier.wait()
            results.put((index, "ok", work(index, stop)))
        except BaseException:
            results.put((index, "error", traceback.format_exc()))
        finally:
            connections.close_all()

    processes = [context.Process(target=client, args=(i,)) for i in range(CLIENTS)]
    for p in processes:
        p.start()
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        # A client that raised before the start broke the barrier too: its report says why.
        _abort(processes, stop, _first_error(results) or f"the {CLIENTS} clients did not all start "
                                                         f"within {START_TIMEOUT_S} s")
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    totals = _collect(processes, results, stop, deadline=time.monotonic() + REPORT_TIMEOUT_S)
    elapsed = time.perf_counter() - started
    for p in processes:
        p.join()
    return (sum(t[0] for t in totals), sum(t[1] for t in totals), elapsed,
            sorted(ms for t in totals for ms in t[2]))


def _collect(processes: list, results, stop, *, deadline: float) -> list:
    """Each client's figures, in client order; exits the bench if a client raised, died or went silent."""
    reported: dict[int, tuple] = {}
    while len(reported) < len(processes):
        try:
            index, status, payload = results.get(timeout=1.0)
        except queue.Empty:
            # A client that reported has exit code 0 (or is still flushing its report); a crash has another.
            dead = [(i, p.exitcode) for i, p in enumerate(processes)
                    if i not in reported and p.exitcode not in (None, 0)]
            if dead:
                _abort(processes, stop, "; ".join(f"client {i} died (exit code {code}) without reporting"
                                                  for i, code in dead))
            if time.monotonic() > deadline:
                silent = ", ".join(str(i) for i in range(len(processes)) if i not in reported)
                _abort(processes, stop, f"client(s) {silent} did not report within {REPORT_TIMEOUT_S} s "
                                        "after being told to stop")
            continue
        if status == "error":
            _abort(processes, stop, f"client {index} raised:\n{payload}")
        reported[index] = payload
    return [reported[i] for i in sorted(reported)]


def _first_error(results) -> str | None:
    """The first error a client reported, if one is already on the queue."""
    try:
        while True:
            index, status, payload = results.get(timeout=1.0)
            if status == "error":
                return f"client {index} raised:\n{payload}"
    except queue.Empty:
        return None


def _abort(processes: list, stop, message: str) -> NoReturn:
    """Stop every client (asked first, then terminated) and exit the bench with `message`."""
    stop.set()
    for p in processes:
        p.join(timeout=5)
        if p.is_alive():
            p.terminate()
            p.join()
    sys.exit(f"needs_wall: the claim clients failed, no figures: {message}")


def measure_claims(claimants: list, seconds: float) -> dict:
    from linli.needs import actions
    from linli.needs.actions import AlreadyClaimed
    from linli.needs.models import Need

    open_ids = list(Need.objects.filter(state=Need.State.PUBLISHED, kind=Need.Kind.WISH)
                    .order_by("id").values_list("id", flat=True))

    def distinct(fetch: bool):
        def work(index: int, stop: threading.Event) -> tuple[int, int, list[float]]:
            # Client i takes every CLIENTS-th need: no two clients ever press on the same one.
            done = 0
            timings = []
            for pk in open_ids[index::CLIENTS]:
                if stop.is_set():
                    break
                started = time.perf_counter()
                # The claim view and the API endpoint fetch the need first (for the 404 and the page);
                # the action itself needs only the id.
                need = Need.objects.select_related("neighborhood").get(pk=pk) if fetch else pk
                actions.claim_need(actor=claimants[index], need=need)
                timings.append((time.perf_counter() - started) * 1000)
                done += 1
            return done, done, timings
        return work

    figures = {}
    for fetch, label, key in ((False, "claim_need by id", "distinct"),
                              (True, "fetch as the view does + claim_need", "distinct_with_fetch")):
        ok, _presses, elapsed, timings = _run_clients(seconds, distinct(fetch))
        rate = ok / elapsed
        median, p95 = round(statistics.median(timings), 2), round(percentile(timings, 0.95), 2)
        print(f"  distinct needs, {label}: {ok:,} claims in {elapsed:.1f} s = {rate:,.0f} claims/s; "
              f"one claim: median {median} ms, p95 {p95} ms", flush=True)
        figures.update({f"{key}_claims_per_s": round(rate), f"{key}_median_ms": median, f"{key}_p95_ms": p95})
        open_ids = list(Need.objects.filter(state=Need.State.PUBLISHED, kind=Need.Kind.WISH)
                        .order_by("id").values_list("id", flat=True))

    remaining = list(Need.objects.filter(state=Need.State.PUBLISHED, kind=Need.Kind.WISH)
                     .order_by("id").values_list("id", flat=True))

    def contested(index: int, stop: threading.Event) -> tuple[int, int, list[float]]:
        # Every client goes down the same list: each need is pressed by all 8, one wins.
        won = tried = 0
        timings = []
        for pk in remaining:
            if stop.is_set():
                break
            tried += 1
            started = time.perf_counter()
            try:
                need = Need.objects.select_related("neighborhood").get(pk=pk)
                actions.claim_need(actor=claimants[index], need=need)
                won += 1
            except AlreadyClaimed:
                pass
            timings.append((time.perf_counter() - started) * 1000)
        return won, tried, timings

    won, tried, elapsed, presses = _run_clients(seconds, contested)
    press_median, press_p95 = round(statistics.median(presses), 2), round(percentile(presses, 0.95), 2)
    print(f"  one contested need at a time: {won:,} claims from {tried:,} presses in {elapsed:.1f} s = "
          f"{won / elapsed:,.0f} claims/s, {tried / elapsed:,.0f} presses/s; one press: median {press_median} ms, "
          f"p95 {press_p95} ms", flush=True)
    return {**figures,
            "contested_claims_per_s": round(won / elapsed), "contested_presses_per_s": round(tried / elapsed),
            "press_median_ms": press_median, "press_p95_ms": press_p95, "seconds": seconds}


def measure_raw_updates(url: str, seconds: float) -> dict:
    """pgbench's single-row UPDATE, as a psycopg loop: 8 connections, autocommit."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_raw_update (id int PRIMARY KEY, n bigint NOT NULL)")
        conn.execute("INSERT INTO bench_raw_update SELECT g, 0 FROM generate_series(0, %s) g ON CONFLICT DO NOTHING",
                     [CLIENTS])

    def loop(row_of) -> float:
        # Threads suffice here: a psycopg UPDATE call spends its time waiting on the server, not in Python.
        stop = threading.Event()
        barrier = threading.Barrier(CLIENTS + 1)
        counts = [0] * CLIENTS

        def client(index: int) -> None:
            with psycopg.connect(url, autocommit=True) as conn:
                barrier.wait()
                row = row_of(index)
                n = 0
                while not stop.is_set():
                    conn.execute("UPDATE bench_raw_update SET n = n + 1 WHERE id = %s", [row])
                    n += 1
                counts[index] = n

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        barrier.wait()
        started = time.perf_counter()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join()
        return sum(counts) / (time.perf_counter() - started)

    distinct = loop(lambda i: i)
    one_row = loop(lambda i: CLIENTS)
    print(f"  raw UPDATE, 8 connections: {distinct:,.0f}/s on distinct rows, {one_row:,.0f}/s on one row",
          flush=True)
    return {"distinct_rows_per_s": round(distinct), "one_row_per_s": round(one_row)}


def reset_claims() -> None:
    """Put the bench wishes back to published, so that the next run claims the same ones again."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM needs_claim")
        cursor.execute("UPDATE needs_need SET state = 'published', claimed_at = NULL WHERE state = 'claimed'")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--needs", type=int, default=100_000, help="published wishes to build (default 100,000)")
    parser.add_argument("--runs", type=int, default=50, help="timed wall requests (default 50)")
    parser.add_argument("--warmups", type=int, default=5, help="untimed wall requests first (default 5)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each throughput case (default 10)")
    parser.add_argument("--rebuild", action="store_true", help="delete the bench wishes and build again")
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
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    claimants = build(args.needs, args.rebuild)
    reset_claims()

    print("\nwish wall, first page (anonymous):", flush=True)
    wall = measure_wall(args.runs, args.warmups)
    print(f"  {wall['published']:,} published wishes: median {wall['median_ms']} ms, p95 {wall['p95_ms']} ms",
          flush=True)
    print(f"\nclaims, {CLIENTS} concurrent clients, {args.seconds:.0f} s each:", flush=True)
    claims = measure_claims(claimants, args.seconds)
    reset_claims()
    print(f"\nraw single-row UPDATE (psycopg), {args.seconds:.0f} s each:", flush=True)
    raw = measure_raw_updates(args.database_url, args.seconds)

    half = raw["distinct_rows_per_s"] / 2
    print(f"\ntarget: wall median < {TARGET_WALL_MEDIAN_MS:.0f} ms -> "
          f"{'met' if wall['median_ms'] < TARGET_WALL_MEDIAN_MS else 'MISSED'}")
    print(f"target: claims/s on distinct needs >= half the raw rate ({half:,.0f}) -> "
          f"{'met' if claims['distinct_claims_per_s'] >= half else 'MISSED'}")
    if args.json:
        args.json.write_text(json.dumps({"needs": args.needs, "wall": wall, "claims": claims, "raw_update": raw},
                                        ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
