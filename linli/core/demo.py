"""The Huamu demo: a believable street to click through, seeded by `linli seed_demo`.

Names, places and units come from the customer's own newsletter (花木街道, its
six communities, 联洋二, 培花一, 东城七, 牡丹四, the street's departments, the
resident units that fund the 圆梦 wishes, 北蔡镇's civilization-practice
sub-center). Every person is synthetic: Faker's zh_CN surname and given-name
lists, and ID numbers built with a valid GB 11643 check character that belong
to no one.

Every record except the bulk of the residents is written through
`linli.core.actions` with actor=None (the system), so the demo carries the
same audit trail a real street would. Residents are bulk-inserted per
neighborhood, with one `core.demo_seeded` audit event per batch, because
several thousand single-row actions would make `linli demo` slow to start.

Idempotent: each record is looked up by its natural key (area code,
organization name within its area, party organization name and place,
person position, username) before it is created, and a neighborhood that
already has residents gets no more. `linli demo` runs this at every start.

Deterministic: each neighborhood draws from its own random generator seeded
with the demo seed and the neighborhood's code, so a fresh database always
gets the same residents, whatever else already exists.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.translation import gettext as _
from faker import Faker

from linli.core import actions, audit
from linli.core.models import (
    Area,
    Organization,
    PartyMembership,
    PartyOrganization,
    Person,
    Role,
    RoleAssignment,
    User,
)
from linli.core.validators import id_check_character

DEMO_PASSWORD = "linli-demo"
DEFAULT_PEOPLE = 3000
DEFAULT_SEED = 20191106  # the day the Chengdu delegation visited 联洋社区

# Ages and dates are computed from a fixed day, not today, so that the demo
# looks the same whenever it is seeded (and no birth date is ever in the future).
REFERENCE_DATE = datetime.date(2025, 1, 1)

# Every neighborhood gets at least this many residents, so that each one has
# a branch secretary, a volunteer and a staff member to show.
MIN_PER_NEIGHBORHOOD = 3

L = Area.Level
K = Organization.Kind
P = PartyOrganization.Level

CITY = ("310000", "上海市")
DISTRICT = ("310115", "浦东新区")
HUAMU = ("310115009", "花木街道")
BEICAI = ("310115124", "北蔡镇")


@dataclass(frozen=True)
class CommunitySpec:
    code: str
    name: str
    roads: tuple[str, ...]  # for synthetic addresses
    neighborhoods: tuple[str, ...]
    property_brand: str = ""

    def neighborhood_code(self, index: int) -> str:
        # Statistical codes of residents' committees: the community's block
        # of the subdistrict code, then a two-digit serial (310115009102 = 联洋二).
        return f"{self.code[:-2]}{index + 1:02d}"


HUAMU_COMMUNITIES = (
    CommunitySpec("310115009100", "联洋社区", ("芳甸路", "樱花路", "长柳路", "白杨路"),
                  ("联洋一", "联洋二", "联洋三", "联洋四", "联洋五", "联洋六", "樱花", "锦绣", "御景"),
                  "上海联洋物业管理有限公司"),
    CommunitySpec("310115009200", "培花社区", ("梅花路", "玉兰路", "海桐路"),
                  ("培花一", "培花二", "培花三", "培花四", "梅花", "海桐", "玉兰", "芳华"),
                  "上海培花物业管理有限公司"),
    CommunitySpec("310115009300", "东城社区", ("东绣路", "花木路", "丁香路"),
                  ("东城一", "东城二", "东城三", "东城四", "东城五", "东城六", "东城七", "东城八", "东城九"),
                  "上海东城物业服务有限公司"),
    CommunitySpec("310115009400", "牡丹社区", ("牡丹路", "紫薇路", "合欢路"),
                  ("牡丹一", "牡丹二", "牡丹三", "牡丹四", "牡丹五", "牡丹六", "牡丹七", "紫薇"),
                  "上海牡丹物业管理有限公司"),
    CommunitySpec("310115009500", "钦洋社区", ("锦尊路", "银霄路", "芳草路"),
                  ("钦洋一", "钦洋二", "钦洋三", "明月", "花木苑", "石门", "金桥湾"),
                  "上海钦洋物业服务有限公司"),
    CommunitySpec("310115009600", "由由社区", ("民生路", "杨高中路", "锦绣路"),
                  ("由由一", "由由二", "由由三", "由由四", "由由五", "大唐", "锦华", "龙沟", "古桐"),
                  "上海由由物业管理有限公司"),
)
BEICAI_COMMUNITIES = (
    CommunitySpec("310115124100", "北蔡社区", ("莲溪路", "沪南路"), ("莲溪一", "莲溪二", "北蔡一")),
    CommunitySpec("310115124200", "御桥社区", ("御桥路", "御青路"), ("御桥一", "御桥二")),
)

# The neighborhoods the demo accounts and the newsletter talk about get a few
# hundred residents each, so their lists are worth paging through.
FEATURED_SHARE = {"联洋二": 0.10, "培花一": 0.10}
# 北蔡镇 is only there for cross-region work; a handful of residents each.
BEICAI_SHARE = 0.01

# Garbage-sorting volunteer teams: the newsletter's four neighborhoods, plus
# every third one elsewhere.
GARBAGE_TEAM_NEIGHBORHOODS = frozenset({"联洋二", "培花一", "东城七", "牡丹四"})


@dataclass(frozen=True)
class OrgSpec:
    name: str
    kind: str
    area: str  # an area name from the tree above
    positions: tuple[str, ...]


STREET_ORGANIZATIONS = (
    OrgSpec("花木街道办事处", K.AGENCY, "花木街道", ("科员", "办事员", "副科长")),
    OrgSpec("花木街道社区党群服务中心", K.PUBLIC_INSTITUTION, "花木街道", ("党务工作者", "社工")),
    # The joint-enforcement departments of the gas-safety 回头看 (消防, 公安,
    # 市场所, 燃气所, 社区管理办, 城管, 安监).
    OrgSpec("花木消防救援站", K.DEPARTMENT, "花木街道", ("消防员", "防火监督员")),
    OrgSpec("花木派出所", K.DEPARTMENT, "花木街道", ("社区民警", "辅警")),
    OrgSpec("花木市场监督管理所", K.DEPARTMENT, "花木街道", ("执法人员",)),
    OrgSpec("花木燃气管理所", K.DEPARTMENT, "花木街道", ("安检员",)),
    OrgSpec("花木街道社区管理办", K.DEPARTMENT, "花木街道", ("科员",)),
    OrgSpec("花木城管中队", K.DEPARTMENT, "花木街道", ("城管队员",)),
    OrgSpec("花木街道安全生产监督管理所", K.DEPARTMENT, "花木街道", ("安监员",)),
    OrgSpec("花木学生社区实践指导站", K.PUBLIC_INSTITUTION, "花木街道", ("指导老师",)),
    OrgSpec("联洋社区境外人员服务站", K.PUBLIC_INSTITUTION, "联洋社区", ("工作人员", "翻译")),
    OrgSpec("花木街道志愿者协会", K.VOLUNTEER_TEAM, "花木街道", ("专职干事",)),
    # Resident units (驻区单位) that fund wishes and send party members.
    OrgSpec("花木社区卫生服务中心", K.RESIDENT_UNIT, "东城社区", ("医生", "护士", "药剂师")),
    OrgSpec("上海科技馆", K.RESIDENT_UNIT, "联洋社区", ("讲解员", "职员")),
    OrgSpec("上海新国际博览中心", K.RESIDENT_UNIT, "由由社区", ("职员", "工程师")),
    OrgSpec("中国移动上海有限公司浦东分公司", K.RESIDENT_UNIT, "钦洋社区", ("客户经理", "工程师")),
    OrgSpec("中国浦东干部学院", K.RESIDENT_UNIT, "联洋社区", ("教师", "职员")),
    OrgSpec("上海市公安局出入境管理局", K.RESIDENT_UNIT, "由由社区", ("警官",)),
    OrgSpec("花木中心小学", K.SCHOOL, "东城社区", ("教师", "班主任")),
    OrgSpec("由由小学", K.SCHOOL, "由由社区", ("教师", "班主任")),
    OrgSpec("华林小学", K.SCHOOL, "培花社区", ("教师", "班主任")),
    # Two-new organizations (两新组织): non-public enterprises and social organizations.
    OrgSpec("上海牡丹餐饮管理有限公司", K.PRIVATE_ENTERPRISE, "牡丹社区", ("厨师", "店长", "服务员")),
    OrgSpec("上海培花信息科技有限公司", K.PRIVATE_ENTERPRISE, "培花社区", ("程序员", "产品经理")),
    OrgSpec("上海东城商贸有限公司", K.PRIVATE_ENTERPRISE, "东城社区", ("销售", "会计")),
    OrgSpec("花木社区睦邻服务社", K.SOCIAL_ORGANIZATION, "花木街道", ("社工",)),
    OrgSpec("东城七温馨沙龙", K.SOCIAL_ORGANIZATION, "东城七", ("组织者",)),
    # The sub-center that claimed a 圆梦 project across the subdistrict border.
    OrgSpec("北蔡镇新时代文明实践分中心", K.PUBLIC_INSTITUTION, "北蔡镇", ("工作人员",)),
)
PROPERTY_POSITIONS = ("项目经理", "客服", "保安", "保洁员", "维修工")

# Party branches attached to units (org name, branch name).
UNIT_BRANCHES = (
    ("花木街道办事处", "花木街道机关党支部"),
    ("花木街道社区党群服务中心", "花木街道社区党群服务中心党支部"),
    ("花木社区卫生服务中心", "花木社区卫生服务中心党支部"),
    ("花木中心小学", "花木中心小学党支部"),
    ("上海牡丹餐饮管理有限公司", "上海牡丹餐饮管理有限公司党支部"),
)

# Street officials, created one by one: (works at, position, party
# organization they belong to, party organization they are secretary of).
STREET_OFFICIALS = (
    ("花木街道办事处", "党工委书记", "花木街道机关党支部", "花木街道党工委"),
    ("花木街道办事处", "党工委副书记", "花木街道机关党支部", "花木街道机关党支部"),
    ("花木街道办事处", "党工委委员、办事处副主任", "花木街道机关党支部", None),
    ("花木街道社区党群服务中心", "主任", "花木街道社区党群服务中心党支部", "花木街道社区党群服务中心党支部"),
    ("上海培花信息科技有限公司", "两新组织联合党支部书记", "花木街道两新组织联合党支部", "花木街道两新组织联合党支部"),
)

# Where synthetic ID numbers say people were registered: Pudong mostly, the
# rest of Shanghai, and the provinces people moved from.
_ID_REGIONS = (
    ("310115", 45),
    ("310101", 4), ("310104", 4), ("310105", 3), ("310106", 4), ("310107", 3), ("310109", 4),
    ("310110", 4), ("310112", 4),
    ("320102", 2), ("320583", 2), ("330106", 2), ("340104", 3), ("360102", 2), ("410105", 3),
    ("420106", 2), ("430104", 2), ("510107", 2), ("370102", 2), ("350102", 2), ("230103", 1),
)
_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "173", "177", "180", "181", "182", "185", "186", "187", "188",
    "189", "191", "199",
)
# (youngest, oldest, weight): Huamu's population is older than average.
_AGE_BANDS = ((0, 17, 14), (18, 34, 20), (35, 59, 36), (60, 95, 30))


def make_id_number(birth: datetime.date, *, region: str, sequence: int) -> str:
    """A synthetic GB 11643 ID number: region, birth date, the three-digit
    sequence (odd last digit for a man, even for a woman), check character."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)


class PersonGenerator:
    """Synthetic residents, reproducible from a seed string."""

    def __init__(self, seed: str, used_ids: set[str], fake: Faker | None = None) -> None:
        self.rng = random.Random(seed)
        self.fake = fake or Faker("zh_CN")  # building a Faker costs milliseconds; reseeding one is free
        self.fake.seed_instance(seed)
        self.used_ids = used_ids  # shared, so that no two people get the same ID number

    def age(self, youngest: int = 0, oldest: int = 95) -> int:
        bands = [(max(lo, youngest), min(hi, oldest), w) for lo, hi, w in _AGE_BANDS if lo <= oldest and hi >= youngest]
        lo, hi, _w = self.rng.choices(bands, weights=[b[2] for b in bands])[0]
        return self.rng.randint(lo, hi)

    def fields(self, *, address: str, youngest: int = 0, oldest: int = 95) -> dict[str, Any]:
        rng = self.rng
        male = rng.random() < 0.48
        age = self.age(youngest, oldest)
        birth = REFERENCE_DATE - datetime.timedelta(days=age * 365 + age // 4 + rng.randint(1, 364))
        region = rng.choices([r for r, _w in _ID_REGIONS], weights=[w for _r, w in _ID_REGIONS])[0]
        while True:
            sequence = rng.randrange(100) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
            id_number = make_id_number(birth, region=region, sequence=sequence)
            if id_number not in self.used_ids:
                break
            birth -= datetime.timedelta(days=1)  # a neighbour born a day earlier: always a free number eventually
        self.used_ids.add(id_number)
        given = self.fake.first_name_male() if male else self.fake.first_name_female()
        if age < 14:
            phone = ""  # children have no phone of their own on file
        elif age >= 75 and rng.random() < 0.25:
            phone = f"021-5{rng.randint(0, 9999999):07d}"
        else:
            phone = rng.choice(_MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}"
        return {
            "name": self.fake.last_name() + given,
            "gender": Person.Gender.MALE if male else Person.Gender.FEMALE,
            "birth_date": birth,
            "id_number": id_number,
            "phone": phone,
            "address": address,
        }

    def joined_party_on(self, birth: datetime.date) -> datetime.date:
        earliest = birth + datetime.timedelta(days=18 * 366)
        span = max((REFERENCE_DATE - earliest).days, 1)
        return earliest + datetime.timedelta(days=self.rng.randrange(span))


@dataclass
class DemoAccount:
    username: str
    display_name: str
    role: str
    scope: str
    created: bool


@dataclass
class SeedResult:
    created: Counter[str] = field(default_factory=Counter)
    accounts: list[DemoAccount] = field(default_factory=list)
    seconds: float = 0.0


def resident_counts(total: int, neighborhoods: list[tuple[str, str]], seed: int) -> dict[str, int]:
    """How many residents each neighborhood (code, name) gets out of `total`."""
    rng = random.Random(f"{seed}:counts")
    counts: dict[str, int] = {}
    rest: list[str] = []
    for code, name in neighborhoods:
        if name in FEATURED_SHARE:
            counts[code] = round(total * FEATURED_SHARE[name])
        elif not code.startswith(HUAMU[0]):
            counts[code] = round(total * BEICAI_SHARE)
        else:
            rest.append(code)
    remaining = max(total - sum(counts.values()), 0)
    weights = [rng.uniform(0.7, 1.3) for _code in rest]
    for code, w in zip(rest, weights, strict=True):
        counts[code] = round(remaining * w / sum(weights))
    return {code: max(n, MIN_PER_NEIGHBORHOOD) for code, n in counts.items()}


# Apps that add their own demo records after core's register a hook here (NeedsConfig.ready does):
# each is called with the seeder (its areas, organizations and account() by name) inside the same
# transaction, and must be as idempotent as the rest.
DEMO_HOOKS: list[Callable[[Any], None]] = []


class _Seeder:
    def __init__(self, *, people: int, seed: int, log: Callable[[str], None]) -> None:
        self.password_hash: str | None = None
        self.people = people
        self.seed = seed
        self.log = log
        self.fake = Faker("zh_CN")
        self.result = SeedResult()
        self.areas: dict[str, Area] = {}  # by name; names are unique within the demo tree
        self.roads: dict[str, tuple[str, ...]] = {}  # area name -> roads for addresses in it
        self.orgs: dict[str, Organization] = {}  # by name
        self.property_company: dict[str, Organization] = {}  # by neighborhood name
        self.garbage_team: dict[str, Organization] = {}  # by neighborhood name
        self.parties: dict[str, PartyOrganization] = {}  # by name
        self.branch_of: dict[str, PartyOrganization] = {}  # neighborhood name -> its branch
        # `is not None` again: values_list() types the nullable column as str | None.
        self.used_ids: set[str] = {
            i for i in Person.objects.exclude(id_number=None).values_list("id_number", flat=True) if i is not None
        }

    def generator(self, key: str) -> PersonGenerator:
        return PersonGenerator(f"{self.seed}:{key}", self.used_ids, self.fake)

    # Areas ------------------------------------------------------------------

    def area(self, code: str, name: str, level: str, parent: Area | None) -> Area:
        area = Area.objects.filter(code=code).first()
        if area is None:
            area = actions.create_area(actor=None, code=code, name=name, level=level, parent=parent)
            self.result.created["areas"] += 1
        self.areas[name] = area
        return area

    def seed_areas(self) -> None:
        self.log(_("areas"))
        city = self.area(*CITY, L.CITY, None)
        district = self.area(*DISTRICT, L.DISTRICT, city)
        for sub, communities in ((HUAMU, HUAMU_COMMUNITIES), (BEICAI, BEICAI_COMMUNITIES)):
            subdistrict = self.area(*sub, L.SUBDISTRICT, district)
            self.roads[sub[1]] = tuple(road for c in communities for road in c.roads)
            for c in communities:
                community = self.area(c.code, c.name, L.COMMUNITY, subdistrict)
                self.roads[c.name] = c.roads
                for i, name in enumerate(c.neighborhoods):
                    self.area(c.neighborhood_code(i), name, L.NEIGHBORHOOD, community)
                    self.roads[name] = c.roads

    def neighborhoods(self) -> Iterable[tuple[CommunitySpec, int, Area]]:
        for c in (*HUAMU_COMMUNITIES, *BEICAI_COMMUNITIES):
            for i, name in enumerate(c.neighborhoods):
                yield c, i, self.areas[name]

    def address(self, rng: random.Random, area_name: str) -> str:
        return (f"{rng.choice(self.roads[area_name])}{rng.randint(50, 1999)}弄"
                f"{rng.randint(1, 40)}号{rng.randint(1, 18)}{rng.randint(1, 4):02d}室")

    # Organizations ----------------------------------------------------------

    def organization(self, name: str, kind: str, area: Area) -> Organization:
        org = Organization.objects.filter(name=name, area=area).first()
        if org is None:
            key = f"{self.seed}:org:{name}"
            rng = random.Random(key)
            self.fake.seed_instance(key)
            org = actions.create_organization(
                actor=None, name=name, kind=kind, area=area,
                address=f"{rng.choice(self.roads[area.name])}{rng.randint(1, 2000)}号",
                contact_name=self.fake.last_name() + self.fake.first_name(),
                contact_phone=f"021-5{rng.randint(0, 9999999):07d}",
            )
            self.result.created["organizations"] += 1
        self.orgs[name] = org
        return org

    def seed_organizations(self) -> None:
        self.log(_("organizations"))
        for spec in STREET_ORGANIZATIONS:
            self.organization(spec.name, spec.kind, self.areas[spec.area])
        for c, i, nbhd in self.neighborhoods():
            if c.property_brand:
                self.property_company[nbhd.name] = self.organization(
                    f"{c.property_brand}{nbhd.name}项目部", K.PROPERTY_COMPANY, nbhd)
            if c in HUAMU_COMMUNITIES and (nbhd.name in GARBAGE_TEAM_NEIGHBORHOODS or i % 3 == 0):
                self.garbage_team[nbhd.name] = self.organization(
                    f"{nbhd.name}垃圾分类志愿者队", K.VOLUNTEER_TEAM, nbhd)

    # Party organizations ----------------------------------------------------

    def party(self, name: str, level: str, parent: PartyOrganization | None, *,
              area: Area | None = None, organization: Organization | None = None) -> PartyOrganization:
        party = PartyOrganization.objects.filter(name=name, area=area, organization=organization).first()
        if party is None:
            party = actions.create_party_organization(
                actor=None, name=name, level=level, parent=parent, area=area, organization=organization)
            self.result.created["party_organizations"] += 1
        self.parties[name] = party
        return party

    @staticmethod
    def community_party_name(c: CommunitySpec) -> str:
        # Under a working committee a community has a party committee; under
        # a town's party committee, a general branch.
        return f"{c.name}党委" if c in HUAMU_COMMUNITIES else f"{c.name}党总支"

    def seed_party_organizations(self) -> None:
        self.log(_("party organizations"))
        committee = self.party("花木街道党工委", P.WORKING_COMMITTEE, None, area=self.areas[HUAMU[1]])
        beicai = self.party("北蔡镇党委", P.COMMITTEE, None, area=self.areas[BEICAI[1]])
        for c in (*HUAMU_COMMUNITIES, *BEICAI_COMMUNITIES):
            community = self.party(self.community_party_name(c), *(
                (P.COMMITTEE, committee) if c in HUAMU_COMMUNITIES else (P.GENERAL_BRANCH, beicai)
            ), area=self.areas[c.name])
            for name in c.neighborhoods:
                self.branch_of[name] = self.party(f"{name}居民区党支部", P.BRANCH, community, area=self.areas[name])
        for org_name, branch in UNIT_BRANCHES:
            self.party(branch, P.BRANCH, committee, organization=self.orgs[org_name])
        self.party("花木街道两新组织联合党支部", P.BRANCH, committee, area=self.areas[HUAMU[1]])

    # Residents --------------------------------------------------------------

    def staff_pools(self) -> dict[str, list[tuple[Organization, tuple[str, ...], int]]]:
        """Where residents may work, by subdistrict path: the units of their
        own subdistrict (their neighborhood's property company is added per
        neighborhood, with a higher weight)."""
        pools: dict[str, list[tuple[Organization, tuple[str, ...], int]]] = {}
        for sub in (HUAMU, BEICAI):
            path = self.areas[sub[1]].path
            pools[path] = [(self.orgs[spec.name], spec.positions, 1) for spec in STREET_ORGANIZATIONS
                           if self.areas[spec.area].path.startswith(path)]
        return pools

    def seed_residents(self) -> None:
        self.log(_("residents"))
        all_nbhds = list(self.neighborhoods())
        counts = resident_counts(self.people, [(a.code, a.name) for _c, _i, a in all_nbhds], self.seed)
        # order_by(): the model's default ordering would otherwise leak into DISTINCT.
        populated = set(Person.objects.order_by().values_list("neighborhood_id", flat=True).distinct())
        pools = self.staff_pools()
        for _c, _i, nbhd in all_nbhds:
            if nbhd.pk in populated:
                continue
            pool = next(p for path, p in pools.items() if nbhd.path.startswith(path))
            if nbhd.name in self.property_company:
                pool = [(self.property_company[nbhd.name], PROPERTY_POSITIONS, 6), *pool]
            self.seed_neighborhood(nbhd, counts[nbhd.code], pool)

    def seed_neighborhood(self, nbhd: Area, count: int,
                          pool: list[tuple[Organization, tuple[str, ...], int]]) -> None:
        gen = self.generator(nbhd.code)
        rng = gen.rng
        road = rng.choice(self.roads[nbhd.name])
        lane = rng.randint(50, 1999)
        people: list[Person] = []
        members: list[int] = []  # indexes into people
        for n in range(count):
            address = f"{road}{lane}弄{rng.randint(1, 40)}号{rng.randint(1, 18)}{rng.randint(1, 4):02d}室"
            # The first three are who every neighborhood needs on screen: the
            # branch secretary, a volunteer, and someone working at a local unit.
            if n == 0:
                fields = gen.fields(address=address, youngest=35, oldest=60)
                fields.update(position="居民区党支部书记", is_volunteer=True)
                members.append(n)
            elif n == 1:
                fields = gen.fields(address=address, youngest=18, oldest=70)
                fields["is_volunteer"] = True
            else:
                fields = gen.fields(address=address, youngest=25 if n == 2 else 0, oldest=55 if n == 2 else 95)
                age = (REFERENCE_DATE - fields["birth_date"]).days // 365
                member = age >= 18 and rng.random() < 0.13
                if member:
                    members.append(n)
                # party members volunteer more often than others
                fields["is_volunteer"] = age >= 14 and rng.random() < (0.35 if member else 0.10)
                workplace = None
                if n == 2:
                    workplace = pool[0]  # the property company, where there is one
                elif 20 <= age <= 60 and rng.random() < 0.10:
                    workplace = rng.choices(pool, weights=[weight for _org, _positions, weight in pool])[0]
                if workplace is not None:
                    fields.update(organization=workplace[0], position=rng.choice(workplace[1]))
            person = Person(neighborhood=nbhd, **fields)
            person.fill_derived_fields()
            people.append(person)
        people = Person.objects.bulk_create(people)
        branch = self.branch_of[nbhd.name]
        for n in members:
            status = PartyMembership.Status.PROBATIONARY if rng.random() < 0.04 else PartyMembership.Status.FULL
            birth = people[n].birth_date
            assert birth is not None  # gen.fields() always gives one
            actions.set_party_membership(actor=None, person=people[n], party_organization=branch,
                                         status=status, joined_on=gen.joined_party_on(birth))
        if branch.secretary_id is None:
            actions.update_party_organization(actor=None, party_organization=branch, secretary=people[0])
        audit.record(actor=None, action="core.demo_seeded", data={
            "neighborhood": nbhd.name, "code": nbhd.code, "people": len(people),
            "party_members": len(members), "volunteers": sum(p.is_volunteer for p in people),
        })
        self.result.created["people"] += len(people)
        self.result.created["party_members"] += len(members)
        self.result.created["volunteers"] += sum(p.is_volunteer for p in people)

    # Officials: the secretaries of the upper party organizations -----------

    def official(self, *, position: str, organization: Organization | None, lives_in: Area,
                 member_of: PartyOrganization, secretary_of: PartyOrganization | None) -> Person:
        """A named office holder, created once (found again by position and
        unit), made secretary of `secretary_of` if that has none yet."""
        person = Person.objects.filter(position=position, organization=organization).first()
        if person is None:
            gen = self.generator(f"official:{organization or ''}:{position}")
            fields = gen.fields(address=self.address(gen.rng, lives_in.name), youngest=38, oldest=58)
            person = actions.create_person(actor=None, neighborhood=lives_in, organization=organization,
                                           position=position, **fields)
            assert person.birth_date is not None  # gen.fields() always gives one
            actions.set_party_membership(actor=None, person=person, party_organization=member_of,
                                         joined_on=gen.joined_party_on(person.birth_date))
            self.result.created["people"] += 1
            self.result.created["party_members"] += 1
        if secretary_of is not None and secretary_of.secretary_id is None:
            actions.update_party_organization(actor=None, party_organization=secretary_of, secretary=person)
        return person

    def seed_officials(self) -> None:
        self.log(_("officials"))
        rng = random.Random(f"{self.seed}:officials")
        huamu_nbhds = [a for c, _i, a in self.neighborhoods() if c in HUAMU_COMMUNITIES]
        for org_name, position, member_of, secretary_of in STREET_OFFICIALS:
            self.official(position=position, organization=self.orgs[org_name], lives_in=rng.choice(huamu_nbhds),
                          member_of=self.parties[member_of],
                          secretary_of=self.parties[secretary_of] if secretary_of else None)
        for c in (*HUAMU_COMMUNITIES, *BEICAI_COMMUNITIES):
            party = self.parties[self.community_party_name(c)]
            self.official(position=f"{party.name}书记", organization=None,
                          lives_in=self.areas[rng.choice(c.neighborhoods)], member_of=party, secretary_of=party)
        beicai = self.parties["北蔡镇党委"]
        self.official(position="北蔡镇党委书记", organization=None,
                      lives_in=self.areas[BEICAI_COMMUNITIES[0].neighborhoods[0]], member_of=beicai,
                      secretary_of=beicai)
        for org_name, branch_name in UNIT_BRANCHES:
            branch = self.parties[branch_name]
            if branch.secretary_id is None:
                self.official(position="党支部书记", organization=self.orgs[org_name],
                              lives_in=rng.choice(huamu_nbhds), member_of=branch, secretary_of=branch)

    # Accounts ---------------------------------------------------------------

    def account(self, username: str, display_name: str, role: str, *, area: Area | None = None,
                organization: Organization | None = None, person: Person | None = None,
                is_staff: bool = False) -> None:
        user = User.objects.filter(username=username).first()
        created = user is None
        if user is None:
            if person is not None:
                display_name = f"{display_name} {person.name}"
            if self.password_hash is None:  # PBKDF2 once, not once per account
                self.password_hash = make_password(DEMO_PASSWORD)
            user = actions.create_user(actor=None, username=username, password=None, password_hash=self.password_hash,
                                       display_name=display_name, person=person, is_staff=is_staff,
                                       is_superuser=is_staff)
            actions.assign_role(actor=None, user=user, role=role, area=area, organization=organization)
            self.result.created["accounts"] += 1
        if any(a.username == username for a in self.result.accounts):
            return  # asked for again (a module's hook reuses an account): listed once, as first seen
        scope = area or organization
        self.result.accounts.append(DemoAccount(
            username=username, display_name=str(user), role=role, scope=str(scope) if scope else "", created=created,
        ))

    def unlinked(self, qs: Any) -> Person | None:
        """The first person of `qs` without an account (a person has at most one)."""
        return qs.filter(account__isnull=True).order_by("id").first()

    def seed_accounts(self) -> None:
        self.log(_("accounts"))
        a = self.areas
        ly2_property = self.property_company["联洋二"]
        self.account("admin", "平台管理员", Role.PLATFORM_ADMIN, is_staff=True)
        self.account("pudong", "浦东新区干部", Role.DISTRICT_STAFF, area=a[DISTRICT[1]])
        self.account("huamu", "花木街道干部", Role.SUBDISTRICT_STAFF, area=a[HUAMU[1]])
        self.account("lianyang", "联洋社区干部", Role.COMMUNITY_STAFF, area=a["联洋社区"])
        for username, nbhd in (("ly2", "联洋二"), ("ph1", "培花一")):
            secretary_id = self.branch_of[nbhd].secretary_id
            # filter(pk=None) would match no one; none() says so without a query.
            secretary = Person.objects.filter(pk=secretary_id) if secretary_id is not None else Person.objects.none()
            self.account(username, f"{nbhd}书记", Role.NEIGHBORHOOD_SECRETARY, area=a[nbhd],
                         person=self.unlinked(secretary))
        self.account("ly2staff", "联洋二社工", Role.NEIGHBORHOOD_STAFF, area=a["联洋二"])
        self.account("liaison", "联洋二物业联络员", Role.ORGANIZATION_LIAISON, organization=ly2_property,
                     person=self.unlinked(Person.objects.filter(organization=ly2_property)))
        self.account("volunteer", "联洋二志愿者", Role.VOLUNTEER, organization=self.garbage_team["联洋二"],
                     person=self.unlinked(Person.objects.filter(neighborhood=a["联洋二"], is_volunteer=True)))

    def run(self) -> SeedResult:
        started = time.monotonic()
        with transaction.atomic():
            self.seed_areas()
            self.seed_organizations()
            self.seed_party_organizations()
            self.seed_residents()
            self.seed_officials()
            self.seed_accounts()
            for hook in DEMO_HOOKS:
                hook(self)
        self.result.seconds = time.monotonic() - started
        return self.result


def seed_demo(*, people: int = DEFAULT_PEOPLE, seed: int = DEFAULT_SEED,
              log: Callable[[str], None] | None = None) -> SeedResult:
    """Seed (or complete) the Huamu demo. Safe to run again: what exists is left alone.

    `log` receives the name of each step as it starts (for progress output).
    """
    return _Seeder(people=people, seed=seed, log=log or (lambda _step: None)).run()


def demo_totals() -> dict[str, int]:
    """What the database holds now, for the summary."""
    return {
        "areas": Area.objects.count(),
        "organizations": Organization.objects.count(),
        "party_organizations": PartyOrganization.objects.count(),
        "people": Person.objects.count(),
        "party_members": PartyMembership.objects.count(),
        "volunteers": Person.objects.filter(is_volunteer=True).count(),
        "accounts": User.objects.count(),
        "role_assignments": RoleAssignment.objects.count(),
    }
