"""The default meeting requirements (see MeetingRequirement): data, changeable in the admin."""

from django.db import migrations

DEFAULTS = [
    ("general_assembly", "quarter"),
    ("committee", "month"),
    ("group", "month"),
    ("theme_day", "month"),
    ("lecture", "year"),
    ("organizational_life", "year"),
    ("evaluation", "year"),
]


def add_defaults(apps, schema_editor):
    requirement = apps.get_model("party", "MeetingRequirement")
    for kind, period in DEFAULTS:
        requirement.objects.get_or_create(kind=kind, defaults={"period": period, "minimum": 1})


def remove_defaults(apps, schema_editor):
    apps.get_model("party", "MeetingRequirement").objects.filter(kind__in=[k for k, _ in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("party", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
