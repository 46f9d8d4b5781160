"""Party demo data on top of core's Huamu demo (`linli seed_demo`), written
through actions.py like any other record: `linli seed_party_demo`.

- every neighborhood branch gets a committee (its secretary and two members);
- this year's 三会一课 for every other such branch up to last month, with a few
  deterministic gaps so the compliance board has something to show, some
  absentees with reasons, and the early records submitted and accepted;
- Huamu's 2020 training of its neighborhood secretaries: one day, six sessions
  (from the street's newsletter), every neighborhood branch secretary enrolled.

Idempotent: a branch that already has meetings or a committee, and a course
that already exists, are left alone. `linli seed_demo` runs it after core's
records (a hook registered by PartyConfig.ready).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.core.models import Area, PartyOrganization
from linli.party import actions, queries
from linli.party.models import CommitteeMember, Meeting, TrainingCourse, TrainingSession

K = Meeting.Kind
REASONS = ["出差", "病假", "居委值班", "外出就医", "家中有事"]
TOPICS = {
    K.COMMITTEE: "研究本月支部工作和发展党员",
    K.THEME_DAY: "主题党日:垃圾分类志愿服务",
    K.GENERAL_ASSEMBLY: "学习《中国共产党支部工作条例(试行)》",
    K.LECTURE: "党课:党支部工作可以这样做",
}
COURSE_TITLE = "花木街道2020年度基层党组织书记培训"
COURSE_DAY = datetime.date(2020, 11, 20)
# (topic, lecturer, format, start hour, end hour), from the newsletter's account of the day.
SESSIONS = [
    ("《中国共产党支部工作条例(试行)》解读:党支部工作可以这样做", "顾燕峰(区委党校)", "lecture", 9, 10),
    ("全面加强和改进基层法治建设工作", "杨扬(街道党工委副书记)", "lecture", 10, 11),
    ("基层党务培训:党务操作要求、规范流程、关系接转", "街道党建办、党群服务中心", "lecture", 11, 12),
    ("居民自治的活力激发与路径选择", "徐选国(华东理工大学)", "lecture", 13, 14),
    ("疫情防控工作布置", "街道", "discussion", 14, 15),
    ("住宅小区综合执法工作讲解", "街道", "discussion", 15, 16),
]


@dataclass
class PartyDemoResult:
    created: dict[str, int] = field(default_factory=lambda: {"meetings": 0, "committee_seats": 0, "courses": 0})


def _branches() -> list[PartyOrganization]:
    return list(PartyOrganization.objects.filter(level=PartyOrganization.Level.BRANCH,
                                                 area__level=Area.Level.NEIGHBORHOOD)
                .select_related("secretary", "parent").order_by("name"))


def seed_party(seeder: Any) -> None:
    """The hook `linli seed_demo` calls after core's records."""
    seed_party_demo(seed=getattr(seeder, "seed", 4))


@transaction.atomic
def seed_party_demo(*, today: datetime.date | None = None, seed: int = 4) -> PartyDemoResult:
    today = today or timezone.localdate()
    rng = random.Random(seed)
    result = PartyDemoResult()
    branches = _branches()
    for n, branch in enumerate(branches):
        _committee(branch, result)
        # Every other branch keeps records here: the rest show on the board as
        # not yet recorded, which is what a board looks like while a street
        # moves its branches onto linli.
        if n % 2 or Meeting.objects.filter(party_organization=branch).exists():
            continue
        _year_of_meetings(branch, today, rng, gaps=(n // 2) % 3, result=result)
    _secretaries_training([b.secretary for b in branches if b.secretary is not None], result)
    return result


def _committee(branch: PartyOrganization, result: PartyDemoResult) -> None:
    if CommitteeMember.objects.filter(party_organization=branch).exists():
        return
    members = [m for m in queries.members_on(branch, datetime.date(2024, 1, 1))
               if m.party_membership.status == "full"]
    chosen = ([branch.secretary] if branch.secretary in members else []) + [m for m in members
                                                                            if m != branch.secretary]
    for person, position in zip(chosen[:3], ["secretary", "deputy_secretary", "member"], strict=False):
        actions.add_committee_member(actor=None, party_organization=branch, person=person, position=position,
                                     started_on=datetime.date(2024, 1, 1))
        result.created["committee_seats"] += 1


def _year_of_meetings(branch: PartyOrganization, today: datetime.date, rng: random.Random, *, gaps: int,
                      result: PartyDemoResult) -> None:
    """This year up to last month: 支委会 and 主题党日 monthly, 党员大会 quarterly, a 党课 in spring.

    `gaps` months of 支委会 are left out (0–2), and every third branch skips a
    quarter's 党员大会, so that the board shows what a real year looks like.
    """
    months = list(range(1, today.month))
    skipped = set(rng.sample(months, min(gaps, len(months))))
    plan: list[tuple[Meeting.Kind, datetime.date]] = []
    for m in months:
        if m not in skipped:
            plan.append((K.COMMITTEE, datetime.date(today.year, m, 8)))
        plan.append((K.THEME_DAY, datetime.date(today.year, m, 15)))
        if m % 3 == 0 and not (gaps == 2 and m == 6):
            plan.append((K.GENERAL_ASSEMBLY, datetime.date(today.year, m, 20)))
        if m == 4:
            plan.append((K.LECTURE, datetime.date(today.year, m, 22)))
    for kind, day in plan:
        expected = [e.person for e in queries.expected_attendees(branch, kind, day)]
        if not expected:
            continue
        away = {p: rng.choice(REASONS) for p in rng.sample(expected, min(len(expected) // 8, 3))}
        present = [p for p in expected if p not in away]
        chair = branch.secretary if branch.secretary in present else present[0]
        meeting = actions.record_meeting(
            actor=None, party_organization=branch, kind=kind, held_on=day, topic=TOPICS[kind],
            place=f"{branch.area.name if branch.area else ''}居委会议室", chair=chair, recorder=present[-1],
            present=present, absent=away, minutes="会议按议程进行,记录见附件签到表。",
            guests=["顾燕峰(区委党校)"] if kind == K.LECTURE else [])
        result.created["meetings"] += 1
        if day.month <= today.month - 3 and branch.parent_id:
            actions.submit_meeting(actor=None, meeting=meeting)
            actions.accept_meeting(actor=None, meeting=meeting, comment="记录完整")


def _secretaries_training(secretaries: list, result: PartyDemoResult) -> None:
    huamu = Area.objects.filter(name="花木街道", level=Area.Level.SUBDISTRICT).first()
    if huamu is None or TrainingCourse.objects.filter(title=COURSE_TITLE).exists():
        return
    course = actions.create_course(actor=None, title=COURSE_TITLE, area=huamu, starts_on=COURSE_DAY,
                                   ends_on=COURSE_DAY, description="六大社区、居民区和两新组织书记一整天的培训。")
    tz = timezone.get_current_timezone()
    sessions: list[TrainingSession] = []
    for topic, lecturer, fmt, start, end in SESSIONS:
        sessions.append(actions.add_session(
            actor=None, course=course, topic=topic, lecturer=lecturer, format=fmt,
            starts_at=datetime.datetime.combine(COURSE_DAY, datetime.time(start), tzinfo=tz),
            ends_at=datetime.datetime.combine(COURSE_DAY, datetime.time(end), tzinfo=tz),
            place="花木街道社区党群服务中心"))
    actions.enrol(actor=None, course=course, people=secretaries)
    for n, session in enumerate(sessions):
        # Two secretaries left after lunch for duty in their neighborhoods.
        away = {p: "居委值班" for p in secretaries[:2]} if n >= 4 else {}
        actions.record_session_attendance(actor=None, session=session,
                                          present=[p for p in secretaries if p not in away], absent=away)
    result.created["courses"] += 1
