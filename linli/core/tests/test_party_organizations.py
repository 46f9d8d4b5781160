"""Party organizations (党组织): created and edited through their pages, scoped
choices, the rules between level, upper organization and attachment, the
chain of upper organizations on the record page, and the read-only API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from linli.core import actions
from linli.core.models import AuditEvent, PartyOrganization, Person, Role
from linli.core.scoping import ROLE_PERMISSIONS, Perm
from linli.core.tests.factories import OrganizationFactory, PartyOrganizationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
L = PartyOrganization.Level


@dataclass
class Party:
    """花木街道党工委 → 联洋社区党委 → 联洋二党支部 → 第一党小组, and 培花一党支部 beside them."""

    committee: PartyOrganization
    lianyang: PartyOrganization
    ly2_branch: PartyOrganization
    ly2_group: PartyOrganization
    ph1_branch: PartyOrganization
    ly2_member: Person
    ph1_member: Person


def _member(name: str, neighborhood: Any, branch: PartyOrganization) -> Person:
    person = PersonFactory(name=name, neighborhood=neighborhood)
    actions.set_party_membership(actor=None, person=person, party_organization=branch)
    return person


@pytest.fixture
def party(tree) -> Party:
    committee = PartyOrganizationFactory(name="花木街道党工委", level=L.WORKING_COMMITTEE, area=tree.huamu)
    lianyang = PartyOrganizationFactory(name="联洋社区党委", level=L.COMMITTEE, parent=committee, area=tree.lianyang)
    ly2_branch = PartyOrganizationFactory(name="联洋二党支部", level=L.BRANCH, parent=lianyang, area=tree.lianyang2)
    ly2_group = PartyOrganizationFactory(name="第一党小组", level=L.GROUP, parent=ly2_branch, area=tree.lianyang2)
    ph1_branch = PartyOrganizationFactory(name="培花一党支部", level=L.BRANCH, area=tree.peihua1)
    return Party(committee, lianyang, ly2_branch, ly2_group, ph1_branch,
                 ly2_member=_member("王党员", tree.lianyang2, ly2_branch),
                 ph1_member=_member("赵党员", tree.peihua1, ph1_branch))


def _form(**fields: Any) -> dict[str, Any]:
    """POST data: every field present, as a browser sends it."""
    data = {"name": "", "level": "", "parent": "", "area": "", "organization": "", "secretary": ""}
    data.update({k: getattr(v, "pk", v) for k, v in fields.items()})
    return data


def _zh(message: str, **params: Any) -> str:
    """A message as the (Chinese) page shows it, translated or not yet."""
    with translation.override("zh-hans"):
        text = gettext(message)
        if params:
            text %= {k: str(v) for k, v in params.items()}
    return escape(text)


def _levels(**levels: str) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {k: str(PartyOrganization.Level(v).label) for k, v in levels.items()}


# Creating and editing ---------------------------------------------------------

def test_staff_creates_a_party_organization_through_the_page(login, huamu_staff, tree, party):
    c = login(huamu_staff)
    assert c.get("/party-organizations/new/").status_code == 200

    response = c.post("/party-organizations/new/", _form(
        name="联洋二第二党小组", level=L.GROUP, parent=party.ly2_branch, area=tree.lianyang2,
        secretary=party.ly2_member), follow=True)

    porg = PartyOrganization.objects.get(name="联洋二第二党小组")
    assert response.redirect_chain[-1][0] == f"/party-organizations/{porg.pk}/"
    assert (porg.level, porg.parent, porg.area, porg.secretary) == (
        L.GROUP, party.ly2_branch, tree.lianyang2, party.ly2_member)
    event = AuditEvent.objects.get(action="core.partyorganization.created", target_id=str(porg.pk))
    assert event.actor == huamu_staff
    assert event.changes["parent"] == [None, "联洋二党支部"]
    assert "联洋二第二党小组" in response.content.decode()


def test_edit_through_the_page_is_audited_and_shown_in_the_history(login, huamu_staff, tree, party):
    c = login(huamu_staff)
    form = c.get(f"/party-organizations/{party.ly2_branch.pk}/edit/").content.decode()
    assert 'value="联洋二党支部"' in form

    response = c.post(f"/party-organizations/{party.ly2_branch.pk}/edit/", _form(
        name="联洋二居民区党支部", level=L.BRANCH, parent=party.lianyang, area=tree.lianyang2,
        secretary=party.ly2_member), follow=True)

    party.ly2_branch.refresh_from_db()
    assert party.ly2_branch.name == "联洋二居民区党支部"
    assert party.ly2_branch.secretary == party.ly2_member
    event = AuditEvent.objects.get(action="core.partyorganization.updated", target_id=str(party.ly2_branch.pk))
    assert event.actor == huamu_staff
    assert event.changes == {"name": ["联洋二党支部", "联洋二居民区党支部"], "secretary": [None, "王党员"]}
    history = response.content.decode().split('data-testid="history"')[1]
    assert "<del>联洋二党支部</del> → 联洋二居民区党支部" in history


def test_edit_keeps_an_upper_organization_outside_the_editors_area(login, lianyang2_secretary, tree, party):
    # 联洋社区党委 is attached to the community, which the neighborhood's secretary does not hold.
    c = login(lianyang2_secretary)
    form = c.get(f"/party-organizations/{party.ly2_branch.pk}/edit/").content.decode()
    assert "联洋社区党委" in form

    c.post(f"/party-organizations/{party.ly2_branch.pk}/edit/", _form(
        name="联洋二党支部", level=L.BRANCH, parent=party.lianyang, area=tree.lianyang2, secretary=party.ly2_member))

    party.ly2_branch.refresh_from_db()
    assert (party.ly2_branch.parent, party.ly2_branch.secretary) == (party.lianyang, party.ly2_member)


def test_neighborhood_secretary_adds_a_branch_in_their_neighborhood(login, lianyang2_secretary, tree):
    c = login(lianyang2_secretary)
    assert 'href="/party-organizations/new/"' in c.get("/party-organizations/").content.decode()

    c.post("/party-organizations/new/", _form(name="联洋二第二党支部", level=L.BRANCH, area=tree.lianyang2))

    porg = PartyOrganization.objects.get(name="联洋二第二党支部")
    assert AuditEvent.objects.get(action="core.partyorganization.created", target_id=str(porg.pk)).actor == (
        lianyang2_secretary)


# Who may ---------------------------------------------------------------------

def test_out_of_scope_pages_are_404_and_change_nothing(login, peihua1_secretary, tree, party):
    c = login(peihua1_secretary)
    url = f"/party-organizations/{party.ly2_branch.pk}"

    assert c.get(f"{url}/").status_code == 404
    assert c.get(f"{url}/edit/").status_code == 404
    assert c.post(f"{url}/edit/", _form(name="改名", level=L.BRANCH, area=tree.peihua1)).status_code == 404
    party.ly2_branch.refresh_from_db()
    assert party.ly2_branch.name == "联洋二党支部"
    assert not AuditEvent.objects.filter(action__startswith="core.partyorganization.").exists()


def test_volunteer_gets_404_for_the_list_and_the_forms(login, tree, party):
    user = UserFactory(username="volunteer", person=party.ly2_member)
    actions.assign_role(actor=None, user=user, role=Role.VOLUNTEER, area=tree.lianyang2)
    c = login(user)

    assert c.get("/party-organizations/").status_code == 404
    assert c.get("/party-organizations/new/").status_code == 404
    assert c.post("/party-organizations/new/", _form(name="新支部", level=L.BRANCH, area=tree.lianyang2)
                  ).status_code == 404
    assert c.get(f"/party-organizations/{party.ly2_branch.pk}/edit/").status_code == 404
    assert not PartyOrganization.objects.filter(name="新支部").exists()


def test_a_viewer_without_change_permission_sees_no_buttons(login, monkeypatch, lianyang2_staff, party):
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.NEIGHBORHOOD_STAFF, frozenset({Perm.VIEW}))
    c = login(lianyang2_staff)

    listing = c.get("/party-organizations/").content.decode()
    detail = c.get(f"/party-organizations/{party.ly2_branch.pk}/").content.decode()

    assert "联洋二党支部" in listing and "/party-organizations/new/" not in listing
    assert "联洋二党支部" in detail and "/edit/" not in detail
    assert c.get("/party-organizations/new/").status_code == 404
    assert c.get(f"/party-organizations/{party.ly2_branch.pk}/edit/").status_code == 404


def test_buttons_are_shown_to_who_may_use_them(login, huamu_staff, party):
    c = login(huamu_staff)

    assert 'href="/party-organizations/new/"' in c.get("/party-organizations/").content.decode()
    assert f'href="/party-organizations/{party.ly2_branch.pk}/edit/"' in c.get(
        f"/party-organizations/{party.ly2_branch.pk}/").content.decode()


def test_post_without_csrf_token_is_refused(lianyang2_secretary, tree):
    c = Client(enforce_csrf_checks=True)
    c.force_login(lianyang2_secretary)
    assert c.post("/party-organizations/new/", _form(name="新支部", level=L.BRANCH, area=tree.lianyang2)
                  ).status_code == 403
    assert not PartyOrganization.objects.exists()


# Validation --------------------------------------------------------------------

def test_a_party_group_needs_an_upper_organization(login, huamu_staff, tree, party):
    response = login(huamu_staff).post("/party-organizations/new/", _form(
        name="无上级党小组", level=L.GROUP, area=tree.lianyang2))

    _assert_refused(response, "parent", _zh("A party group belongs to an upper organization: choose one."))


@pytest.mark.parametrize(("level", "parent_level"), [(L.BRANCH, L.BRANCH), (L.BRANCH, L.GROUP),
                                                      (L.WORKING_COMMITTEE, L.COMMITTEE)])
def test_the_upper_organization_must_be_of_a_higher_level(login, huamu_staff, tree, party, level, parent_level):
    parent = PartyOrganizationFactory(name="上级", level=parent_level, area=tree.lianyang2,
                                      parent=party.ly2_branch if parent_level == L.GROUP else None)

    response = login(huamu_staff).post("/party-organizations/new/", _form(
        name="新组织", level=level, parent=parent, area=tree.lianyang2))

    _assert_refused(response, "parent", _zh(
        "A %(level)s cannot be placed under a %(parent)s: choose an upper organization of a higher level.",
        **_levels(level=level, parent=parent_level)))


def test_a_party_organization_is_attached_to_an_area_or_an_organization(login, huamu_staff, party):
    response = login(huamu_staff).post("/party-organizations/new/", _form(
        name="无处挂靠", level=L.BRANCH, parent=party.lianyang))

    _assert_refused(response, "area", _zh("Attach the party organization to an area or an organization."))


def test_a_name_is_required(login, huamu_staff, tree):
    response = login(huamu_staff).post("/party-organizations/new/", _form(level=L.BRANCH, area=tree.lianyang2))

    _assert_refused(response, "name", "")


@pytest.mark.parametrize("parent", ["ly2_branch", "ly2_group"])
def test_an_organization_cannot_sit_under_itself_or_one_below_it(login, huamu_staff, tree, party, parent):
    c = login(huamu_staff)
    form = c.get(f"/party-organizations/{party.ly2_branch.pk}/edit/").content.decode()
    parent_select = form.split('name="parent"')[1].split("</select>")[0]
    assert "联洋社区党委" in parent_select
    assert "联洋二党支部" not in parent_select and "第一党小组" not in parent_select

    response = c.post(f"/party-organizations/{party.ly2_branch.pk}/edit/", _form(
        name="联洋二党支部", level=L.BRANCH, parent=getattr(party, parent), area=tree.lianyang2))

    _assert_refused(response, "parent", "")
    party.ly2_branch.refresh_from_db()
    assert party.ly2_branch.parent == party.lianyang


@pytest.mark.parametrize("parent", ["ly2_branch", "ly2_group"])
def test_the_model_refuses_a_cycle_by_name(huamu_staff, party, parent):
    with pytest.raises(ValidationError) as refused:
        actions.update_party_organization(actor=huamu_staff, party_organization=party.ly2_branch,
                                          parent=getattr(party, parent))

    with translation.override("en"):  # the message is lazy: it speaks the language active when it is read
        assert refused.value.message_dict == {
            "parent": ["The upper organization cannot be this organization itself or one below it."]}


def test_a_level_change_keeps_the_organizations_below_at_a_lower_level(login, huamu_staff, tree, party):
    response = login(huamu_staff).post(f"/party-organizations/{party.ly2_branch.pk}/edit/", _form(
        name="联洋二党支部", level=L.GROUP, parent=party.lianyang, area=tree.lianyang2))

    _assert_refused(response, "level", _zh(
        "%(child)s, below this organization, is a %(child_level)s: the level must stay higher than that.",
        child="第一党小组", **_levels(child_level=L.GROUP)))
    party.ly2_branch.refresh_from_db()
    assert party.ly2_branch.level == L.BRANCH


def _assert_refused(response: Any, field: str, message: str) -> None:
    """The form came back with an error on `field` (saying `message`) and nothing was written."""
    assert response.status_code == 200
    text = response.content.decode()
    errors = [e.split("</div>")[0] for e in text.split(f'data-field="{field}">')[1:]]
    assert errors, f"no error on {field}"
    if message:
        assert message in errors
    assert not AuditEvent.objects.filter(action__startswith="core.partyorganization.").exists()


# Choices are scoped ----------------------------------------------------------------

def test_choices_offer_only_records_the_user_can_see(login, lianyang2_secretary, tree, party, resident_unit):
    OrganizationFactory(name="培花学校", area=tree.peihua1)
    PersonFactory(name="非党员", neighborhood=tree.lianyang2)

    form = login(lianyang2_secretary).get("/party-organizations/new/").content.decode()
    select = {name: form.split(f'name="{name}"')[1].split("</select>")[0]
              for name in ("parent", "area", "organization", "secretary")}

    assert "联洋二党支部" in select["parent"] and "培花一党支部" not in select["parent"]
    assert "花木街道党工委" not in select["parent"]
    assert "联洋二" in select["area"] and "培花一" not in select["area"] and "花木街道" not in select["area"]
    assert "联洋物业" in select["organization"] and "培花学校" not in select["organization"]
    # Party members only, each with their party organization to tell namesakes apart.
    assert "王党员 · 联洋二党支部" in select["secretary"]
    assert "赵党员" not in select["secretary"] and "非党员" not in select["secretary"]


def test_out_of_scope_choices_posted_anyway_are_refused(login, lianyang2_secretary, tree, party):
    c = login(lianyang2_secretary)
    for field, value in (("parent", party.ph1_branch), ("secretary", party.ph1_member), ("area", tree.peihua1)):
        data = _form(name="新支部", level=L.BRANCH, area=tree.lianyang2)
        data[field] = value.pk
        _assert_refused(c.post("/party-organizations/new/", data), field, "")
    assert not PartyOrganization.objects.filter(name="新支部").exists()


def test_the_action_refuses_references_the_actor_cannot_see(lianyang2_secretary, tree, party):
    with pytest.raises(ValidationError) as refused:
        actions.create_party_organization(actor=lianyang2_secretary, name="新党小组", level=L.GROUP,
                                          parent=party.ph1_branch, area=tree.lianyang2, secretary=party.ph1_member)

    assert set(refused.value.message_dict) == {"parent", "secretary"}
    assert not PartyOrganization.objects.filter(name="新党小组").exists()


# The record page -----------------------------------------------------------------

def test_detail_shows_the_upper_chain_children_and_member_count(login, huamu_staff, tree, party):
    _member("钱党员", tree.lianyang2, party.ly2_branch)

    page = login(huamu_staff).get(f"/party-organizations/{party.ly2_branch.pk}/").content.decode()

    chain = page.split('data-testid="party-chain"')[1].split("</ol>")[0]
    assert chain.index("花木街道党工委") < chain.index("联洋社区党委") < chain.index("联洋二党支部")
    assert f'href="/party-organizations/{party.committee.pk}/"' in chain
    assert f'href="/party-organizations/{party.lianyang.pk}/"' in chain
    assert f'href="/party-organizations/{party.ly2_group.pk}/"' in page  # the organization below
    assert page.split('data-testid="member-count">')[1].startswith("2<")
    # Its meetings (三会一课) are one click away, and the page they lead to opens for the same user.
    assert f'href="/party/organizations/{party.ly2_branch.pk}/"' in page
    assert login(huamu_staff).get(f"/party/organizations/{party.ly2_branch.pk}/").status_code == 200


def test_upper_organizations_out_of_scope_are_named_not_linked(login, lianyang2_secretary, party):
    page = login(lianyang2_secretary).get(f"/party-organizations/{party.ly2_group.pk}/").content.decode()

    chain = page.split('data-testid="party-chain"')[1].split("</ol>")[0]
    assert "花木街道党工委" in chain and "联洋社区党委" in chain
    assert f'href="/party-organizations/{party.committee.pk}/"' not in chain
    assert f'href="/party-organizations/{party.ly2_branch.pk}/"' in chain


def test_detail_query_count_is_fixed(login, huamu_staff, tree, party, django_assert_max_num_queries):
    for i in range(10):
        PartyOrganizationFactory(name=f"党小组{i}", level=L.GROUP, parent=party.ly2_branch, area=tree.lianyang2)
        _member(f"党员{i}", tree.lianyang2, party.ly2_branch)
    c = login(huamu_staff)
    c.get(f"/party-organizations/{party.ly2_branch.pk}/")  # warm caches (content types) outside the count

    # session, user, grants, the record with its upper chain, which of them link, member count,
    # the edit button's check, the organizations below, members, history
    with django_assert_max_num_queries(10):
        assert c.get(f"/party-organizations/{party.ly2_branch.pk}/").status_code == 200


def test_list_query_count_does_not_grow_with_rows(login, huamu_staff, tree, party, django_assert_max_num_queries):
    for i in range(30):
        branch = PartyOrganizationFactory(name=f"支部{i}", parent=party.lianyang, area=tree.lianyang2,
                                          secretary=party.ly2_member)
        _member(f"党员{i}", tree.lianyang2, branch)
    c = login(huamu_staff)

    # session, user, grants, the add button's check (an area or organization to attach to), count, one page
    with django_assert_max_num_queries(7):
        page = c.get("/party-organizations/").content.decode()

    assert "支部29" in page


def test_form_query_count_does_not_grow_with_members(login, huamu_staff, tree, party,
                                                     django_assert_max_num_queries):
    for i in range(30):
        _member(f"党员{i}", tree.lianyang2, party.ly2_branch)
    c = login(huamu_staff)

    # session, user, grants, the record (twice: the form edits its own copy), the organizations
    # below (one query per level, to leave them out), one query per select
    with django_assert_max_num_queries(12):
        form = c.get(f"/party-organizations/{party.ly2_branch.pk}/edit/").content.decode()

    assert "党员29 · 联洋二党支部" in form


# API -----------------------------------------------------------------------------

def test_api_lists_party_organizations_in_scope(login, lianyang2_secretary, party):
    body = login(lianyang2_secretary).get(f"{API}/party-organizations").json()

    assert [p["name"] for p in body["items"]] == ["第一党小组", "联洋二党支部"]
    assert body["count"] == 2


def test_api_detail(login, huamu_staff, tree, party):
    actions.update_party_organization(actor=None, party_organization=party.ly2_branch, secretary=party.ly2_member)

    body = login(huamu_staff).get(f"{API}/party-organizations/{party.ly2_branch.pk}").json()

    assert body["name"] == "联洋二党支部" and body["level"] == "branch"
    assert body["parent"] == {"id": party.lianyang.pk, "name": "联洋社区党委", "level": "committee"}
    assert body["area"] == {"code": tree.lianyang2.code, "name": "联洋二"}
    assert body["organization"] is None
    assert body["secretary"] == {"id": party.ly2_member.pk, "name": "王党员"}
    assert body["member_count"] == 1


def test_api_search_by_name(login, huamu_staff, party):
    body = login(huamu_staff).get(f"{API}/party-organizations", {"q": "联洋"}).json()

    assert [p["name"] for p in body["items"]] == ["联洋二党支部", "联洋社区党委"]


def test_api_out_of_scope_detail_is_404(login, lianyang2_secretary, party):
    response = login(lianyang2_secretary).get(f"{API}/party-organizations/{party.ph1_branch.pk}",
                                              HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_api_unauthenticated_is_401(client, party):
    for url in ("/party-organizations", f"/party-organizations/{party.ly2_branch.pk}"):
        response = client.get(API + url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_api_paths_are_in_the_openapi_schema(client):
    paths = client.get(f"{API}/openapi.json").json()["paths"]

    assert set(paths[f"{API}/party-organizations"]) == {"get"}
    assert set(paths[f"{API}/party-organizations/{{party_organization_id}}"]) == {"get"}


def test_api_list_query_count_does_not_grow_with_rows(login, huamu_staff, tree, party,
                                                       django_assert_max_num_queries):
    for i in range(20):
        PartyOrganizationFactory(name=f"支部{i}", parent=party.lianyang, area=tree.lianyang2,
                                 secretary=party.ly2_member)
    client = login(huamu_staff)

    # session, user, grants, count, one page with its relations
    with django_assert_max_num_queries(5):
        body = client.get(f"{API}/party-organizations").json()

    assert body["count"] == 25
    assert all(p["area"] for p in body["items"])
