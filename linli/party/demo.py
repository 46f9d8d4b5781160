"""Party demo data on top of core's Huamu demo (`linli seed_demo`), written
through actions.py like any other record: `linli seed_party_demo`.

- every neighborhood branch gets a committee (its secretary and two members);
- the last twelve months' 三会一课 (up to last month) for every such branch, with a few
  deterministic gaps so the compliance board has something to show, some
  absentees with reasons, and the early records submitted and accepted; the
  year's 组织生活会 and 民主评议 in January, and 谈心谈话 between the committee
  and most members;
- Huamu's 2020 training of its secretaries: one day, six sessions (from the
  street's newsletter), 52 enrolled (the neighborhood branches' secretaries and
  those of the branches the street runs directly), two leaving after lunch;
- a 主题教育 campaign covering every branch under the working committee (with
  a party branch at each property company's project department, 100+ in all):
  special organizational-life meetings (every ninth branch still missing),
  lectures by the street's speaker team at every other branch, and a unit
  branch's problem list from its self-examination on the problems list.

Idempotent: a branch that already has meetings or a committee, and a course
or campaign that already exists, are left alone. `linli seed_demo` runs it after core's
records (a hook registered by PartyConfig.ready).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from linli.core import actions as core_actions
from linli.core.models import Area, Organization, PartyOrganization, Person
from linli.party import actions, queries
from linli.party.models import Campaign, CampaignTask, CommitteeMember, Meeting, TrainingCourse, TrainingSession

K = Meeting.Kind
REASONS = ["出差", "病假", "居委值班", "外出就医", "家中有事"]
TOPICS = {
    K.COMMITTEE: "研究本月支部工作和发展党员",
    K.THEME_DAY: "主题党日:垃圾分类志愿服务",
    K.GENERAL_ASSEMBLY: "学习《中国共产党支部工作条例(试行)》",
    K.LECTURE: "党课:党支部工作可以这样做",
    K.ORGANIZATIONAL_LIFE: "年度组织生活会:对照检查,开展批评和自我批评",
    K.EVALUATION: "民主评议党员",
    K.TALK: "谈心谈话",
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


CAMPAIGN_NAME = "学习贯彻习近平新时代中国特色社会主义思想主题教育"
CAMPAIGN_START, CAMPAIGN_END = datetime.date(2023, 4, 1), datetime.date(2023, 11, 30)
# The street's speaker team (宣讲团) and what it spoke about.
SPEAKERS = ["街道党工委宣讲团 杨扬", "街道党工委宣讲团 顾燕峰", "社区党校讲师团 王慧", "老党员宣讲队 陈建国"]
LECTURE_TOPICS = ["学思想、强党性、重实践、建新功", "党的二十大精神进社区", "从党史中汲取奋进力量"]
# The self-examination of one unit branch, as its problem list (问题清单).
PROBLEMS = [
    ("理论学习存在“学用脱节”,结合本单位服务群众实际不够", "long_term"),
    ("“三会一课”记录不规范,部分会议缺签到表", "immediate"),
    ("联系服务居民的渠道单一,对老年患者的上门服务不够", "long_term"),
]


def _new_result() -> dict[str, int]:
    return {"meetings": 0, "committee_seats": 0, "courses": 0, "campaigns": 0, "branches": 0, "lectures": 0,
            "problems": 0}


@dataclass
class PartyDemoResult:
    created: dict[str, int] = field(default_factory=_new_result)


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
        # Every neighborhood branch keeps its records here, two in three with a
        # gap or two; the property companies' branches (founded for the
        # campaign) show on the board as not yet recorded, which is what a
        # board looks like while a street moves its branches onto linli.
        if Meeting.objects.filter(party_organization=branch, campaign__isnull=True).exists():
            continue
        _year_of_meetings(branch, today, rng, gaps=n % 3, result=result)
    _secretaries_training(_course_secretaries(branches), result)
    _theme_campaign(rng, result)
    return result


def _huamu() -> Area | None:
    return Area.objects.filter(name="花木街道", level=Area.Level.SUBDISTRICT).first()


def _course_secretaries(branches: list[PartyOrganization]) -> list[Person]:
    """The course's 52: the secretaries of Huamu's neighborhood branches, then of the branches the street
    runs directly (the service center's, the two-new organizations'), in that order."""
    huamu = _huamu()
    if huamu is None:
        return [b.secretary for b in branches if b.secretary is not None]
    under = [b for b in branches if b.area is not None and b.area.path.startswith(huamu.path)]
    street = (PartyOrganization.objects.filter(level=PartyOrganization.Level.BRANCH, parent__area=huamu,
                                               parent__level=PartyOrganization.Level.WORKING_COMMITTEE,
                                               secretary__isnull=False)
              .select_related("secretary").order_by("-area_id", "name"))
    people = [b.secretary for b in under if b.secretary is not None]
    for branch in street:
        if len(people) >= 52:
            break
        secretary = branch.secretary
        if secretary is not None and secretary not in people:
            people.append(secretary)
    return [p for p in people if p is not None]


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
    """The twelve months before this one: 支委会 and 主题党日 monthly, 党员大会 quarterly, a 党课 in spring.

    A year's records whatever the month the demo is seeded in (in January
    "this year up to last month" would be nothing). `gaps` months of 支委会
    are left out (0–2), and every third branch skips a quarter's 党员大会, so
    that the board shows what a real year looks like.
    """
    this_month = today.year * 12 + today.month - 1
    months = [(n // 12, n % 12 + 1) for n in range(this_month - 12, this_month)]  # (year, month), oldest first
    skipped = set(rng.sample(months, min(gaps, len(months))))
    plan: list[tuple[Meeting.Kind, datetime.date]] = []
    for y, m in months:
        if (y, m) not in skipped:
            plan.append((K.COMMITTEE, datetime.date(y, m, 8)))
        plan.append((K.THEME_DAY, datetime.date(y, m, 15)))
        if m % 3 == 0 and not (gaps == 2 and m == 6):
            plan.append((K.GENERAL_ASSEMBLY, datetime.date(y, m, 20)))
        if m == 4:
            plan.append((K.LECTURE, datetime.date(y, m, 22)))
        if m == 1:  # the year's 组织生活会 and 民主评议, as branches hold them after the year's end
            plan.append((K.ORGANIZATIONAL_LIFE, datetime.date(y, m, 25)))
            plan.append((K.EVALUATION, datetime.date(y, m, 26)))
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
        if this_month - (day.year * 12 + day.month - 1) >= 3 and branch.parent_id:  # reviewed by now
            actions.submit_meeting(actor=None, meeting=meeting)
            actions.accept_meeting(actor=None, meeting=meeting, comment="记录完整")
    _talks(branch, months, rng, result)


def _talks(branch: PartyOrganization, months: list[tuple[int, int]], rng: random.Random,
           result: PartyDemoResult) -> None:
    """谈心谈话: a committee member talks with each member (a committee member with another) once in the twelve
    months, save about one in six still to do, so that the board's coverage is short of full as in a real year."""
    for n, (y, m) in enumerate(months):
        day = datetime.date(y, m, 10)
        committee = [seat.person for seat in queries.committee_on(branch, day)]
        # Month n takes the members whose place in the list falls to it, the latest months first (the board
        # reads calendar years); one in six is left for later.
        for i, expected in enumerate(queries.expected_attendees(branch, K.TALK, day)):
            person = expected.person
            talkers = [c for c in committee if c != person]
            if len(months) - 1 - i % len(months) != n or not talkers or rng.random() < 1 / 6:
                continue
            talker = talkers[i % len(talkers)]
            actions.record_meeting(actor=None, party_organization=branch, kind=K.TALK, held_on=day,
                                   topic=TOPICS[K.TALK], place="党群服务站", chair=talker, recorder=talker,
                                   present=[talker, person], minutes="了解思想、工作和生活情况,听取意见建议。")
            result.created["meetings"] += 1


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


# The 主题教育 campaign ----------------------------------------------------------------------

def _property_branches(huamu: Area, result: PartyDemoResult) -> None:
    """A party branch at each property company's project department (红色物业), with up to three of its staff
    as members: with the neighborhood and unit branches, the campaign covers more than 100 organizations."""
    companies = Organization.objects.filter(kind=Organization.Kind.PROPERTY_COMPANY,
                                            area__path__startswith=huamu.path,
                                            area__level=Area.Level.NEIGHBORHOOD).select_related("area__parent")
    existing = set(PartyOrganization.objects.filter(organization__in=companies).values_list("organization_id",
                                                                                            flat=True))
    committees = {p.area_id: p for p in PartyOrganization.objects.filter(
        level=PartyOrganization.Level.COMMITTEE, area__parent=huamu)}
    for company in companies:
        parent = committees.get(company.area.parent_id if company.area else None)
        if company.pk in existing or parent is None:
            continue
        staff = list(Person.objects.filter(organization=company, party_membership__isnull=True)
                     .order_by("id")[:3])
        if not staff:  # a branch needs members, and its secretary among them
            continue
        branch = core_actions.create_party_organization(actor=None, name=f"{company.name}党支部",
                                                        level=PartyOrganization.Level.BRANCH, parent=parent,
                                                        organization=company)
        result.created["branches"] += 1
        for n, person in enumerate(staff):
            core_actions.set_party_membership(actor=None, person=person, party_organization=branch,
                                              joined_on=datetime.date(2010 + n, 7, 1))
        core_actions.update_party_organization(actor=None, party_organization=branch, secretary=staff[0])


def _theme_campaign(rng: random.Random, result: PartyDemoResult) -> None:
    """The street's 主题教育: every branch under the working committee covered, each to hold a special
    organizational-life meeting (some have not), to submit a problem list and to receive a lecture from
    the speaker team (more than 50 did); one unit branch's self-examination on the problem list."""
    huamu = _huamu()
    committee = PartyOrganization.objects.filter(area=huamu, level=PartyOrganization.Level.WORKING_COMMITTEE).first()
    if huamu is None or committee is None or Campaign.objects.filter(name=CAMPAIGN_NAME).exists():
        return
    _property_branches(huamu, result)
    campaign = actions.create_campaign(
        actor=None, name=CAMPAIGN_NAME, area=huamu, lead=committee, starts_on=CAMPAIGN_START, ends_on=CAMPAIGN_END,
        description="街道党工委部署,各社区党委、居民区党支部、驻区单位和两新组织党支部开展专题学习、"
                    "检视整改问题清单,召开专题组织生活会;街道宣讲团深入基层宣讲。")
    branches = list(PartyOrganization.objects.filter(pk__in=actions.subtree(committee))
                    .select_related("area", "organization", "secretary").order_by("name", "id"))
    actions.cover_organizations(actor=None, campaign=campaign, party_organizations=branches)
    actions.add_campaign_task(actor=None, campaign=campaign, kind=CampaignTask.Kind.SPECIAL_MEETING,
                              title="召开专题组织生活会", due_on=CAMPAIGN_END)
    actions.add_campaign_task(actor=None, campaign=campaign, kind=CampaignTask.Kind.PROBLEM_LIST,
                              title="检视问题、形成问题清单", due_on=datetime.date(2023, 9, 30))
    actions.add_campaign_task(actor=None, campaign=campaign, kind=CampaignTask.Kind.LECTURE,
                              title="接受宣讲团宣讲", due_on=CAMPAIGN_END)
    result.created["campaigns"] += 1
    for n, branch in enumerate(branches):
        day = CAMPAIGN_START + datetime.timedelta(days=150 + n % 60)
        expected = [e.person for e in queries.expected_attendees(branch, Meeting.Kind.ORGANIZATIONAL_LIFE, day)]
        # Every ninth branch has not held its special meeting yet: the campaign page shows it as to do.
        if expected and n % 9 != 4:
            away = {p: rng.choice(REASONS) for p in expected[1:][: len(expected) // 10]}
            present = [p for p in expected if p not in away]
            actions.record_meeting(
                actor=None, party_organization=branch, kind=Meeting.Kind.ORGANIZATIONAL_LIFE, held_on=day,
                campaign=campaign, topic="主题教育专题组织生活会", place="党群服务站", present=present, absent=away,
                chair=present[0], minutes="对照检视问题清单,开展批评和自我批评,逐一明确整改措施。")
            result.created["meetings"] += 1
        if n % 2 == 0:  # the speaker team reached every other branch
            actions.log_lecture(actor=None, campaign=campaign, party_organization=branch, speaker=SPEAKERS[n % 4],
                                given_on=day - datetime.timedelta(days=20), topic=LECTURE_TOPICS[n % 3],
                                audience=len(expected) or None)
            result.created["lectures"] += 1
    unit = next((b for b in branches if b.organization is not None
                 and b.organization.kind != Organization.Kind.PROPERTY_COMPANY), None)
    if unit is not None:
        problems = actions.submit_problem_list(
            actor=None, campaign=campaign, party_organization=unit, found_on=datetime.date(2023, 9, 15),
            problems=[actions.ProblemItem(title=t, kind=k) for t, k in PROBLEMS])
        result.created["problems"] += len(problems)
