"""The inspections part of the Huamu demo (called by core's `seed_demo`, see InspectionsConfig.ready).

Huamu's gas-safety campaign for restaurants (餐饮行业用气安全专项整治) as the
street reported it: led by the gas management office with the fire service,
police, market supervision office, community management office, 城管 and
安监 taking part; a joint team inspected 15 restaurants and snack shops in
牡丹社区 and 培花社区, found wires touching gas pipes, aged rubber hoses and
too many LPG cylinders stored, issued 5 rectification notices on the spot,
seized 17 cylinders (each by its e-label) and scheduled the 回头看.

Everything goes through linli.inspections.actions (and so linli.problems),
as the pages would, with actor=None (the system). Dates are relative to the
day of seeding: a notice's deadline or a problem's cannot be in the past
when it is made. Idempotent: a campaign already there (same name, same
area) is left alone.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.models import Organization, Role, User
from linli.inspections import actions
from linli.inspections.actions import AnswerIn, FindingIn, SeizureItemIn
from linli.inspections.models import Campaign, CampaignPhase, ChecklistTemplate, Establishment, GasType

CAMPAIGN = "餐饮行业用气安全专项整治"
LEAD = "花木燃气管理所"
DEPARTMENTS = ("花木燃气管理所", "花木消防救援站", "花木派出所", "花木市场监督管理所", "花木街道社区管理办",
               "花木城管中队", "花木街道安全生产监督管理所")
LAW = "《上海市燃气管理条例》"

# (name, neighborhood, gas type, hazards, notice, cylinders seized)
# hazards: "wire" a wire touching the gas pipe, "hose" an aged rubber hose, "cylinders" too many stored.
SHOPS: tuple[tuple[str, str, str, tuple[str, ...], bool, int], ...] = (
    ("牡丹小笼馆", "牡丹一", GasType.LPG, ("cylinders", "hose"), True, 5),
    ("紫薇面馆", "紫薇", GasType.LPG, ("wire",), True, 0),
    ("牡丹快餐店", "牡丹二", GasType.LPG, ("cylinders",), True, 4),
    ("阿英生煎", "牡丹三", GasType.LPG, ("hose",), False, 0),
    ("合欢麻辣烫", "牡丹四", GasType.PIPELINE, (), False, 0),
    ("牡丹馄饨铺", "牡丹五", GasType.LPG, ("cylinders",), False, 4),
    ("老王烧烤", "牡丹六", GasType.LPG, (), False, 0),
    ("紫薇小吃店", "牡丹七", GasType.PIPELINE, ("wire",), False, 0),
    ("培花小吃店", "培花一", GasType.LPG, ("cylinders", "wire"), True, 4),
    ("梅花饺子馆", "梅花", GasType.LPG, ("hose",), True, 0),
    ("海桐茶餐厅", "海桐", GasType.PIPELINE, (), False, 0),
    ("玉兰拉面", "玉兰", GasType.LPG, ("hose",), False, 0),
    ("芳华大饼油条", "芳华", GasType.LPG, (), False, 0),
    ("培花煲仔饭", "培花二", GasType.LPG, ("cylinders",), False, 0),
    ("培花沙县小吃", "培花三", GasType.PIPELINE, (), False, 0),
)

# A 1×1 PNG: the photo a failed wire-clearance or hose answer needs (the template asks for one).
PHOTO = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
         b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")


def seed_inspections(seeder: Any) -> None:
    huamu = seeder.areas["花木街道"]
    if Campaign.objects.filter(name=CAMPAIGN, area=huamu).exists():
        return
    seeder.log(_("inspections"))
    _Campaign(seeder).run()


class _Campaign:
    def __init__(self, seeder: Any) -> None:
        self.seeder = seeder
        self.today = timezone.localdate()
        self.day = self.today - datetime.timedelta(days=6)  # the joint inspection

    def officer(self, username: str, display_name: str) -> User:
        self.seeder.account(username, display_name, Role.SUBDISTRICT_STAFF, area=self.seeder.areas["花木街道"])
        return User.objects.get(username=username)

    def departments(self) -> list[Organization]:
        return [self.seeder.organization(name, Organization.Kind.DEPARTMENT, self.seeder.areas["花木街道"])
                for name in DEPARTMENTS]

    def establishment(self, index: int, name: str, neighborhood: str, gas_type: str) -> Establishment:
        area = self.seeder.areas[neighborhood]
        existing = Establishment.objects.filter(name=name, area=area).first()
        if existing is not None:
            return existing
        unit = self.seeder.organization(f"{name}（个体工商户）", Organization.Kind.PRIVATE_ENTERPRISE, area)
        labels = [f"SH{index:02d}{n:04d}" for n in range(1, 7)] if gas_type == GasType.LPG else []
        return actions.register_establishment(
            actor=None, name=name, address=f"{neighborhood}路{100 + index}号", area=area, organization=unit,
            responsible_name=f"{name[:1]}老板", contact_phone=f"1380000{index:04d}",
            licence_number=f"92310115MA1H{index:05d}", gas_type=gas_type,
            supplier="上海浦东液化气供应站" if gas_type == GasType.LPG else "浦东燃气", cylinder_labels=labels)

    def answers(self, version: Any, hazards: tuple[str, ...], lpg: bool) -> dict[str, AnswerIn]:
        answers: dict[str, AnswerIn] = {}
        for item in version.items.all():
            if item.answer_type == item.AnswerType.YES_NO:
                answers[item.code] = AnswerIn(value=True)
        answers.update(hose_length_m=AnswerIn(value="1.5"), pipe_wire_clearance=AnswerIn(value="clear"))
        if lpg:
            answers.update(cylinder_count=AnswerIn(value=2), cylinder_stored_kg=AnswerIn(value="30"),
                           cylinder_stove_distance_m=AnswerIn(value="1"))
        else:
            for code in ("cylinders_apart", "no_cylinder_in_dining_or_cabinet"):
                answers.pop(code, None)
        if "wire" in hazards:
            answers["pipe_wire_clearance"] = AnswerIn(
                value="touching", note="电线紧贴燃气管道", finding=FindingIn(location="后厨"),
                photos=[SimpleUploadedFile("wire.png", PHOTO, content_type="image/png")])
        if "hose" in hazards:
            answers["hose_not_aged"] = AnswerIn(
                value=False, note="橡胶软管老化龟裂", finding=FindingIn(location="灶台"),
                photos=[SimpleUploadedFile("hose.png", PHOTO, content_type="image/png")])
        if "cylinders" in hazards:
            answers["cylinder_count"] = AnswerIn(value=7, note="超量存放液化气钢瓶",
                                                 finding=FindingIn(location="后厨"))
        return answers

    def run(self) -> None:
        huamu = self.seeder.areas["花木街道"]
        departments = self.departments()
        lead = departments[0]
        team = [self.officer("gas", "燃气管理所安检员"), self.officer("fire", "消防救援站防火监督员")]
        shops = [(self.establishment(i, name, nbhd, gas), hazards, notice, seized)
                 for i, (name, nbhd, gas, hazards, notice, seized) in enumerate(SHOPS, start=1)]
        start = self.today - datetime.timedelta(days=20)
        campaign = actions.create_campaign(
            actor=None, name=CAMPAIGN, area=huamu, lead_department=lead, departments=departments,
            start=start, end=start + datetime.timedelta(days=70),
            phases=[(CampaignPhase.Kind.CONCENTRATED, start, start + datetime.timedelta(days=29)),
                    (CampaignPhase.Kind.CONSOLIDATION, start + datetime.timedelta(days=30),
                     start + datetime.timedelta(days=70))],
            targets=[e for e, *_rest in shops])
        template = ChecklistTemplate.objects.get(code="restaurant-gas")
        version = template.current_version()
        assert version is not None
        joint = [lead, departments[1], departments[3]]  # gas, fire, market supervision on the day
        for establishment, hazards, notice, seized in shops:
            inspection, _created = actions.submit_inspection(
                actor=None, client_id=uuid.uuid5(uuid.NAMESPACE_URL, f"linli-demo:{establishment.name}"),
                establishment=establishment, version=version, date=self.day, departments=joint, officers=team,
                answers=self.answers(version, hazards, establishment.gas_type == GasType.LPG), campaign=campaign)
            issued = None
            if notice:
                rules = {"wire": "《上海市燃气管理条例》第三十五条：燃气管道与电线应保持安全间距",
                         "hose": "《城镇燃气设计规范》：软管不得老化、龟裂",
                         "cylinders": "《上海市燃气管理条例》第三十七条：不得超量储存液化气钢瓶"}
                findings = {f: rules.get(self.kind_of(f), LAW) for f in inspection.findings.select_related("item")}
                issued = actions.issue_notice(
                    actor=None, inspection=inspection, agency=lead, findings=findings,
                    requirements="立即停止违规用气行为，限期完成整改并报送整改情况。",
                    deadline=self.today + datetime.timedelta(days=3), issued_on=self.day, officers=team,
                    recipient_name=establishment.responsible_name, signature="signed")
            if seized:
                labels = establishment.cylinder_labels[:seized]
                actions.record_seizure(
                    actor=None, inspection=inspection, notice=issued, agency=lead,
                    legal_basis="《上海市燃气管理条例》第五十七条", storage_place="花木燃气管理所钢瓶暂存点",
                    seized_on=self.day, officers=team,
                    items=[SeizureItemIn(kind="lpg_cylinder", quantity=seized,
                                         identifiers=labels if len(labels) == seized else [])])
        actions.schedule_reinspections(actor=None, campaign=campaign)

    @staticmethod
    def kind_of(finding: Any) -> str:
        code = finding.item.code if finding.item else ""
        return {"pipe_wire_clearance": "wire", "hose_not_aged": "hose", "cylinder_count": "cylinders"}.get(code, "")
