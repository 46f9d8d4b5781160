"""The JSON API under /api/v1/: scoping, masking, auth, error bodies, audit."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.utils import timezone

from linli.core import actions
from linli.core.models import APIToken, AuditEvent, Organization, Person
from linli.core.tests.factories import (
    OrganizationFactory,
    PartyOrganizationFactory,
    PersonFactory,
    make_id_number,
)

API = "/api/v1"


def person_payload(tree, **overrides: Any) -> dict[str, Any]:
    payload = {
        "name": "王五",
        "gender": "M",
        "birth_date": "1980-05-01",
        "phone": "13700001111",
        "id_number": make_id_number(datetime.date(1980, 5, 1), seq=11),
        "neighborhood": tree.lianyang2.code,
    }
    payload.update(overrides)
    return payload


def events_for(obj: Model, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, target_id=str(obj.pk)))


def token_client(user, name: str = "test") -> tuple[Client, APIToken]:
    token, key = actions.create_api_token(actor=user, name=name)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}"), token


# Scoping ---------------------------------------------------------------------

def test_secretary_lists_only_people_of_own_neighborhood(login, lianyang2_secretary, ly2_resident, ph1_resident):
    body = login(lianyang2_secretary).get(f"{API}/people").json()

    assert [p["name"] for p in body["items"]] == ["张三"]
    assert body["count"] == 1


def test_out_of_scope_person_detail_is_404(login, lianyang2_secretary, ph1_resident):
    response = login(lianyang2_secretary).get(f"{API}/people/{ph1_resident.pk}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_search_does_not_find_people_out_of_scope(login, lianyang2_secretary, huamu_staff, ly2_resident, ph1_resident):
    secretary = login(lianyang2_secretary).get(f"{API}/people", {"q": "李四"}).json()
    staff = login(huamu_staff).get(f"{API}/people", {"q": "李四"}).json()

    assert secretary == {"items": [], "count": 0}
    assert [p["name"] for p in staff["items"]] == ["李四"]


def test_out_of_scope_history_is_404(login, lianyang2_secretary, ph1_resident):
    response = login(lianyang2_secretary).get(f"{API}/people/{ph1_resident.pk}/history")

    assert response.status_code == 404


def test_subdistrict_staff_sees_both_neighborhoods(login, huamu_staff, ly2_resident, ph1_resident):
    client = login(huamu_staff)
    body = client.get(f"{API}/people").json()

    assert sorted(p["name"] for p in body["items"]) == ["张三", "李四"]
    assert client.get(f"{API}/people/{ph1_resident.pk}").status_code == 200


def test_areas_are_scoped(login, tree, lianyang2_secretary):
    client = login(lianyang2_secretary)
    body = client.get(f"{API}/areas").json()

    assert [a["code"] for a in body["items"]] == [tree.lianyang2.code]
    assert body["items"][0] == {
        "code": tree.lianyang2.code, "name": "联洋二", "level": "neighborhood", "parent": tree.lianyang.code,
    }
    assert client.get(f"{API}/areas/{tree.peihua1.code}").status_code == 404
    assert client.get(f"{API}/areas/{tree.lianyang2.code}").json()["name"] == "联洋二"


def test_organizations_are_scoped(login, tree, lianyang2_secretary):
    mine = OrganizationFactory(name="联洋二物业", area=tree.lianyang2)
    theirs = OrganizationFactory(name="培花一物业", area=tree.peihua1)
    client = login(lianyang2_secretary)

    assert [o["name"] for o in client.get(f"{API}/organizations").json()["items"]] == ["联洋二物业"]
    assert client.get(f"{API}/organizations/{mine.pk}").status_code == 200
    assert client.get(f"{API}/organizations/{theirs.pk}").status_code == 404


def test_people_filters(login, tree, huamu_staff, ly2_resident, ph1_resident):
    ph1_resident.is_volunteer = True
    ph1_resident.save()
    client = login(huamu_staff)

    def names(**params: Any) -> list[str]:
        return [p["name"] for p in client.get(f"{API}/people", params).json()["items"]]

    assert names(area=tree.peihua.code) == ["李四"]
    assert names(volunteer="true") == ["李四"]
    assert names(volunteer="false") == ["张三"]
    assert names(party_member="true") == []
    assert names(q="zs") == ["张三"]


def test_pagination_gives_page_and_total(login, huamu_staff, ly2_resident, ph1_resident):
    client = login(huamu_staff)
    body = client.get(f"{API}/people", {"limit": 1, "offset": 1}).json()

    assert len(body["items"]) == 1
    assert body["count"] == 2
    too_big = client.get(f"{API}/people", {"limit": 100000})
    assert too_big.status_code == 422
    assert "limit" in too_big.json()["errors"]


# Masking and reveal ------------------------------------------------------------

def test_phone_and_id_number_are_masked_in_list_and_detail(login, huamu_staff, ly2_resident):
    client = login(huamu_staff)
    responses = [client.get(f"{API}/people"), client.get(f"{API}/people/{ly2_resident.pk}")]

    for response in responses:
        assert ly2_resident.phone not in response.content.decode()
        assert ly2_resident.id_number not in response.content.decode()
    detail = responses[1].json()
    assert detail["phone"] == "138****5678"
    assert detail["id_number"] == ly2_resident.masked("id_number")
    assert detail["id_number"].count("*") == 11


def test_reveal_returns_the_number_and_is_audited(login, huamu_staff, ph1_resident):
    response = login(huamu_staff).post(
        f"{API}/people/{ph1_resident.pk}/reveal", {"field": "phone"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json() == {"field": "phone", "value": "13987654321"}
    assert response["Cache-Control"] == "no-store"
    [event] = events_for(ph1_resident, "core.sensitive_revealed")
    assert event.actor == huamu_staff
    assert event.data == {"field": "phone"}


def test_reveal_is_refused_for_neighborhood_staff(login, lianyang2_staff, ly2_resident):
    response = login(lianyang2_staff).post(
        f"{API}/people/{ly2_resident.pk}/reveal", {"field": "id_number"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json()["detail"]
    assert ly2_resident.id_number not in response.content.decode()
    assert events_for(ly2_resident, "core.sensitive_revealed") == []


def test_reveal_of_an_unknown_field_names_the_field(login, huamu_staff, ly2_resident):
    response = login(huamu_staff).post(
        f"{API}/people/{ly2_resident.pk}/reveal", {"field": "address"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert "field" in response.json()["errors"]


# Authentication ----------------------------------------------------------------

def test_unauthenticated_call_is_401_with_a_json_reason(client, ly2_resident):
    response = client.get(f"{API}/people")

    assert response.status_code == 401
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unauthenticated_post_is_401_not_csrf_403(tree):
    response = Client(enforce_csrf_checks=True).post(
        f"{API}/people", person_payload(tree), content_type="application/json"
    )

    assert response.status_code == 401


def test_token_auth_acts_as_the_token_owner(lianyang2_secretary, ly2_resident, ph1_resident):
    client, token = token_client(lianyang2_secretary)
    response = client.get(f"{API}/people")

    assert response.status_code == 200
    assert [p["name"] for p in response.json()["items"]] == ["张三"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_last_use_is_written_at_most_once_a_minute(lianyang2_secretary, ly2_resident):
    client, token = token_client(lianyang2_secretary)
    recent = timezone.now() - datetime.timedelta(seconds=30)
    APIToken.objects.filter(pk=token.pk).update(last_used_at=recent)

    client.get(f"{API}/people")
    token.refresh_from_db()
    assert token.last_used_at == recent

    stale = timezone.now() - datetime.timedelta(minutes=2)
    APIToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    client.get(f"{API}/people")
    token.refresh_from_db()
    assert token.last_used_at > stale


def test_revoked_token_is_401(lianyang2_secretary, ly2_resident):
    client, token = token_client(lianyang2_secretary)
    assert client.get(f"{API}/people").status_code == 200

    actions.revoke_api_token(actor=lianyang2_secretary, token=token)
    response = client.get(f"{API}/people")

    assert response.status_code == 401
    assert "张三" not in response.content.decode()


def test_unknown_token_is_401(ly2_resident):
    response = Client(HTTP_AUTHORIZATION="Bearer ll_not-a-real-key").get(f"{API}/people")

    assert response.status_code == 401


def test_token_of_disabled_account_is_401(lianyang2_secretary, ly2_resident):
    client, _token = token_client(lianyang2_secretary)
    lianyang2_secretary.is_active = False
    lianyang2_secretary.save()

    assert client.get(f"{API}/people").status_code == 401


def test_session_post_without_csrf_token_is_refused(tree, lianyang2_secretary):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lianyang2_secretary)

    refused = client.post(f"{API}/people", person_payload(tree), content_type="application/json")
    assert refused.status_code == 403
    assert not Person.objects.exists()

    # The same request with the CSRF cookie and header goes through.
    secret = "a" * 32
    client.cookies["csrftoken"] = secret
    accepted = client.post(
        f"{API}/people", person_payload(tree), content_type="application/json", HTTP_X_CSRFTOKEN=secret
    )
    assert accepted.status_code == 201


def test_token_post_needs_no_csrf_token(tree, lianyang2_secretary):
    _client, token_key = actions.create_api_token(actor=lianyang2_secretary, name="etl")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {token_key}")

    response = client.post(f"{API}/people", person_payload(tree), content_type="application/json")

    assert response.status_code == 201


# Validation and refusals --------------------------------------------------------

def _assert_refused(response, field: str, status: int = 422) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert field in body["errors"], body
    assert body["errors"][field][0]
    assert field in body["detail"]
    assert not Person.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="core.person.").exists()


def test_create_with_bad_id_checksum_names_id_number_and_saves_nothing(login, tree, lianyang2_secretary):
    good = make_id_number(datetime.date(1980, 5, 1), seq=11)
    bad = good[:17] + ("0" if good[17] != "0" else "1")

    response = login(lianyang2_secretary).post(
        f"{API}/people", person_payload(tree, id_number=bad), content_type="application/json"
    )

    _assert_refused(response, "id_number")


def test_create_with_bad_phone_names_phone(login, tree, lianyang2_secretary):
    response = login(lianyang2_secretary).post(
        f"{API}/people", person_payload(tree, phone="12345"), content_type="application/json"
    )

    _assert_refused(response, "phone")


def test_create_with_future_birth_date_names_birth_date(login, tree, lianyang2_secretary):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = login(lianyang2_secretary).post(
        f"{API}/people", person_payload(tree, birth_date=tomorrow.isoformat()), content_type="application/json"
    )

    _assert_refused(response, "birth_date")


def test_create_with_unknown_area_code_names_neighborhood(login, tree, lianyang2_secretary):
    response = login(lianyang2_secretary).post(
        f"{API}/people", person_payload(tree, neighborhood="999999"), content_type="application/json"
    )

    _assert_refused(response, "neighborhood")


def test_create_with_a_larger_area_than_a_neighborhood_is_refused(login, tree, huamu_staff):
    response = login(huamu_staff).post(
        f"{API}/people", person_payload(tree, neighborhood=tree.lianyang.code), content_type="application/json"
    )

    _assert_refused(response, "neighborhood")


def test_schema_errors_name_the_field(login, tree, lianyang2_secretary):
    payload = person_payload(tree, gender="X")
    del payload["neighborhood"]

    response = login(lianyang2_secretary).post(f"{API}/people", payload, content_type="application/json")

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"gender", "neighborhood"}
    assert not Person.objects.exists()


def test_secretary_cannot_create_a_person_in_another_neighborhood(login, tree, lianyang2_secretary):
    response = login(lianyang2_secretary).post(
        f"{API}/people", person_payload(tree, neighborhood=tree.peihua1.code), content_type="application/json"
    )

    _assert_refused(response, "neighborhood")


def test_secretary_cannot_move_a_person_out_of_scope(login, tree, lianyang2_secretary, ly2_resident):
    response = login(lianyang2_secretary).patch(
        f"{API}/people/{ly2_resident.pk}", {"neighborhood": tree.peihua1.code}, content_type="application/json"
    )

    assert response.status_code == 422
    assert "neighborhood" in response.json()["errors"]
    ly2_resident.refresh_from_db()
    assert ly2_resident.neighborhood == tree.lianyang2


def test_secretary_cannot_change_a_person_out_of_scope(login, lianyang2_secretary, ph1_resident):
    client = login(lianyang2_secretary)

    patched = client.patch(f"{API}/people/{ph1_resident.pk}", {"name": "改名"}, content_type="application/json")
    deleted = client.delete(f"{API}/people/{ph1_resident.pk}")

    assert (patched.status_code, deleted.status_code) == (404, 404)
    ph1_resident.refresh_from_db()
    assert ph1_resident.name == "李四"


def test_viewer_without_change_permission_gets_403(login, tree, ly2_resident):
    # A volunteer sees their own record but may not change it.
    from linli.core.tests.factories import UserFactory

    user = UserFactory(username="zhangsan", person=ly2_resident)
    actions.assign_role(actor=None, user=user, role="volunteer", area=tree.lianyang2)
    client = login(user)
    assert client.get(f"{API}/people/{ly2_resident.pk}").status_code == 200

    response = client.patch(f"{API}/people/{ly2_resident.pk}", {"name": "改名"}, content_type="application/json")

    assert response.status_code == 403
    assert response.json()["detail"]
    ly2_resident.refresh_from_db()
    assert ly2_resident.name == "张三"


def test_duplicate_id_number_is_refused_with_a_message(login, tree, lianyang2_secretary, ly2_resident):
    response = login(lianyang2_secretary).post(
        f"{API}/people",
        person_payload(tree, id_number=ly2_resident.id_number, birth_date=str(ly2_resident.birth_date),
                       gender=ly2_resident.gender),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["detail"]
    assert Person.objects.filter(id_number=ly2_resident.id_number).count() == 1


def test_duplicate_id_number_lost_in_a_race_is_409_not_500(login, tree, lianyang2_secretary, ly2_resident,
                                                           monkeypatch):
    # Two requests pass validation at the same moment; the second insert
    # meets the database's unique constraint. Simulated by skipping the check.
    monkeypatch.setattr(Person, "validate_constraints", lambda self, exclude=None: None)

    response = login(lianyang2_secretary).post(
        f"{API}/people",
        person_payload(tree, id_number=ly2_resident.id_number, birth_date=str(ly2_resident.birth_date),
                       gender=ly2_resident.gender),
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json()["detail"]
    assert Person.objects.filter(id_number=ly2_resident.id_number).count() == 1
    assert not AuditEvent.objects.filter(action="core.person.created", target_repr="王五").exists()


# Writes and their audit trail ------------------------------------------------------

def test_create_person_returns_the_masked_record_and_is_audited(login, tree, lianyang2_secretary):
    payload = person_payload(tree)
    response = login(lianyang2_secretary).post(f"{API}/people", payload, content_type="application/json")

    assert response.status_code == 201
    body = response.json()
    assert body["neighborhood"] == {"code": tree.lianyang2.code, "name": "联洋二"}
    assert body["phone"] == "137****1111"
    assert payload["id_number"] not in response.content.decode()
    person = Person.objects.get(pk=body["id"])
    assert person.id_number == payload["id_number"]
    [event] = events_for(person, "core.person.created")
    assert event.actor == lianyang2_secretary


def test_patch_person_changes_only_given_fields_and_is_audited(login, lianyang2_secretary, ly2_resident):
    response = login(lianyang2_secretary).patch(
        f"{API}/people/{ly2_resident.pk}", {"is_volunteer": True}, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json()["is_volunteer"] is True
    assert response.json()["name"] == "张三"
    [event] = events_for(ly2_resident, "core.person.updated")
    assert event.changes == {"is_volunteer": [False, True]}


def test_delete_person_is_audited(login, lianyang2_secretary, ly2_resident):
    response = login(lianyang2_secretary).delete(f"{API}/people/{ly2_resident.pk}")

    assert response.status_code == 204
    assert not Person.objects.filter(pk=ly2_resident.pk).exists()
    assert len(events_for(ly2_resident, "core.person.deleted")) == 1


def test_history_lists_the_audit_events_of_the_record(login, lianyang2_secretary, ly2_resident):
    client = login(lianyang2_secretary)
    client.patch(f"{API}/people/{ly2_resident.pk}", {"position": "楼组长"}, content_type="application/json")

    body = client.get(f"{API}/people/{ly2_resident.pk}/history").json()

    assert [e["action"] for e in body["items"]] == ["core.person.updated"]
    assert body["items"][0]["actor_name"] == "联洋二书记"
    assert body["items"][0]["changes"] == {"position": ["", "楼组长"]}


def test_create_and_patch_organization_are_audited(login, tree, lianyang2_secretary):
    client = login(lianyang2_secretary)
    created = client.post(
        f"{API}/organizations",
        {"name": "联洋二小学", "kind": "school", "area": tree.lianyang2.code, "contact_phone": "021-58881234"},
        content_type="application/json",
    )
    assert created.status_code == 201
    org = Organization.objects.get(pk=created.json()["id"])
    assert created.json()["area"] == {"code": tree.lianyang2.code, "name": "联洋二"}

    patched = client.patch(f"{API}/organizations/{org.pk}", {"address": "锦绣路1号"}, content_type="application/json")

    assert patched.status_code == 200
    assert patched.json()["address"] == "锦绣路1号"
    assert len(events_for(org, "core.organization.created")) == 1
    assert len(events_for(org, "core.organization.updated")) == 1


def test_create_organization_outside_scope_is_refused(login, tree, lianyang2_secretary):
    response = login(lianyang2_secretary).post(
        f"{API}/organizations", {"name": "培花物业", "kind": "property_company", "area": tree.peihua1.code},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert "area" in response.json()["errors"]
    assert not Organization.objects.exists()


def test_create_organization_without_area_needs_a_wider_scope(login, lianyang2_secretary):
    response = login(lianyang2_secretary).post(
        f"{API}/organizations", {"name": "无区域单位", "kind": "resident_unit"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert not Organization.objects.exists()


# Schema, docs, smoke and query counts ------------------------------------------------

def test_openapi_schema_lists_the_people_paths(client):
    paths = client.get(f"{API}/openapi.json").json()["paths"]

    for path in (f"{API}/people", f"{API}/people/{{person_id}}", f"{API}/people/{{person_id}}/reveal",
                 f"{API}/people/{{person_id}}/history"):
        assert path in paths
    assert {"get", "post"} <= set(paths[f"{API}/people"])


def test_docs_use_bundled_swagger_ui_not_a_cdn(client):
    html = client.get(f"{API}/docs").content.decode()

    # Hashed (swagger-ui-bundle.3abe734b0cfd.js) when served from the manifest storage.
    assert re.search(r'src="/static/ninja/swagger-ui-bundle(\.[0-9a-f]+)?\.js"', html)
    # Every script and style comes from this server (the page's CSRF token is random text, so no plain "cdn" test).
    assert re.findall(r'(?:src|href)="(?!/)([^"]*)"', html) == []
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    assert '"validatorUrl": null' in html


def test_every_list_endpoint_answers_200_for_subdistrict_staff(login, tree, huamu_staff, resident_unit):
    client = login(huamu_staff)
    person_id = client.post(f"{API}/people", person_payload(tree), content_type="application/json").json()["id"]

    for url in ("/areas", "/organizations", "/people", f"/people/{person_id}/history"):
        response = client.get(API + url)
        assert response.status_code == 200, url
        assert response.json()["count"] >= 1, url


@pytest.fixture
def crowd(tree):
    """Twenty people, half of them party members working at an organization."""
    branch = PartyOrganizationFactory(area=tree.lianyang2)
    org = OrganizationFactory(area=tree.lianyang2)
    for i in range(20):
        person = PersonFactory(neighborhood=tree.lianyang2 if i % 2 else tree.peihua1,
                               organization=org if i % 2 else None)
        if i % 2:
            actions.set_party_membership(actor=None, person=person, party_organization=branch)


def test_people_list_query_count_does_not_grow_with_rows(login, huamu_staff, crowd, django_assert_max_num_queries):
    client = login(huamu_staff)
    client.get(f"{API}/people")  # warm caches (content types) outside the count

    # session, user, role grants, count, one page of people with their relations
    with django_assert_max_num_queries(5):
        body = client.get(f"{API}/people").json()

    assert body["count"] == 20
    assert sum(1 for p in body["items"] if p["party_membership"]) == 10
    assert sum(1 for p in body["items"] if p["organization"]) == 10


def test_organization_list_query_count_does_not_grow_with_rows(login, tree, huamu_staff,
                                                               django_assert_max_num_queries):
    for i in range(20):
        OrganizationFactory(area=tree.lianyang2 if i % 2 else tree.peihua1)
    client = login(huamu_staff)

    with django_assert_max_num_queries(5):
        body = client.get(f"{API}/organizations").json()

    assert body["count"] == 20
    assert all(o["area"] for o in body["items"])

