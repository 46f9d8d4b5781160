"""The default checklist shipped with linli: 餐饮场所用气安全检查表, version 1.

Data, frozen here: later versions are published through
actions.publish_checklist_version (or the admin), never by editing this.
The limits are the version's config; the items name them.
"""

from typing import Any

from django.db import migrations
from django.utils import timezone

CODE = "restaurant-gas"
NAME = "餐饮场所用气安全检查表"
CONFIG = {
    "hose_min_m": 1.2,
    "hose_max_m": 2.0,
    "max_cylinders": 4,
    "max_stored_kg": 100,
    "min_cylinder_stove_m": 0.5,
    "rectification_days": 7,
}
YES = [False]  # a "no" fails these items
ITEMS: list[dict[str, Any]] = [
    {"code": "gas_alarm_installed", "text": "可燃气体报警器已安装", "answer_type": "yes_no", "fail_values": YES,
     "severity": "major", "min_photos": 1},
    {"code": "gas_alarm_working", "text": "可燃气体报警器工作正常", "answer_type": "yes_no", "fail_values": YES,
     "severity": "major"},
    {"code": "auto_shutoff_valve", "text": "安装自动切断阀", "answer_type": "yes_no", "fail_values": YES},
    {"code": "flame_failure_protection", "text": "燃气灶具带熄火保护装置", "answer_type": "yes_no",
     "fail_values": YES},
    {"code": "hose_length_m", "text": "连接软管长度（米）", "answer_type": "number",
     "limits": {"min": "hose_min_m", "max": "hose_max_m"}},
    {"code": "hose_unjointed", "text": "软管无接头、无三通", "answer_type": "yes_no", "fail_values": YES},
    {"code": "hose_clamped", "text": "软管两端用卡箍固定", "answer_type": "yes_no", "fail_values": YES},
    {"code": "hose_not_aged", "text": "软管无老化、龟裂", "answer_type": "yes_no", "fail_values": YES,
     "min_photos": 1},
    {"code": "hose_not_through_wall", "text": "软管未穿越墙体、门窗", "answer_type": "yes_no", "fail_values": YES,
     "severity": "major"},
    {"code": "cylinder_count", "text": "液化气钢瓶数量（个）", "answer_type": "number", "required": False,
     "limits": {"max": "max_cylinders"}, "severity": "major", "requires_note": True},
    {"code": "cylinder_stored_kg", "text": "液化气钢瓶总储量（公斤）", "answer_type": "number", "required": False,
     "limits": {"max": "max_stored_kg"}, "severity": "major"},
    {"code": "cylinders_apart", "text": "在用钢瓶与备用钢瓶分开存放", "answer_type": "yes_no", "required": False,
     "fail_values": YES},
    {"code": "cylinder_stove_distance_m", "text": "钢瓶与灶具的距离（米）", "answer_type": "number",
     "required": False, "limits": {"min": "min_cylinder_stove_m"}},
    {"code": "no_cylinder_in_dining_or_cabinet", "text": "就餐区、密闭柜内无钢瓶", "answer_type": "yes_no",
     "required": False, "fail_values": YES, "severity": "major"},
    {"code": "pipe_wire_clearance", "text": "燃气管道与电线的间距", "answer_type": "choice",
     "choices": [{"value": "clear", "label": "符合间距要求"}, {"value": "too_close", "label": "间距不足"},
                 {"value": "touching", "label": "电线紧贴燃气管道"}],
     "fail_values": ["too_close", "touching"], "severity": "major", "min_photos": 1},
    {"code": "no_second_fuel", "text": "同一厨房内无第二种燃料", "answer_type": "yes_no", "fail_values": YES},
    {"code": "remarks", "text": "其他情况", "answer_type": "text", "required": False},
]


def install(apps, schema_editor):
    Template = apps.get_model("inspections", "ChecklistTemplate")
    Version = apps.get_model("inspections", "ChecklistVersion")
    Item = apps.get_model("inspections", "ChecklistItem")
    template, _ = Template.objects.get_or_create(code=CODE, defaults={"name": NAME, "description": "餐饮行业用气安全专项整治"})
    if Version.objects.filter(template=template, number=1).exists():
        return
    version = Version.objects.create(template=template, number=1, config=CONFIG, published_at=timezone.now())
    for position, spec in enumerate(ITEMS, start=1):
        Item.objects.create(version=version, position=position, **spec)


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
