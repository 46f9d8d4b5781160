"""Establishments from Excel: template, preview with every bad row named, all-or-nothing confirm; and the export."""

from __future__ import annotations

import io
import os
import re
import time

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from linli.core.models import AuditEvent, Organization
from linli.inspections import actions
from linli.inspections.models import Establishment
from linli.inspections.tests.factories import make_establishment

pytestmark = pytest.mark.django_db
HEADERS = ["名称", "地址", "所在区域编码", "所在区域", "责任单位", "负责人", "联系电话", "营业执照号", "用气类型",
           "供气单位", "钢瓶电子标签"]


@pytest.fixture(autouse=True)
def english_pages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _xlsx(*rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("餐饮.xlsx", buffer.getvalue())


def _row(name="培花面馆", code="310115009201", area="", unit="", phone="13711112222", licence="", gas="液化气钢瓶",
         labels="E001,E002"):
    return [name, "培花路8号", code, area, unit, "张老板", phone, licence, gas, "浦东液化气公司", labels]


def _confirm_url(page):
    return re.search(r'action="([^"]*/confirm/)"', page).group(1)


def _upload(client, *rows):
    return client.post(reverse("inspections:establishment_import"), {"file": _xlsx(*rows)}, follow=True)


def test_the_template_has_the_columns_and_the_areas_to_use(login, huamu_staff):
    response = login(huamu_staff).get(reverse("inspections:establishment_template"))
    workbook = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in next(workbook.worksheets[0].iter_rows(max_row=1))] == HEADERS
    instructions = " ".join(str(c.value) for row in workbook.worksheets[1].iter_rows() for c in row if c.value)
    assert "310115009201" in instructions and "培花一" in instructions and "液化气钢瓶" in instructions


def test_a_clean_file_is_previewed_then_registered_whole(login, huamu_staff, resident_unit):
    client = login(huamu_staff)
    preview = _upload(client, _row(), _row(name="联洋小吃", code="", area="联洋二", unit="联洋物业", gas="管道燃气",
                                           labels="", licence="91310115ab"))
    page = preview.content.decode()
    assert "All 2 rows passed the checks" in page and "培花面馆" in page and "registered as a new unit" in page
    assert not Establishment.objects.exists()  # nothing before the confirmation

    confirm = _confirm_url(page)
    done = client.post(confirm, follow=True)

    assert "2 establishments registered" in done.content.decode()
    shop = Establishment.objects.get(name="培花面馆")
    assert shop.organization.name == "培花面馆" and shop.organization.kind == Organization.Kind.PRIVATE_ENTERPRISE
    assert shop.cylinder_labels == ["E001", "E002"] and shop.contact_phone == "13711112222"
    assert Establishment.objects.get(name="联洋小吃").organization == resident_unit
    assert Establishment.objects.get(name="联洋小吃").licence_number == "91310115AB"
    assert AuditEvent.objects.filter(action="inspections.establishment_registered").count() == 2
    assert AuditEvent.objects.filter(action="inspections.establishments_imported").count() == 1
    assert client.post(confirm).status_code == 404  # the upload is gone once imported


def test_a_file_with_bad_rows_is_refused_whole_naming_each_row(login, huamu_staff):
    client = login(huamu_staff)
    page = _upload(client, _row(), _row(name="", code="310115009999"), _row(name="煤气店", gas="煤气"),
                   _row(name="无主店", unit="不存在的公司")).content.decode()
    assert "Nothing has been imported" in page
    rows = page.split('data-testid="import-errors"')[1]
    assert "<td class=\"text-nowrap\">3</td>" in rows and "Unknown area code “310115009999”" in rows
    assert "名称" in rows  # the missing name, on its column
    assert "“煤气” is not a gas type" in rows
    assert "“不存在的公司” is not a registered unit" in rows
    assert 'data-testid="confirm"' not in page
    assert not Establishment.objects.exists()


def test_an_import_is_refused_whole_when_the_records_changed_since_the_preview(tree, login, huamu_staff):
    client = login(huamu_staff)
    page = _upload(client, _row(licence="L-1"), _row(name="第二家", licence="L-2")).content.decode()
    confirm = _confirm_url(page)
    someone = make_establishment(tree.peihua1, name="别人登记的")
    actions.update_establishment(actor=None, establishment=someone, licence_number="L-2")
    done = client.post(confirm, follow=True).content.decode()
    assert "no longer pass" in done
    assert set(Establishment.objects.values_list("name", flat=True)) == {"别人登记的"}  # the first row neither


def test_importing_into_an_area_out_of_scope_is_a_row_error(login, lianyang2_secretary):
    page = _upload(login(lianyang2_secretary), _row()).content.decode()
    assert "培花一 is not in your area" in page and not Establishment.objects.exists()


def test_a_file_that_is_not_excel_is_refused_on_the_field(login, huamu_staff):
    response = login(huamu_staff).post(reverse("inspections:establishment_import"),
                                       {"file": SimpleUploadedFile("list.csv", b"name,address\n")})
    assert response.status_code == 200 and "not an Excel .xlsx file" in response.content.decode()


def test_someone_elses_upload_cannot_be_seen_or_confirmed(client, login, huamu_staff, officer):
    page = _upload(login(huamu_staff), _row()).content.decode()
    confirm = _confirm_url(page)
    client.force_login(officer)
    assert client.get(confirm.removesuffix("confirm/")).status_code == 404
    assert client.post(confirm).status_code == 404
    assert not Establishment.objects.exists()


def test_an_upload_never_confirmed_is_erased_by_the_daily_purge(login, huamu_staff, media_root):
    client = login(huamu_staff)
    old_confirm = _confirm_url(_upload(client, _row()).content.decode())
    kept = list((media_root / "imports" / "establishments").iterdir())
    a_day_ago = time.time() - 25 * 3600
    os.utime(kept[0], (a_day_ago, a_day_ago))
    new_confirm = _confirm_url(_upload(client, _row(name="新上传")).content.decode())

    out = io.StringIO()
    call_command("purge_uploads", stdout=out)

    assert "1 uploads older than 24 hours erased" in out.getvalue()
    assert not kept[0].exists()  # the owners' phones are gone from the disk
    assert client.get(old_confirm.removesuffix("confirm/")).status_code == 404
    assert client.post(old_confirm).status_code == 404 and not Establishment.objects.exists()
    assert "All 1 row passed" in client.get(new_confirm.removesuffix("confirm/")).content.decode()
    event = AuditEvent.objects.get(action="inspections.uploads_expired")
    assert event.actor is None and event.data["files"] == 1


def test_the_export_lists_what_is_in_scope_with_the_phone_masked_and_is_audited(login, lianyang2_secretary,
                                                                               snack_shop, ly2_restaurant):
    response = login(lianyang2_secretary).get(reverse("inspections:establishment_export"))
    workbook = load_workbook(io.BytesIO(response.content))
    rows = [[c.value for c in row] for row in workbook.worksheets[0].iter_rows()]
    assert rows[0] == HEADERS
    names = [r[0] for r in rows[1:]]
    assert names == ["联洋面馆"]
    assert rows[1][6] == "137****1234"
    event = AuditEvent.objects.get(action="core.establishments_exported")
    assert event.data["count"] == 1 and event.data["unmasked"] is False


def test_the_export_leaves_out_what_the_user_may_see_but_not_export(login, tree, snack_shop, ly2_restaurant):
    # Staff of 联洋二 (may export there) who is also the snack shop's unit's liaison (may see, not export).
    from linli.core import actions as core_actions
    from linli.core.models import Role, User
    from linli.core.tests.factories import UserFactory

    user = UserFactory(username="ly2_staff_and_liaison")
    core_actions.assign_role(actor=None, user=user, role=Role.NEIGHBORHOOD_STAFF, area=tree.lianyang2)
    core_actions.assign_role(actor=None, user=user, role=Role.ORGANIZATION_LIAISON,
                             organization=snack_shop.organization)
    client = login(User.objects.get(pk=user.pk))
    assert "培花小吃店" in client.get(reverse("inspections:establishments")).content.decode()  # seen
    response = client.get(reverse("inspections:establishment_export"))
    names = [row[0] for row in load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(
        min_row=2, values_only=True)]
    assert names == ["联洋面馆"]
    assert AuditEvent.objects.get(action="core.establishments_exported").data["count"] == 1
