"""The company's device type tree (FM-1), in the office's words: the types issue 12 names (lifts, water
pumps, fire pumps, alarm panels, generators, substations, water tanks, gates, CCTV) under the
systems they belong to. Types are data: the admin adds more; this only seeds them once."""

from django.db import migrations

# (code, name, special equipment 特种设备, [(code, name, special), …])
TREE = [
    ("lift", "电梯", True, [("lift-passenger", "客梯", True), ("lift-freight", "货梯", True), ("escalator", "自动扶梯", True)]),
    (
        "water",
        "给排水",
        False,
        [("water-pump", "生活水泵", False), ("sewage-pump", "排污泵", False), ("water-tank", "水箱/水池", False)],
    ),
    (
        "fire",
        "消防",
        False,
        [
            ("fire-pump", "消防水泵", False),
            ("alarm-panel", "火灾报警控制器", False),
            ("sprinkler", "喷淋系统", False),
            ("smoke-fan", "防排烟风机", False),
            ("extinguisher", "灭火器", False),
        ],
    ),
    (
        "power",
        "供配电",
        False,
        [("substation", "变配电室", False), ("generator", "柴油发电机", False), ("switchgear", "配电柜", False)],
    ),
    (
        "security",
        "安防",
        False,
        [("cctv", "视频监控", False), ("gate", "道闸/门禁", False), ("intercom", "楼宇对讲", False)],
    ),
    ("hvac", "暖通空调", False, [("boiler", "锅炉", True), ("ac-unit", "空调机组", False)]),
]


def seed(apps, schema_editor):
    DeviceType = apps.get_model("facilities", "DeviceType")
    for top_sort, (code, name, special, children) in enumerate(TREE, start=1):
        parent, _created = DeviceType.objects.get_or_create(
            code=code, defaults={"name": name, "special": special, "sort": top_sort * 10}
        )
        for sort, (child_code, child_name, child_special) in enumerate(children, start=1):
            DeviceType.objects.get_or_create(
                code=child_code,
                defaults={"name": child_name, "special": child_special, "parent": parent, "sort": top_sort * 10 + sort},
            )


def unseed(apps, schema_editor):
    DeviceType = apps.get_model("facilities", "DeviceType")
    codes = [code for code, *_rest in TREE] + [c for *_head, children in TREE for c, *_r in children]
    DeviceType.objects.filter(code__in=codes, devices__isnull=True, parent__isnull=False).delete()
    DeviceType.objects.filter(code__in=codes, devices__isnull=True, children__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("facilities", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
