"""谈心谈话 on the compliance board: yearly pair coverage (each member has had a talk with the
branch secretary or a committee member), a requirement row like the others, changeable in the admin."""

from django.db import migrations


def add_talk(apps, schema_editor):
    apps.get_model("party", "MeetingRequirement").objects.get_or_create(
        kind="talk", defaults={"period": "year", "minimum": 1})


def remove_talk(apps, schema_editor):
    apps.get_model("party", "MeetingRequirement").objects.filter(kind="talk").delete()


class Migration(migrations.Migration):
    dependencies = [("party", "0005_meeting_campaign_required_for_special")]

    operations = [migrations.RunPython(add_talk, remove_talk)]
