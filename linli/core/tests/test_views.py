"""Core pages as a user meets them: scoped lists, 404 out of scope, masked
numbers, Chinese validation messages, audited reveals."""

import datetime
import html
import logging
import re

import pytest
from django.test import Client
from django.urls import reverse

from linli.core.models import AuditEvent, Person
from linli.core.tests.factories import PartyOrganizationFactory, PersonFactory, make_id_number

pytestmark = pytest.mark.django_db


def test_login_page_and_redirect_for_anonymous(client, tree):
    response = client.get("/people/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    page = client.get("/accounts/login/").content.decode()
    assert "登录" in page


def test_login_with_password_lands_on_home_with_role(client, lianyang2_secretary):
    response = client.post("/accounts/login/", {"username": "ly2_secretary", "password": "linli-test-pw"},
                           follow=True)
    text = response.content.decode()
    assert "居民区书记" in text and "联洋二" in text


def test_wrong_password_is_refused_with_a_message(client, lianyang2_secretary):
    response = client.post("/accounts/login/", {"username": "ly2_secretary", "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_people_list_shows_only_the_neighborhood_with_masked_numbers(login, lianyang2_secretary, ly2_resident,
                                                                    ph1_resident):
    page = login(lianyang2_secretary).get("/people/").content.decode()
    assert "张三" in page and "李四" not in page
    assert "138****5678" in page
    assert "13812345678" not in page
    assert ly2_resident.id_number not in page


def test_subdistrict_staff_sees_both_neighborhoods(login, huamu_staff, ly2_resident, ph1_resident):
    page = login(huamu_staff).get("/people/").content.decode()
    assert "张三" in page and "李四" in page


def test_search_by_pinyin_initials_and_out_of_scope_name(login, lianyang2_secretary, ly2_resident, ph1_resident):
    c = login(lianyang2_secretary)
    assert f"/people/{ly2_resident.pk}/" in c.get("/people/", {"q": "zs"}).content.decode()
    found = c.get("/people/", {"q": "李四"}).content.decode()
    assert f"/people/{ph1_resident.pk}/" not in found
    assert "没有符合条件的人员" in found


def test_htmx_search_returns_only_the_table(login, huamu_staff, ly2_resident):
    response = login(huamu_staff).get("/people/", {"q": "zs"}, HTTP_HX_REQUEST="true",
                                      HTTP_HX_TARGET="people-results")
    text = response.content.decode()
    assert "张三" in text and "<html" not in text


@pytest.mark.parametrize("url", ["/people/", "/organizations/"])
def test_lists_tell_caches_the_table_alone_differs_from_the_page(login, huamu_staff, url):
    # Otherwise coming back to a URL the live search pushed shows the cached table without the page around it.
    response = login(huamu_staff).get(url, {"q": "zs"})
    assert "HX-Request" in response["Vary"]


def test_people_list_query_count_does_not_grow_with_rows(login, huamu_staff, tree, django_assert_max_num_queries):
    PersonFactory.create_batch(30, neighborhood=tree.lianyang2)
    c = login(huamu_staff)
    with django_assert_max_num_queries(12):
        assert c.get("/people/").status_code == 200


def test_out_of_scope_detail_is_404(login, lianyang2_secretary, ph1_resident):
    c = login(lianyang2_secretary)
    assert c.get(f"/people/{ph1_resident.pk}/").status_code == 404
    assert c.get(f"/people/{ph1_resident.pk}/edit/").status_code == 404
    assert c.post(f"/people/{ph1_resident.pk}/delete/").status_code == 404
    assert c.post(f"/people/{ph1_resident.pk}/reveal/phone/").status_code == 404
    assert Person.objects.filter(pk=ph1_resident.pk).exists()


def test_detail_masks_and_reveal_is_audited(login, lianyang2_secretary, ly2_resident):
    c = login(lianyang2_secretary)
    page = c.get(f"/people/{ly2_resident.pk}/").content.decode()
    assert "138****5678" in page and "13812345678" not in page
    revealed = c.post(f"/people/{ly2_resident.pk}/reveal/phone/", HTTP_HX_REQUEST="true").content.decode()
    assert "13812345678" in revealed
    assert AuditEvent.objects.filter(action="core.sensitive_revealed", target_id=str(ly2_resident.pk)).count() == 1


def test_staff_without_reveal_permission_gets_no_button_and_403(login, lianyang2_staff, ly2_resident):
    c = login(lianyang2_staff)
    page = c.get(f"/people/{ly2_resident.pk}/").content.decode()
    assert "reveal/phone" not in page
    assert c.post(f"/people/{ly2_resident.pk}/reveal/phone/").status_code == 403
    assert not AuditEvent.objects.filter(action="core.sensitive_revealed").exists()


def _form(tree, **extra):
    data = {"name": "赵六", "gender": "F", "birth_date": "1990-05-04", "phone": "13600001234",
            "id_number": make_id_number(datetime.date(1990, 5, 4), seq=4), "address": "联洋新苑",
            "neighborhood": tree.lianyang2.pk}
    data.update(extra)
    return data


def test_a_refusal_is_logged_in_one_line_without_a_traceback(login, lianyang2_staff, ly2_resident, caplog):
    # A refusal is someone trying what their role does not allow, not a fault of the program.
    with caplog.at_level(logging.WARNING):
        assert login(lianyang2_staff).post(f"/people/{ly2_resident.pk}/reveal/phone/").status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert f"/people/{ly2_resident.pk}/reveal/phone/" in record.getMessage()
    assert "Traceback" not in caplog.text and len(caplog.text.strip().splitlines()) == 1


def test_create_person_through_the_form(login, lianyang2_secretary, tree):
    response = login(lianyang2_secretary).post("/people/new/", _form(tree), follow=True)
    assert "赵六" in response.content.decode()
    assert Person.objects.filter(name="赵六", neighborhood=tree.lianyang2).exists()
    assert AuditEvent.objects.filter(action="core.person.created").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "310115199005040031", "校验位"),
        ("phone", "12345", "手机号"),
        ("birth_date", "2999-01-01", "不能是将来"),
    ],
)
def test_form_errors_are_chinese_and_name_the_field(login, lianyang2_secretary, tree, field, value, message):
    response = login(lianyang2_secretary).post("/people/new/", _form(tree, **{field: value}))
    assert response.status_code == 200
    text = response.content.decode()
    assert f'data-field="{field}"' in text
    assert message in text
    assert not Person.objects.filter(name="赵六").exists()


def test_neighborhood_outside_scope_is_not_offered_and_refused(login, lianyang2_secretary, tree):
    c = login(lianyang2_secretary)
    assert "培花一" not in c.get("/people/new/").content.decode()
    response = c.post("/people/new/", _form(tree, neighborhood=tree.peihua1.pk))
    assert response.status_code == 200
    assert 'data-field="neighborhood"' in response.content.decode()
    assert not Person.objects.filter(name="赵六").exists()


def test_edit_keeps_numbers_left_empty_and_never_shows_them(login, lianyang2_secretary, ly2_resident, tree):
    c = login(lianyang2_secretary)
    form_page = c.get(f"/people/{ly2_resident.pk}/edit/").content.decode()
    assert "13812345678" not in form_page and "138****5678" in form_page
    data = _form(tree, name="张三丰", phone="", id_number="", gender=ly2_resident.gender,
                 birth_date=str(ly2_resident.birth_date))
    c.post(f"/people/{ly2_resident.pk}/edit/", data)
    ly2_resident.refresh_from_db()
    assert ly2_resident.name == "张三丰"
    assert ly2_resident.phone == "13812345678"
    event = AuditEvent.objects.get(action="core.person.updated")
    assert "phone" not in event.changes and event.changes["name"] == ["张三", "张三丰"]


def test_post_without_csrf_token_is_refused(lianyang2_secretary, tree):
    c = Client(enforce_csrf_checks=True)
    c.force_login(lianyang2_secretary)
    assert c.post("/people/new/", _form(tree)).status_code == 403
    assert not Person.objects.exists()


def test_area_tree_and_area_detail_are_scoped(login, lianyang2_secretary, tree, ly2_resident):
    c = login(lianyang2_secretary)
    page = c.get("/areas/").content.decode()
    assert "联洋二" in page and "培花一" not in page
    assert c.get(f"/areas/{tree.lianyang2.code}/").status_code == 200
    assert c.get(f"/areas/{tree.peihua1.code}/").status_code == 404


def test_organizations_list_and_detail_are_scoped(login, lianyang2_secretary, tree, resident_unit):
    from linli.core.tests.factories import OrganizationFactory

    other = OrganizationFactory(name="培花学校", area=tree.peihua1)
    c = login(lianyang2_secretary)
    page = c.get("/organizations/").content.decode()
    assert "联洋物业" in page and "培花学校" not in page
    assert c.get(f"/organizations/{resident_unit.pk}/").status_code == 200
    assert c.get(f"/organizations/{other.pk}/").status_code == 404
    assert "联洋物业" in c.get("/organizations/", {"q": "lywy"}).content.decode()


def test_create_organization_with_bad_phone_names_the_field(login, lianyang2_secretary, tree):
    c = login(lianyang2_secretary)
    response = c.post("/organizations/new/", {"name": "新单位", "kind": "school", "area": tree.lianyang2.pk,
                                              "contact_phone": "999"})
    assert 'data-field="contact_phone"' in response.content.decode()
    response = c.post("/organizations/new/", {"name": "新单位", "kind": "school", "area": tree.lianyang2.pk,
                                              "contact_phone": "021-58881234"}, follow=True)
    assert "新单位" in response.content.decode()


def test_party_organizations_pages(login, huamu_staff, tree, ly2_resident):
    from linli.core import actions

    branch = actions.create_party_organization(actor=huamu_staff, name="联洋二党支部", level="branch",
                                               area=tree.lianyang2)
    actions.set_party_membership(actor=huamu_staff, person=ly2_resident, party_organization=branch)
    c = login(huamu_staff)
    assert "联洋二党支部" in c.get("/party-organizations/").content.decode()
    assert "张三" in c.get(f"/party-organizations/{branch.pk}/").content.decode()


def test_audit_page_is_for_platform_admins_only(login, huamu_staff, platform_admin, ly2_resident):
    from linli.core import actions

    actions.update_person(actor=huamu_staff, person=ly2_resident, address="新地址")
    assert login(huamu_staff).get("/audit/").status_code == 404
    page = login(platform_admin).get("/audit/", {"action": "core.person"}).content.decode()
    assert "core.person.updated" in page and "新地址" in page


def test_history_is_shown_on_the_record_page(login, huamu_staff, ly2_resident):
    from linli.core import actions

    actions.update_person(actor=huamu_staff, person=ly2_resident, address="花木路1号")
    page = login(huamu_staff).get(f"/people/{ly2_resident.pk}/").content.decode()
    assert "花木路1号" in page
    assert "修改" in page and "地址：" in page  # the act and the field in words, not code names


def test_english_is_available(login, huamu_staff):
    c = login(huamu_staff)
    c.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Log out" in c.get("/").content.decode()


def test_home_page_per_role(login, platform_admin, lianyang2_staff, tree):
    assert login(lianyang2_staff).get("/").status_code == 200
    assert login(platform_admin).get("/").status_code == 200


def _language_next(page: str) -> str:
    """Where the language menu returns to, as the browser would post it."""
    [value] = re.findall(r'<input[^>]*\bid="language-next"[^>]*\bvalue="([^"]*)"', page)
    return html.unescape(value)


@pytest.mark.parametrize(("url", "target"), [("/people/", "people-results"),
                                             ("/organizations/", "organizations-results")])
def test_switching_language_stays_on_the_filtered_list(login, huamu_staff, tree, url, target):
    c = login(huamu_staff)
    filters = {"q": "zs", "area": tree.lianyang.code}
    filtered = f"{url}?q=zs&area={tree.lianyang.code}"
    assert _language_next(c.get(url, filters).content.decode()) == filtered
    # The live search replaces the table and the address; the menu must follow it, not the page first loaded.
    fragment = c.get(url, filters, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target).content.decode()
    assert 'hx-swap-oob="true"' in fragment
    assert _language_next(fragment) == filtered

    response = c.post(reverse("set_language"), {"language": "en", "next": _language_next(fragment)})
    assert response.status_code == 302 and response["Location"] == filtered
    assert "Log out" in c.get(response["Location"]).content.decode()


def test_each_language_is_offered_in_its_own_name(login, huamu_staff):
    page = login(huamu_staff).get("/").content.decode()  # in Chinese, the default
    assert 'lang="en" >English</option>' in page and "简体中文</option>" in page and "英语" not in page


_MENU = {"areas": 'href="/areas/"', "people": 'href="/people/"', "organizations": 'href="/organizations/"',
         "party_organizations": 'href="/party-organizations/"', "needs": 'href="/needs/"', "audit": 'href="/audit/"',
         "my_record": 'data-testid="nav-my-record"'}


def _menu(page: str) -> set[str]:
    """The entries of the navigation bar, by name."""
    navbar = page[page.index('<nav class="navbar'):page.index("</nav>")]
    return {name for name, marker in _MENU.items() if marker in navbar}


def test_menu_for_subdistrict_staff_and_the_platform_administrator(login, huamu_staff, platform_admin):
    lists = {"areas", "people", "organizations", "party_organizations", "needs"}
    assert _menu(login(huamu_staff).get("/").content.decode()) == lists
    assert _menu(login(platform_admin).get("/").content.decode()) == lists | {"audit"}


def test_liaison_menu_offers_only_what_their_unit_holds(login, org_liaison, resident_unit, tree):
    PersonFactory(name="物业员工", neighborhood=tree.lianyang2, organization=resident_unit)
    c = login(org_liaison)
    assert _menu(c.get("/").content.decode()) == {"people", "organizations", "needs"}
    PartyOrganizationFactory(name="联洋物业党支部", organization=resident_unit, area=None)
    assert _menu(c.get("/").content.decode()) == {"people", "organizations", "party_organizations", "needs"}


def test_volunteer_is_at_home_on_their_own_record(login, volunteer):
    c = login(volunteer)
    response = c.get("/")
    assert response.status_code == 302 and response["Location"] == f"/people/{volunteer.person_id}/"
    page = c.get(response["Location"]).content.decode()
    assert "赵六" in page
    assert _menu(page) == {"my_record"}
    assert 'href="/needs/wall/"' in page  # and what a volunteer does: the wish wall


def test_chinese_even_for_an_english_browser_until_english_is_chosen(login, huamu_staff):
    c = login(huamu_staff)
    assert "退出" in c.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    c.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Log out" in c.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()


def test_edit_form_keeps_the_birth_date_in_chinese(login, lianyang2_secretary, ly2_resident, tree):
    # <input type=date> reads only ISO dates; a localized value would show empty and be saved as empty.
    c = login(lianyang2_secretary)
    page = c.get(f"/people/{ly2_resident.pk}/edit/").content.decode()
    assert f'value="{ly2_resident.birth_date:%Y-%m-%d}"' in page


def test_export_link_follows_the_live_search(login, lianyang2_secretary, ly2_resident):
    fragment = login(lianyang2_secretary).get("/people/", {"q": "zs"}, HTTP_HX_REQUEST="true",
                                              HTTP_HX_TARGET="people-results").content.decode()
    assert "/people/export.xlsx?q=zs" in fragment


def test_liaison_edits_a_staff_member_of_their_organization(login, org_liaison, resident_unit, tree):
    staff = PersonFactory(name="物业员工", neighborhood=tree.peihua1, organization=resident_unit)
    c = login(org_liaison)
    page = c.get(f"/people/{staff.pk}/edit/").content.decode()
    assert "培花一" in page  # their home neighborhood stays selectable
    data = _form(tree, name="物业员工", neighborhood=tree.peihua1.pk, organization=resident_unit.pk, phone="",
                 id_number="", gender=staff.gender, birth_date=str(staff.birth_date))
    response = c.post(f"/people/{staff.pk}/edit/", data)
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.address == "联洋新苑" and staff.neighborhood == tree.peihua1


def test_unit_contact_phone_is_masked_in_lists(login, lianyang2_staff, resident_unit):
    from linli.core import actions

    actions.update_organization(actor=None, organization=resident_unit, contact_phone="13912340000")
    page = login(lianyang2_staff).get("/organizations/").content.decode()
    assert "13912340000" not in page and "139****0000" in page


@pytest.fixture
def unit_with_phone(resident_unit):
    from linli.core import actions

    return actions.update_organization(actor=None, organization=resident_unit, contact_phone="13912340000")


def test_unit_contact_phone_is_revealed_in_place_and_audited(login, lianyang2_secretary, unit_with_phone):
    c = login(lianyang2_secretary)
    page = c.get(f"/organizations/{unit_with_phone.pk}/").content.decode()
    assert "13912340000" not in page and "139****0000" in page
    reveal = f"/organizations/{unit_with_phone.pk}/reveal/contact_phone/"
    assert reveal in page
    assert "13912340000" in c.post(reveal, HTTP_HX_REQUEST="true").content.decode()
    [event] = AuditEvent.objects.filter(action="core.sensitive_revealed")
    assert (event.actor, event.target_id, event.data) == (lianyang2_secretary, str(unit_with_phone.pk),
                                                          {"field": "contact_phone"})
    assert event.target_type.model == "organization"
    assert c.post(f"/organizations/{unit_with_phone.pk}/reveal/name/").status_code == 404  # not a number


@pytest.mark.parametrize(("persona", "status"), [
    ("lianyang2_staff", 403),  # sees the unit, may not reveal
    ("org_liaison", 403),
    ("peihua1_secretary", 404),  # may reveal, but not this unit's number: out of scope
])
def test_unit_contact_phone_stays_masked_for_who_may_not_reveal_it(request, login, unit_with_phone, persona, status):
    c = login(request.getfixturevalue(persona))
    reveal = f"/organizations/{unit_with_phone.pk}/reveal/contact_phone/"
    if status == 403:
        page = c.get(f"/organizations/{unit_with_phone.pk}/").content.decode()
        assert "139****0000" in page and reveal not in page
    response = c.post(reveal)
    assert response.status_code == status and b"13912340000" not in response.content
    assert not AuditEvent.objects.filter(action="core.sensitive_revealed").exists()


def test_form_fills_birth_date_and_gender_from_the_id_number_and_refuses_contradictions(
        login, lianyang2_secretary, tree):
    c = login(lianyang2_secretary)
    id_number = make_id_number(datetime.date(1975, 8, 9), seq=6)  # even 17th digit: a woman
    response = c.post("/people/new/", _form(tree, id_number=id_number, gender="M", birth_date="1975-08-09"))
    assert 'data-field="gender"' in response.content.decode()
    response = c.post("/people/new/", _form(tree, id_number=id_number, gender="F", birth_date="1975-08-10"))
    assert 'data-field="birth_date"' in response.content.decode()
    assert not Person.objects.filter(name="赵六").exists()
    c.post("/people/new/", _form(tree, id_number=id_number, gender="", birth_date=""))
    person = Person.objects.get(name="赵六")
    assert (person.gender, person.birth_date) == ("F", datetime.date(1975, 8, 9))
