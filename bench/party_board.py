"""How fast is the subdistrict's party compliance board at a district's size?

Builds (once) in the PostgreSQL database `linli_bench_party`: one subdistrict
of 6 communities and 300 neighborhoods holding 3,000 party branches (ten per
neighborhood, under six community committees), each with a party group, ten
members (three of them in the group), a committee of three; five years of
meetings per branch as a branch keeps them, with gaps (支委会, 主题党日 and
党小组会 monthly, 党员大会 quarterly, 党课, 组织生活会 and 民主评议 yearly,
and ten 谈心谈话 a year with their pairs as attendance) — about 800,000
meetings, written with linli.core.bulk (COPY), not through actions.py: a
benchmark fixture, not domain data. Meetings other than talks carry no
attendance rows: the board counts meetings, and reads attendance only for the
talks' coverage.

Then measures, in-process, for subdistrict staff:
  - the compliance board (queries.compliance_board) of the subdistrict, 3,000
    branches, the last full year: 3 warm-ups, then 20 timed calls; median
    and p95 in milliseconds;
  - the same board for one community (500 branches);
  - the board page (GET /party/board/?area=…&year=…: the roll-up over every
    branch and the first page of 50 branches) through Django's test client,
    full middleware and templates: median and p95.

The board's roll-up reads the monthly meeting tallies (party_meetingtally,
kept by actions.py; rebuilt here after the COPY, filled by migration 0008 on
an existing database) of every branch and group for the year, summed per
month, quarter and year in the database; only the listed page's branches get
their period cells built.

Target (issue 4): board median < 200 ms.

  .venv/bin/python bench/party_board.py [--runs 20] [--rebuild] [--json out.json]
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/linli_bench_party"
SUBDISTRICT_CODE = "310115009"
COMMUNITIES = 6
NEIGHBORHOODS_PER_COMMUNITY = 50
BRANCHES_PER_NEIGHBORHOOD = 10
MEMBERS = 10
YEARS = 5
TARGET_BOARD_MEDIAN_MS = 200.0
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张"


def build(rebuild: bool) -> int:
    """The areas, branches, groups, members, committees and five years of meetings; returns the last full year."""
    from django.db import connection, transaction
    from django.utils import timezone

    from linli.core.bulk import insert_many
    from linli.core.models import Area, PartyMembership, PartyOrganization, Person
    from linli.party import tally
    from linli.party.models import Attendance, CommitteeMember, Meeting

    year = timezone.localdate().year - 1
    neighborhoods = subdistrict_neighborhoods(SUBDISTRICT_CODE, COMMUNITIES, NEIGHBORHOODS_PER_COMMUNITY)
    L = PartyOrganization.Level
    if rebuild:
        print("deleting the bench party records", flush=True)
        with transaction.atomic():
            Attendance.objects.all().delete()
            Meeting.objects.all().delete()
            CommitteeMember.objects.all().delete()
            PartyMembership.objects.all().delete()
            PartyOrganization.objects.filter(level=L.GROUP).delete()
            PartyOrganization.objects.filter(level=L.BRANCH).delete()
            Person.objects.all().delete()
    have = PartyOrganization.objects.filter(level=L.BRANCH).count()
    wanted = len(neighborhoods) * BRANCHES_PER_NEIGHBORHOOD
    if have >= wanted:
        print(f"{have:,} branches already there; skipping the build", flush=True)
        return year

    started = time.perf_counter()
    subdistrict = Area.objects.get(code=SUBDISTRICT_CODE)
    top = PartyOrganization.objects.filter(level=L.WORKING_COMMITTEE, area=subdistrict).first()
    if top is None:
        top = PartyOrganization.objects.create(name="花木街道党工委", level=L.WORKING_COMMITTEE, area=subdistrict)
    committees = {}
    for community in Area.objects.filter(parent=subdistrict):
        committees[community.pk] = (PartyOrganization.objects.filter(area=community, level=L.COMMITTEE).first()
                                    or PartyOrganization.objects.create(name=f"{community.name}党委",
                                                                        level=L.COMMITTEE, area=community,
                                                                        parent=top))
    first_day = datetime.date(year - YEARS + 1, 1, 1)
    for index, nbhd in enumerate(neighborhoods):
        with transaction.atomic():
            branches = insert_many(PartyOrganization, [
                PartyOrganization(name=f"{nbhd.name}第{b + 1}党支部", level=L.BRANCH, area=nbhd,
                                  parent=committees[nbhd.parent_id]) for b in range(BRANCHES_PER_NEIGHBORHOOD)])
            groups = insert_many(PartyOrganization, [
                PartyOrganization(name=f"{b.name}第一党小组", level=L.GROUP, area=nbhd, parent=b) for b in branches])
            people = []
            for b in branches:
                for m in range(MEMBERS):
                    person = Person(name=f"{SURNAMES[(b.pk + m) % len(SURNAMES)]}党员{b.pk}-{m}", neighborhood=nbhd)
                    person.fill_derived_fields()
                    people.append(person)
            insert_many(Person, people)
            memberships, seats, meetings, talks = [], [], [], []
            for n, (branch, group) in enumerate(zip(branches, groups, strict=True)):
                members = people[n * MEMBERS:(n + 1) * MEMBERS]
                for m, person in enumerate(members):
                    memberships.append(PartyMembership(
                        person=person, party_organization=group if m >= MEMBERS - 3 else branch,
                        status=PartyMembership.Status.FULL, joined_on=datetime.date(2000, 7, 1)))
                for m, position in enumerate(["secretary", "deputy_secretary", "member"]):
                    seats.append(CommitteeMember(party_organization=branch, person=members[m], position=position,
                                                 started_on=first_day))
                gap = (index * BRANCHES_PER_NEIGHBORHOOD + n) % 7  # which month this branch tends to miss
                for y in range(year - YEARS + 1, year + 1):
                    for month in range(1, 13):
                        if month != gap:
                            meetings.append(_meeting(branch, Meeting.Kind.COMMITTEE, y, month, 8))
                            meetings.append(_meeting(group, Meeting.Kind.GROUP, y, month, 12))
                        meetings.append(_meeting(branch, Meeting.Kind.THEME_DAY, y, month, 15))
                        if month % 3 == 0 and not (gap == 1 and month == 6):
                            meetings.append(_meeting(branch, Meeting.Kind.GENERAL_ASSEMBLY, y, month, 20))
                    for kind, month in ((Meeting.Kind.LECTURE, 4), (Meeting.Kind.ORGANIZATIONAL_LIFE, 12),
                                        (Meeting.Kind.EVALUATION, 12)):
                        meetings.append(_meeting(branch, kind, y, month, 22 if kind == Meeting.Kind.LECTURE else 26))
                    for t in range(MEMBERS - gap):  # the secretary talks with most members, a few are not reached
                        talk = _meeting(branch, Meeting.Kind.TALK, y, 1 + t, 5)
                        meetings.append(talk)
                        talks.append((talk, members[0], members[1 + t % (MEMBERS - 1)]))
            insert_many(PartyMembership, memberships)
            insert_many(CommitteeMember, seats)
            insert_many(Meeting, meetings)
            insert_many(Attendance, [
                Attendance(meeting=talk, person=p, name=p.name, role=Attendance.Role.MEMBER, present=True, voting=True)
                for talk, a, b in talks for p in (a, b)])
        done = index + 1
        if done % 10 == 0 or done == len(neighborhoods):
            rate = done * BRANCHES_PER_NEIGHBORHOOD / (time.perf_counter() - started)
            print(f"\r  {done * BRANCHES_PER_NEIGHBORHOOD:,}/{wanted:,} branches ({rate:,.0f} branches/s)",
                  end="", flush=True)
    print(flush=True)
    tally.rebuild()  # the board's monthly tallies, which actions.py keeps for meetings it records
    with connection.cursor() as cursor:
        for table in ("party_meeting", "party_attendance", "core_partyorganization", "core_partymembership",
                      "party_committeemember", "core_person", "party_meetingtally"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(f"  {Meeting.objects.count():,} meetings, {Attendance.objects.count():,} attendance rows "
          f"({time.perf_counter() - started:.0f} s)", flush=True)
    return year


def _meeting(org, kind: str, year: int, month: int, day: int):
    from linli.party.models import Meeting

    return Meeting(party_organization=org, kind=kind, held_on=datetime.date(year, month, day), topic="会议",
                   state=Meeting.State.ACCEPTED)


def staff():
    from linli.core import actions
    from linli.core.models import Area, Role, User

    user = User.objects.filter(username="bench_party_staff").first()
    if user is None:
        user = actions.create_user(actor=None, username="bench_party_staff", password=None)
        actions.assign_role(actor=None, user=user, role=Role.SUBDISTRICT_STAFF,
                            area=Area.objects.get(code=SUBDISTRICT_CODE))
    return User.objects.get(pk=user.pk)


def measure_board(user, area, year: int, runs: int, warmups: int) -> dict:
    from linli.party import queries

    board = None
    for _ in range(warmups):
        user.__dict__.pop("_linli_grants", None)
        board = queries.compliance_board(user, area, year)
    timings = []
    for _ in range(runs):
        user.__dict__.pop("_linli_grants", None)  # a request resolves its grants anew
        started = time.perf_counter()
        board = queries.compliance_board(user, area, year)
        timings.append((time.perf_counter() - started) * 1000)
    assert board is not None
    return {"branches": board.total.branches, "with_gaps": board.total.with_gaps,
            "talks": f"{board.total.talk_covered}/{board.total.talk_members}",
            "median_ms": round(statistics.median(timings), 1), "p95_ms": round(percentile(timings, 0.95), 1),
            "runs": runs}


def measure_page(user, area, year: int, runs: int, warmups: int) -> dict:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = f"/party/board/?area={area.code}&year={year}"
    for _ in range(warmups):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(timings), 1), "p95_ms": round(percentile(timings, 0.95), 1),
            "bytes": len(response.content), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed board calls (default 20)")
    parser.add_argument("--warmups", type=int, default=3)
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
    from django.conf import settings

    # No collectstatic for a benchmark: plain static storage instead of the manifest.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    from django.core.management import call_command

    from linli.core.models import Area

    call_command("migrate", interactive=False, verbosity=0)
    year = build(args.rebuild)
    user = staff()
    subdistrict = Area.objects.get(code=SUBDISTRICT_CODE)
    community = Area.objects.filter(parent=subdistrict).order_by("code").first()

    figures = {}
    print(f"\ncompliance board {year}, subdistrict staff:", flush=True)
    for name, area in (("subdistrict", subdistrict), ("community", community)):
        figures[name] = measure_board(user, area, year, args.runs, args.warmups)
        f = figures[name]
        print(f"  {name} ({f['branches']:,} branches, {f['with_gaps']:,} with gaps, talks {f['talks']}): "
              f"median {f['median_ms']} ms, p95 {f['p95_ms']} ms", flush=True)
    figures["page"] = measure_page(user, subdistrict, year, max(args.runs // 2, 5), 2)
    page = figures["page"]
    print(f"  subdistrict board page: median {page['median_ms']} ms, p95 {page['p95_ms']} ms "
          f"({page['bytes']:,} bytes)", flush=True)

    median = figures["subdistrict"]["median_ms"]
    print(f"\ntarget: board median < {TARGET_BOARD_MEDIAN_MS:.0f} ms -> "
          f"{'met' if median < TARGET_BOARD_MEDIAN_MS else 'MISSED'}")
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
