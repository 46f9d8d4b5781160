"""Checklist admin: read-only templates, versions and items; publishing a new version affects only new inspections."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from linli.core.models import AuditEvent
from linli.inspections.admin import current_settings
from linli.inspections.models import ChecklistTemplate, ChecklistVersion
from linli.inspections.tests.page_factories import inspect_with_hazard

pytestmark = pytest.mark.django_db


def _publish_url():
    template = ChecklistTemplate.objects.get(code="restaurant-gas")
    return reverse("admin:inspections_checklist_publish", args=[template.pk])


def test_the_admin_lists_checklists_read_only(login, platform_admin):
    client = login(platform_admin)
    page = client.get(reverse("admin:inspections_checklisttemplate_changelist")).content.decode()
    assert "餐饮场所用气安全检查表" in page and "v1" in page
    version = ChecklistVersion.objects.get(template__code="restaurant-gas", number=1)
    detail = client.get(reverse("admin:inspections_checklistversion_change", args=[version.pk])).content.decode()
    assert "可燃气体报警器已安装" in detail and "max_cylinders" in detail
    assert 'name="_save"' not in detail  # nothing to edit: a published version never changes


def test_publishing_a_new_version_changes_only_new_inspections(login, platform_admin, officer, gas_office,
                                                               snack_shop):
    before = inspect_with_hazard(officer, snack_shop, [gas_office])
    client = login(platform_admin)
    form = client.get(_publish_url()).content.decode()
    assert "max_cylinders" in form and "hose_length_m" in form  # starts from the current version
    config, items = current_settings(before.version)
    config["max_cylinders"] = 2
    response = client.post(_publish_url(), {"config": json.dumps(config), "items": json.dumps(items)})
    assert response.status_code == 302
    template = ChecklistTemplate.objects.get(code="restaurant-gas")
    new = template.current_version()
    assert new.number == 2 and new.config["max_cylinders"] == 2 and new.items.count() == len(items)
    before.refresh_from_db()
    assert before.version.number == 1 and before.version.config["max_cylinders"] == 4  # kept as it was
    assert AuditEvent.objects.filter(action="inspections.checklist_published").exists()
    page = login(officer).get(reverse("inspections:inspection_start")).content.decode()
    # A new inspection answers the new version. The versions' full labels: a bare "v1" also turns up
    # in random text such as the page's CSRF token.
    assert f"{template} v2" in page and f"{template} v1" not in page


def test_a_bad_version_is_refused_and_nothing_is_published(login, platform_admin):
    client = login(platform_admin)
    config, items = current_settings(ChecklistTemplate.objects.get(code="restaurant-gas").current_version())
    items[0]["limits"] = {"max": "no_such_limit"}
    response = client.post(_publish_url(), {"config": json.dumps(config), "items": json.dumps(items)})
    assert response.status_code == 200 and "no_such_limit" in response.content.decode()
    response = client.post(_publish_url(), {"config": "[1, 2", "items": json.dumps(items)})
    assert response.status_code == 200
    assert ChecklistVersion.objects.filter(template__code="restaurant-gas").count() == 1


def test_only_platform_administrators_publish(client, login, huamu_staff):
    huamu_staff.is_staff = True
    huamu_staff.save()
    response = login(huamu_staff).get(_publish_url())
    assert response.status_code == 404
