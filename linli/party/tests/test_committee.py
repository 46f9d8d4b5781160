"""Committee seats on the branch page and through the API: who holds which seat since when."""

from __future__ import annotations

import datetime
import json

import pytest

from linli.core.models import AuditEvent
from linli.party.models import CommitteeMember

pytestmark = pytest.mark.django_db

API = "/api/v1/party"


def test_the_branch_page_shows_each_seat_since_when(party, login, lianyang2_secretary):
    text = login(lianyang2_secretary).get(f"/party/organizations/{party.ly2.pk}/").content.decode()
    assert "赵一 · Secretary" in text and "since 2010-01-01" in text and "Seat a member on the committee" in text


def test_seating_and_ending_a_seat_on_the_page(party, login, lianyang2_secretary):
    client = login(lianyang2_secretary)
    url = f"/party/organizations/{party.ly2.pk}/"
    response = client.post(f"{url}committee/", {"person": party.members[3].pk, "position": "member",
                                                "started_on": "2026-01-01"})
    assert response.status_code == 302
    seat = CommitteeMember.objects.get(person=party.members[3])
    assert AuditEvent.objects.filter(action="party.committee_member_added").count() == 4  # three in the fixture
    client.post(f"/party/committee/{seat.pk}/end/", {"ended_on": "2026-02-01"})
    seat.refresh_from_db()
    assert seat.ended_on == datetime.date(2026, 2, 1)
    assert "Earlier seats" in client.get(url).content.decode()


def test_a_seat_twice_or_ending_before_it_starts_is_refused(party, login, lianyang2_secretary):
    client = login(lianyang2_secretary)
    page = client.post(f"/party/organizations/{party.ly2.pk}/committee/",
                       {"person": party.members[0].pk, "position": "member", "started_on": "2026-01-01"})
    assert page.status_code == 422 and "赵一 already sits on this committee." in page.content.decode()
    seat = CommitteeMember.objects.get(person=party.members[0])
    client.post(f"/party/committee/{seat.pk}/end/", {"ended_on": "2000-01-01"})
    seat.refresh_from_db()
    assert seat.ended_on is None


def test_committee_pages_out_of_scope_are_404(party, login, peihua1_secretary):
    client = login(peihua1_secretary)
    seat = CommitteeMember.objects.filter(party_organization=party.ly2).first()
    assert client.post(f"/party/organizations/{party.ly2.pk}/committee/", {}).status_code == 404
    assert client.post(f"/party/committee/{seat.pk}/end/", {"ended_on": "2026-02-01"}).status_code == 404


def test_the_committee_api(party, login, lianyang2_secretary, peihua1_secretary):
    client = login(lianyang2_secretary)
    seats = client.get(f"{API}/organizations/{party.ly2.pk}/committee").json()
    assert {(s["person"]["name"], s["position"], s["started_on"]) for s in seats} == {
        ("赵一", "secretary", "2010-01-01"), ("钱二", "deputy_secretary", "2010-01-01"),
        ("孙三", "member", "2010-01-01")}
    added = client.post(f"{API}/organizations/{party.ly2.pk}/committee",
                        json.dumps({"person": party.members[4].pk, "started_on": "2026-01-01"}),
                        content_type="application/json")
    assert added.status_code == 201 and added.json()["ended_on"] is None
    ended = client.post(f"{API}/committee/{added.json()['id']}/end", json.dumps({"ended_on": "2026-03-01"}),
                        content_type="application/json")
    assert ended.json()["ended_on"] == "2026-03-01"
    assert len(client.get(f"{API}/organizations/{party.ly2.pk}/committee?all=true").json()) == 4
    not_member = client.post(f"{API}/organizations/{party.ly2.pk}/committee",
                             json.dumps({"person": party.ph1_members[0].pk, "started_on": "2026-01-01"}),
                             content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert not_member.status_code == 422 and "person" in not_member.json()["errors"]
    assert login(peihua1_secretary).get(f"{API}/organizations/{party.ly2.pk}/committee").status_code == 404
