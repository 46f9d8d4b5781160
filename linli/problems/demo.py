"""The problems part of the Huamu demo (called by core's `seed_demo`, see ProblemsConfig.ready).

The street office's party branch (花木街道机关党支部) keeps the problem list
(问题清单) from its 主题教育 self-examination: problems fixed at once
(即知即改), fixed by a deadline, and long-term ones still being worked on —
"8 problems, 5 fixed, 2 long-term" on the board. (The inspections demo adds
the gas campaign's hazards to the same list.)

Everything goes through linli.problems.actions with actor=None (the system).
Deadlines are relative to the day of seeding (a new problem's deadline cannot
have passed). Idempotent: a list already there (its first problem, same
owner) is left alone.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.models import PartyOrganization
from linli.problems import actions
from linli.problems.models import Problem

OWNER = "花木街道办事处"
BRANCH = "花木街道机关党支部"
K = Problem.Kind
S = Problem.State

# (title, kind, days to the deadline, state reached, what was done)
SELF_EXAMINATION = (
    ("理论学习不够系统深入，学用结合不紧", K.LONG_TERM, None, S.RECTIFYING, "制定年度学习计划，每月一次专题学习"),
    ("支部会议记录不规范，缺少出席人数", K.IMMEDIATE, None, S.VERIFIED, "已补全会议记录，统一使用新版记录本"),
    ("党员活动室宣传资料未及时更新", K.IMMEDIATE, None, S.VERIFIED, "已更换宣传栏内容"),
    ("联系服务群众不够经常，走访居民次数偏少", K.DEADLINE, 30, S.VERIFIED, "建立党员联系居民区制度，每月走访"),
    ("对居民反映的停车难问题回应不及时", K.DEADLINE, 20, S.VERIFIED, "会同居委、物业增设临时停车位"),
    ("部分党员参加志愿服务次数偏少", K.DEADLINE, 45, S.VERIFIED, "组织党员到垃圾分类点值守"),
    ("机关作风建设长效机制有待健全", K.LONG_TERM, None, S.OPEN, ""),
    ("办事指南未在社区事务受理中心公示", K.DEADLINE, 10, S.RECTIFIED, "已张贴办事指南，待核查"),
)


def seed_problems(seeder: Any) -> None:
    owner = seeder.orgs.get(OWNER)
    if owner is None or Problem.objects.filter(title=SELF_EXAMINATION[0][0], owner=owner).exists():
        return
    seeder.log(_("problem list"))
    today = timezone.localdate()
    found = today - datetime.timedelta(days=40)
    branch = PartyOrganization.objects.filter(name=BRANCH).first()
    for title, kind, days, state, done in SELF_EXAMINATION:
        problem = actions.create_problem(
            actor=None, title=title, source=Problem.Source.SELF_EXAMINATION, area=owner.area, owner=owner,
            kind=kind, description="主题教育检视问题", found_on=found,
            deadline=today + datetime.timedelta(days=days) if days is not None else None, origin=branch)
        if state in (S.RECTIFYING, S.RECTIFIED, S.VERIFIED) and kind != K.IMMEDIATE:
            actions.start_rectification(actor=None, problem=problem, measures=done)
        if state in (S.RECTIFIED, S.VERIFIED):
            actions.mark_rectified(actor=None, problem=problem, note=done)
        if state == S.VERIFIED:
            actions.verify_problem(actor=None, problem=problem, note="经支委会核查，整改到位")
