"""The needs part of the Huamu demo (called by core's `seed_demo`, see NeedsConfig.ready).

- a 2020 圆梦 season: wishes of children of several Huamu neighborhoods in
  every state, claimed by resident units (the science museum, the exhibition
  center, the community health center, a mobile operator's branch, the
  entry-exit police) and by an individual;
- a city-wide project claimed by the 北蔡镇 civilization-practice sub-center
  (the cross-region claim);
- service orders (群众点单) in every state, two of them dispatched to the
  street's volunteer association, one of those overdue.

Everything goes through linli.needs.actions, as the pages would. The season's
dates are then moved back to 2020 (timestamps only; the audit trail keeps the
day of seeding). Idempotent: a need already there (same title, same
neighborhood) is left alone.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.models import Area, Person, Role, User
from linli.needs import actions
from linli.needs.models import Claim, Dispatch, Need

S = Need.State
C = Need.Category
V = Need.ValueBand

# (title, category, value band, neighborhood, state, claimant key, shown name, age)
SEASON = (
    ("一套水彩笔和画本", C.STUDY, V.UP_TO_100, "联洋二", S.CLOSED, "museum", "小雨", 9),
    ("去科技馆参观一次", C.EXPERIENCE, V.UP_TO_100, "培花一", S.CLOSED, "museum", "乐乐", 10),
    ("一双跑步鞋", C.SPORTS, V.UP_TO_300, "东城七", S.FULFILLED, "expo", "小杰", 11),
    ("一个新书包", C.STUDY, V.UP_TO_300, "由由二", S.FULFILLED, "mobile", "晨晨", 8),
    ("一套《十万个为什么》", C.BOOKS, V.UP_TO_300, "联洋二", S.CLAIMED, "clinic", "果果", 10),
    ("一个篮球", C.SPORTS, V.UP_TO_100, "牡丹三", S.CLAIMED, "police", "阳阳", 12),
    ("一件冬天的羽绒服", C.CLOTHING, V.UP_TO_500, "培花一", S.CLAIMED, "individual", "妞妞", 7),
    ("一盏学习用的台灯", C.STUDY, V.UP_TO_300, "钦洋一", S.PUBLISHED, None, "豆豆", 9),
    ("一本英汉词典", C.BOOKS, V.UP_TO_100, "联洋二", S.PUBLISHED, None, "小宇", 13),
    ("一套积木", C.OTHER, V.UP_TO_500, "东城二", S.PUBLISHED, None, "贝贝", 6),
    ("去海洋馆看一次海豚", C.EXPERIENCE, V.UP_TO_500, "牡丹一", S.APPROVED, None, "小鱼", 8),
    ("一台电子琴", C.CULTURE, V.UP_TO_1000, "由由一", S.SUBMITTED, None, "琪琪", 11),
    ("一辆自行车", C.SPORTS, V.UP_TO_1000, "培花一", S.DRAFT, None, "浩浩", 12),
    ("一部手机", C.OTHER, V.ABOVE_1000, "东城七", S.REJECTED, None, "小龙", 14),
    ("一套画具", C.STUDY, V.UP_TO_100, "钦洋二", S.WITHDRAWN, None, "甜甜", 9),
)
# Who claims: (demo username, display name, unit) — each unit's liaison claims in its name.
UNIT_LIAISONS = {
    "museum": ("kjg", "上海科技馆联络员", "上海科技馆"),
    "expo": ("expo", "新国际博览中心联络员", "上海新国际博览中心"),
    "clinic": ("clinic", "社区卫生服务中心联络员", "花木社区卫生服务中心"),
    "mobile": ("mobile", "中国移动浦东分公司联络员", "中国移动上海有限公司浦东分公司"),
    "police": ("exitentry", "出入境管理局联络员", "上海市公安局出入境管理局"),
    "beicai": ("beicai", "北蔡镇文明实践分中心联络员", "北蔡镇新时代文明实践分中心"),
}
PROJECT = ("北蔡籍在花木就读儿童圆梦项目", "培花一")
SEASON_DAY = datetime.date(2020, 5, 20)  # the season's 梦想见面会, around 六一

# Service orders, recent: (title, category, neighborhood, state, rating)
ORDERS = (
    ("上门助浴", C.CARE, "联洋二", S.DRAFT, None),
    ("代买常用药", C.HEALTH, "联洋二", S.SUBMITTED, None),
    ("修理厨房水龙头", C.REPAIR, "联洋二", S.APPROVED, None),
    ("陪同去医院复诊", C.CARE, "联洋二", S.DISPATCHED, None),
    ("上门理发", C.CARE, "培花一", "overdue", None),
    ("修理洗衣机", C.REPAIR, "联洋二", S.CLAIMED, None),
    ("送午餐一周", C.DAILY, "培花一", S.FULFILLED, None),
    ("老人房间大扫除", C.DAILY, "联洋二", S.FULFILLED, 4),
    ("上门量血压", C.HEALTH, "联洋二", S.CLOSED, 5),
    ("清理楼道杂物", C.DAILY, "培花一", S.WITHDRAWN, None),
    ("更换楼道灯泡", C.REPAIR, "联洋二", S.REJECTED, None),
)
TEAM = "花木街道志愿者协会"


def seed_needs(seeder: Any) -> None:
    _Needs(seeder).run()


class _Needs:
    def __init__(self, seeder: Any) -> None:
        self.seeder = seeder
        self.rng = random.Random(f"{seeder.seed}:needs")
        self.fake = seeder.fake

    def user(self, username: str) -> User | None:
        return User.objects.filter(username=username).first()

    def liaison(self, key: str) -> User:
        username, display_name, unit = UNIT_LIAISONS[key]
        self.seeder.account(username, display_name, Role.ORGANIZATION_LIAISON, organization=self.seeder.orgs[unit])
        return User.objects.get(username=username)

    def exists(self, title: str, area: Area) -> bool:
        return Need.objects.filter(title=title, neighborhood=area).exists()

    def run(self) -> None:
        self.seeder.log(_("needs and claims"))
        self.seed_season()
        self.seed_project()
        self.seed_orders()

    # 圆梦 -------------------------------------------------------------------------------

    def child(self, shown: str, age: int) -> dict[str, Any]:
        self.fake.seed_instance(f"{self.seeder.seed}:child:{shown}")
        surname = self.fake.last_name()
        born = SEASON_DAY.replace(year=SEASON_DAY.year - age) - datetime.timedelta(days=self.rng.randint(1, 300))
        return {
            "child_name": surname + shown[-1] + self.rng.choice("明华丽强"), "public_name": shown, "birth_date": born,
            "school": self.rng.choice(("花木中心小学", "由由小学", "华林小学")),
            "school_class": f"{min(max(age - 6, 1), 6)}({self.rng.randint(1, 5)})班",
            "guardian_name": surname + self.fake.first_name(),
            "guardian_phone": f"139{self.rng.randint(0, 99_999_999):08d}", "guardian_consent": True,
        }

    def seed_season(self) -> None:
        for title, category, band, nbhd_name, state, claimant, shown, age in SEASON:
            nbhd = self.seeder.areas[nbhd_name]
            if self.exists(title, nbhd):
                continue
            need = actions.create_need(actor=None, kind=Need.Kind.WISH, title=title, category=category,
                                       value_band=band, neighborhood=nbhd, wish=self.child(shown, age),
                                       description=f"{shown}的心愿：{title}。")
            self.seeder.result.created["needs"] += 1
            self.walk(need, state, claimant, scope=Need.Scope.CITY)
            self.backdate(need)

    def walk(self, need: Need, state: str, claimant: str | None, *, scope: str) -> None:
        """Take `need` through the lifecycle as far as `state`."""
        if state == S.DRAFT:
            return
        actions.submit_need(actor=None, need=need)
        if state == S.SUBMITTED:
            return
        if state == S.REJECTED:
            actions.reject_need(actor=None, need=need, reason="超出微心愿的价值范围，请与家长商量后重新填写。")
            return
        actions.approve_need(actor=None, need=need)
        if state == S.APPROVED:
            return
        if state == S.WITHDRAWN:
            actions.withdraw_need(actor=None, need=need, reason="家庭情况好转，已自行解决。")
            return
        actions.publish_need(actor=None, need=need, scope=scope)
        if state == S.PUBLISHED:
            return
        actor = self.user("volunteer") if claimant == "individual" else self.liaison(claimant or "museum")
        if actor is None or (claimant == "individual" and actor.person_id is None):
            return
        organization = None if claimant == "individual" else self.seeder.orgs[UNIT_LIAISONS[claimant or ""][2]]
        actions.claim_need(actor=actor, need=need, organization=organization)
        if state == S.CLAIMED:
            return
        actions.record_fulfilment(actor=None, need=need, fulfilled_on=timezone.localdate(), event="2020年梦想见面会")
        actions.add_handover_item(actor=None, need=need, name=need.title.removeprefix("一套").removeprefix("一个"))
        if state == S.FULFILLED:
            return
        actions.record_thanks(actor=None, need=need, text="谢谢叔叔阿姨，我会好好学习！")
        actions.close_need(actor=None, need=need)

    def backdate(self, need: Need) -> None:
        """The season happened in spring 2020: move each step's time back (the audit trail keeps today's)."""
        def at(day: datetime.date, hour: int) -> datetime.datetime:
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

        need.refresh_from_db()
        fields: dict[str, Any] = {"created_at": at(SEASON_DAY - datetime.timedelta(days=40), 9)}
        steps = (("submitted_at", 35), ("published_at", 30), ("claimed_at", 30 - self.rng.randint(1, 12)))
        for name, days in steps:
            if getattr(need, name) is not None:
                fields[name] = at(SEASON_DAY - datetime.timedelta(days=days), 10)
        if need.fulfilled_on is not None:
            fields["fulfilled_on"] = SEASON_DAY
        if need.closed_at is not None:
            fields["closed_at"] = at(SEASON_DAY + datetime.timedelta(days=10), 16)
        Need.objects.filter(pk=need.pk).update(**fields)
        if "claimed_at" in fields:
            Claim.objects.filter(need=need).update(created_at=fields["claimed_at"])

    def seed_project(self) -> None:
        title, nbhd_name = PROJECT
        nbhd = self.seeder.areas[nbhd_name]
        if self.exists(title, nbhd):
            return
        need = actions.create_need(
            actor=None, kind=Need.Kind.PROJECT, title=title, category=C.CULTURE, value_band=V.ABOVE_1000,
            neighborhood=nbhd, description="家住北蔡、在花木上学的孩子们的一批微心愿，发布到市文明实践平台，"
                                           "由北蔡镇新时代文明实践分中心整体认领。")
        self.seeder.result.created["needs"] += 1
        self.walk(need, S.FULFILLED, "beicai", scope=Need.Scope.CITY)
        self.backdate(need)

    # 群众点单 ----------------------------------------------------------------------------------

    def requester(self, nbhd: Area, index: int) -> Person | None:
        people = Person.objects.filter(neighborhood=nbhd).order_by("id")
        return people[index % max(people.count(), 1)] if people.exists() else None

    def seed_orders(self) -> None:
        team = self.seeder.orgs[TEAM]
        self.seeder.account("helper", "志愿者协会志愿者", Role.VOLUNTEER, organization=team)
        helper = User.objects.get(username="helper")
        staff = self.user("ly2staff")
        now = timezone.now()
        for index, (title, category, nbhd_name, state, rating) in enumerate(ORDERS):
            nbhd = self.seeder.areas[nbhd_name]
            requester = self.requester(nbhd, index * 7)
            if self.exists(title, nbhd) or requester is None:
                continue
            start = (now + datetime.timedelta(days=index % 4 + 1)).replace(minute=0, second=0, microsecond=0)
            need = actions.create_need(
                actor=None, kind=Need.Kind.SERVICE, title=title, category=category, neighborhood=nbhd,
                requester=requester, place=requester.address or f"{nbhd.name}居委会",
                window_start=start, window_end=start + datetime.timedelta(hours=2),
            )
            self.seeder.result.created["needs"] += 1
            if state == S.DRAFT:
                continue
            actions.submit_need(actor=None, need=need)
            if state == S.SUBMITTED:
                continue
            if state == S.REJECTED:
                actions.reject_need(actor=None, need=need, reason="属于物业维修范围，已转物业公司处理。")
                continue
            actions.approve_need(actor=None, need=need)
            if state == S.APPROVED:
                continue
            dispatch = actions.dispatch_need(actor=None, need=need, organization=team,
                                             deadline=start + datetime.timedelta(hours=2))
            if state == S.WITHDRAWN:
                actions.withdraw_need(actor=None, need=need, reason="居民家属已陪同处理。")
                continue
            if state == "overdue":
                # Dispatched three days ago, due yesterday, nobody accepted it: the board shows it first.
                Dispatch.objects.filter(pk=dispatch.pk).update(created_at=now - datetime.timedelta(days=3),
                                                               deadline=now - datetime.timedelta(days=1))
                continue
            if state == S.DISPATCHED:
                continue
            actions.accept_dispatch(actor=helper, dispatch=dispatch)
            if state == S.CLAIMED:
                continue
            actions.record_fulfilment(actor=None, need=need, fulfilled_on=timezone.localdate())
            if rating is not None and staff is not None:
                actions.rate_service(actor=staff, need=need, rating=rating, comment="志愿者很耐心，谢谢！")
            if state == S.CLOSED:
                actions.close_need(actor=None, need=need)
