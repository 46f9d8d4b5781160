"""The Excel pages as a user meets them: upload → preview → confirm, clear
messages for unusable files, uploads private to their uploader, and exports
that hold exactly what the list shows, masked unless revealed (audited)."""

from __future__ import annotations

import datetime
import io
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from python_calamine import load_workbook

from linli.core.models import AuditEvent, ImportJob, Organization, Person
from linli.core.tests.factories import PersonFactory
from linli.core.tests.test_spreadsheets import LY2, PEOPLE_HEADERS, PH1, resident, residents, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    """as_user(user) -> the test client, logged in, reading the English UI."""

    def _as(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def upload(client, content: bytes, name: str = "居民.xlsx", url: str = "people_import"):
    return client.post(reverse(url), {"file": SimpleUploadedFile(name, content)})


def sheet_rows(response) -> list[list]:
    return load_workbook(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()


# Import ----------------------------------------------------------------------

def test_upload_preview_and_confirm_200_residents(as_user, lianyang2_secretary, tree):
    c = as_user(lianyang2_secretary)
    page = c.get(reverse("people_import")).content.decode()
    assert reverse("import_template", args=["people"]) in page

    response = upload(c, xlsx(residents(200)))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("import_detail", args=[job.pk])
    preview = c.get(response["Location"]).content.decode()
    assert "200 rows" in preview and reverse("import_confirm", args=[job.pk]) in preview
    assert "13600000001" not in preview and "136****0001" in preview  # the sample rows are masked
    assert Person.objects.count() == 0

    done = c.post(reverse("import_confirm", args=[job.pk]), follow=True).content.decode()
    assert "200 records imported on" in done
    assert Person.objects.filter(neighborhood=tree.lianyang2).count() == 200
    assert AuditEvent.objects.filter(action="core.person.created").count() == 200


def test_bad_rows_are_listed_and_confirm_is_refused(as_user, lianyang2_secretary, tree):
    rows = residents(200)
    rows[40][6] = PH1
    rows[41][3] = "12"
    c = as_user(lianyang2_secretary)
    job_url = upload(c, xlsx(rows))["Location"]
    page = c.get(job_url).content.decode()
    assert "2 problems were found" in page
    assert "<td class=\"text-nowrap\">42</td><td class=\"text-nowrap\">居民区编码</td>" in page
    assert "培花一 is not in your area" in page
    assert "<td class=\"text-nowrap\">43</td><td class=\"text-nowrap\">手机/电话</td>" in page
    assert "Import 200 rows" not in page

    job = ImportJob.objects.get()
    refused = c.post(reverse("import_confirm", args=[job.pk]), follow=True).content.decode()
    assert "This file has errors" in refused
    assert Person.objects.count() == 0


def test_preview_warns_about_columns_it_does_not_recognise(as_user, lianyang2_secretary, tree):
    c = as_user(lianyang2_secretary)
    job_url = upload(c, xlsx([[*resident(0), "腿脚不便"]], [*PEOPLE_HEADERS, "备注"]))["Location"]
    page = c.get(job_url).content.decode()
    assert "not recognised" in page and "备注" in page
    assert "腿脚不便" not in page


@pytest.mark.parametrize(("name", "content", "says"), [
    ("居民.csv", "姓名,居民区编码\n王芳,310115009102\n".encode(), "not an Excel .xlsx file"),
    ("居民.xlsx", b"renamed text file", "not an Excel .xlsx file"),
    ("居民.xlsx", xlsx(residents(2))[:300], "The file is damaged"),
    ("居民.xlsx", xlsx(residents(2), [h for h in PEOPLE_HEADERS if h != "姓名"]),
     "The required column “姓名” is missing"),
])
def test_unusable_upload_is_answered_on_the_upload_page(as_user, lianyang2_secretary, tree, name, content, says):
    response = upload(as_user(lianyang2_secretary), content, name)
    assert response.status_code == 200
    assert says in response.content.decode()
    assert ImportJob.objects.count() == 0 and Person.objects.count() == 0


def test_an_upload_is_private_to_its_uploader(as_user, client, lianyang2_secretary, huamu_staff, tree):
    job_url = upload(as_user(huamu_staff), xlsx(residents(3)))["Location"]
    job = ImportJob.objects.get()
    c = as_user(lianyang2_secretary)
    assert c.get(job_url).status_code == 404
    assert c.post(reverse("import_confirm", args=[job.pk])).status_code == 404
    assert Person.objects.count() == 0


def test_import_pages_need_the_import_permission(as_user, org_liaison, tree):
    c = as_user(org_liaison)
    assert c.get(reverse("people_import")).status_code == 403
    assert upload(c, xlsx(residents(1))).status_code == 403
    assert c.get(reverse("import_template", args=["people"])).status_code == 403


def test_template_lists_the_neighborhoods_the_user_may_import_into(as_user, lianyang2_secretary, tree):
    response = as_user(lianyang2_secretary).get(reverse("import_template", args=["people"]))
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.get_sheet_by_index(0).to_python() == [[*PEOPLE_HEADERS[:7], "居民区", *PEOPLE_HEADERS[7:]]]
    instructions = workbook.get_sheet_by_index(1).to_python()
    assert [LY2, "联洋二"] in instructions and [PH1, "培花一"] not in instructions


def test_organizations_upload_and_confirm(as_user, huamu_staff, tree):
    c = as_user(huamu_staff)
    content = xlsx([["花木社区卫生服务中心", "事业单位", "310115009", "", "", "", ""]],
                   ["名称", "类型", "所在区域编码", "统一社会信用代码", "地址", "联系人", "联系电话"])
    job_url = upload(c, content, url="organizations_import")["Location"]
    assert "All 1 row passed" in c.get(job_url).content.decode()
    c.post(reverse("import_confirm", args=[ImportJob.objects.get().pk]))
    assert Organization.objects.get().kind == Organization.Kind.PUBLIC_INSTITUTION


# Export ----------------------------------------------------------------------

def test_export_holds_only_the_secretarys_neighborhood_with_masked_numbers(as_user, lianyang2_secretary,
                                                                          ly2_resident, ph1_resident):
    response = as_user(lianyang2_secretary).get(reverse("people_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"filename*=utf-8''{quote('居民名单-')}" in response["Content-Disposition"]
    rows = sheet_rows(response)
    assert rows[0][:7] == PEOPLE_HEADERS[:7]
    assert [r[0] for r in rows[1:]] == ["张三"]
    assert rows[1][3] == "138****5678"
    assert rows[1][4] == ly2_resident.id_number[:3] + "*" * 11 + ly2_resident.id_number[-4:]
    event = AuditEvent.objects.get(action="core.people_exported")
    assert event.actor == lianyang2_secretary and event.data["count"] == 1 and event.data["unmasked"] is False


def test_unmasked_export_is_refused_to_neighborhood_staff(as_user, lianyang2_staff, ly2_resident):
    response = as_user(lianyang2_staff).get(reverse("people_export"), {"unmasked": "1"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="core.people_exported").exists()


def test_unmasked_export_is_allowed_and_audited_for_the_secretary(as_user, lianyang2_secretary, ly2_resident):
    response = as_user(lianyang2_secretary).get(reverse("people_export"), {"unmasked": "1"})
    rows = sheet_rows(response)
    assert rows[1][3] == "13812345678" and rows[1][4] == ly2_resident.id_number
    event = AuditEvent.objects.get(action="core.people_exported")
    assert event.data["unmasked"] is True and event.actor == lianyang2_secretary


def test_export_filtered_to_another_neighborhood_is_empty(as_user, lianyang2_secretary, ly2_resident, ph1_resident):
    response = as_user(lianyang2_secretary).get(reverse("people_export"), {"area": PH1})
    assert sheet_rows(response)[1:] == []
    assert AuditEvent.objects.get(action="core.people_exported").data == {
        "count": 0, "filters": {"area": PH1}, "unmasked": False}


def test_export_takes_the_list_filters(as_user, huamu_staff, tree):
    PersonFactory(name="王芳", gender="F", neighborhood=tree.lianyang2, is_volunteer=True)
    PersonFactory(name="王强", gender="M", neighborhood=tree.lianyang2)
    PersonFactory(name="李娜", gender="F", neighborhood=tree.peihua1, is_volunteer=True)
    c = as_user(huamu_staff)
    names = [r[0] for r in sheet_rows(c.get(reverse("people_export"), {"q": "王", "gender": "F"}))[1:]]
    assert names == ["王芳"]
    names = [r[0] for r in sheet_rows(c.get(reverse("people_export"), {"volunteer": "1", "area": LY2}))[1:]]
    assert names == ["王芳"]


def test_export_query_count_does_not_grow_with_the_rows(as_user, huamu_staff, tree, resident_unit,
                                                       django_assert_max_num_queries):
    PersonFactory.create_batch(40, neighborhood=tree.lianyang2, organization=resident_unit)
    c = as_user(huamu_staff)
    with django_assert_max_num_queries(8):
        rows = sheet_rows(c.get(reverse("people_export")))
    assert len(rows) == 41 and rows[1][9] == "联洋物业"


def test_people_export_needs_the_export_permission(as_user, org_liaison, ly2_resident):
    assert as_user(org_liaison).get(reverse("people_export")).status_code == 403


def test_organizations_export_is_scoped_and_reimportable(as_user, lianyang2_secretary, resident_unit, tree):
    Organization.objects.create(name="培花菜场", kind=Organization.Kind.RESIDENT_UNIT, area=tree.peihua1)
    response = as_user(lianyang2_secretary).get(reverse("organizations_export"))
    rows = sheet_rows(response)
    assert rows[0] == ["名称", "类型", "所在区域编码", "所在区域", "统一社会信用代码", "地址", "联系人", "联系电话"]
    assert [r[:4] for r in rows[1:]] == [["联洋物业", "物业公司", LY2, "联洋二"]]
    assert AuditEvent.objects.filter(action="core.organizations_exported").count() == 1


def test_organizations_export_shows_contact_phones_only_when_asked_by_who_may_reveal(
        as_user, lianyang2_secretary, lianyang2_staff, resident_unit):
    from linli.core import actions

    actions.update_organization(actor=None, organization=resident_unit, contact_phone="13912340000")
    assert sheet_rows(as_user(lianyang2_staff).get(reverse("organizations_export")))[1][7] == "139****0000"
    assert as_user(lianyang2_staff).get(reverse("organizations_export"), {"unmasked": "1"}).status_code == 403

    response = as_user(lianyang2_secretary).get(reverse("organizations_export"), {"unmasked": "1"})
    assert sheet_rows(response)[1][7] == "13912340000"
    events = AuditEvent.objects.filter(action="core.organizations_exported").order_by("pk")
    assert [e.data["unmasked"] for e in events] == [False, True]


# Uploads never confirmed: `linli purge_uploads` ---------------------------------------

def _age(job: ImportJob, hours: int) -> None:
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(hours=hours))


def _purge(**options) -> str:
    out = io.StringIO()
    call_command("purge_uploads", stdout=out, **options)
    return out.getvalue()


def test_a_day_old_upload_never_confirmed_is_erased_and_cannot_be_imported(as_user, lianyang2_secretary, tree):
    c = as_user(lianyang2_secretary)
    upload(c, xlsx(residents(3)))
    stale = ImportJob.objects.get()
    _age(stale, 25)
    upload(c, xlsx([resident(10), resident(11)]))
    fresh = ImportJob.objects.latest("pk")

    assert "1 uploads older than 24 hours erased" in _purge()

    stale.refresh_from_db()
    assert stale.status == ImportJob.Status.EXPIRED and bytes(stale.content) == b"" and stale.checked == {}
    assert stale.row_count == 3  # what the user saw of it stays
    fresh.refresh_from_db()
    assert fresh.status == ImportJob.Status.PREVIEWED and bytes(fresh.content)
    page = c.post(reverse("import_confirm", args=[stale.pk]), follow=True).content.decode()
    assert "not confirmed in time and has been erased" in page and 'data-testid="confirm"' not in page
    assert not Person.objects.exists()
    event = AuditEvent.objects.get(action="core.import_expired")
    assert event.actor is None and event.target_id == str(stale.pk)
    assert event.changes == {"status": ["previewed", "expired"]}


def test_imported_and_rejected_uploads(as_user, lianyang2_secretary, tree):
    c = as_user(lianyang2_secretary)
    upload(c, xlsx(residents(2)))
    imported = ImportJob.objects.get()
    c.post(reverse("import_confirm", args=[imported.pk]))
    upload(c, xlsx([resident(20, name="")]))  # a row without a name: rejected, kept to show the errors
    rejected = ImportJob.objects.latest("pk")
    assert rejected.status == ImportJob.Status.REJECTED
    _age(imported, 48)
    _age(rejected, 48)

    assert "1 uploads" in _purge(hours=24)

    imported.refresh_from_db()
    rejected.refresh_from_db()
    assert imported.status == ImportJob.Status.IMPORTED and imported.imported_count == 2
    assert rejected.status == ImportJob.Status.EXPIRED and bytes(rejected.content) == b""
    assert rejected.errors  # the list of problems stays readable
    assert "0 uploads" in _purge(hours=24)  # nothing twice


def test_hours_must_be_positive():
    with pytest.raises(CommandError, match="--hours"):
        _purge(hours=0)
