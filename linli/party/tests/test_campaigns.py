"""Campaigns (主题教育): the plan, the organizations it covers, their tasks, progress computed from
the records (special meetings, problem lists in the problems app, lectures), rolled up per area."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.core.models import AuditEvent, Organization, PartyOrganization
from linli.core.tests.factories import OrganizationFactory, PartyOrganizationFactory
from linli.party import actions, queries
from linli.party.actions import ProblemItem
from linli.party.models import Campaign, CampaignLecture, CampaignOrganization, CampaignTask, Meeting
from linli.party.tests.conftest import member
from linli.party.tests.factories import hold
from linli.problems.models import Problem

pytestmark = pytest.mark.django_db

K = CampaignTask.Kind
DAY = datetime.date(2026, 3, 10)
API = "/api/v1/party"


@pytest.fixture
def theme(party, tree, huamu_staff) -> Campaign:
    """The street's 主题教育, covering every branch under 花木街道党工委, with three tasks."""
    campaign = actions.create_campaign(actor=huamu_staff, name="学习贯彻主题教育", area=tree.huamu, lead=party.huamu,
                                       starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2026, 12, 31),
                                       description="专题组织生活会、问题清单、宣讲")
    actions.cover_organizations(actor=huamu_staff, campaign=campaign,
                                party_organizations=PartyOrganization.objects.filter(
                                    pk__in=actions.subtree(party.huamu)))
    for kind in (K.SPECIAL_MEETING, K.PROBLEM_LIST, K.LECTURE):
        actions.add_campaign_task(actor=huamu_staff, campaign=campaign, kind=kind)
    return campaign


@pytest.fixture
def unit(tree) -> Organization:
    return OrganizationFactory(name="联洋二居委", kind=Organization.Kind.AGENCY, area=tree.lianyang2)


def _status(progress: queries.CampaignProgress, org: PartyOrganization) -> dict[str, bool]:
    row = next(r for r in progress.rows if r.entry.party_organization == org)
    return {s.task.kind: s.done for s in row.tasks}


# Plan and coverage ---------------------------------------------------------------------

def test_covering_a_subtree_takes_its_branches_not_the_groups_or_committees(theme, party):
    covered = set(theme.entries.values_list("party_organization__name", flat=True))
    assert covered == {"联洋二党支部", "培花一党支部"}
    assert AuditEvent.objects.filter(action="party.campaign_organizations_added", target_id=str(theme.pk)).exists()


def test_covering_twice_adds_nobody_twice(theme, party, huamu_staff):
    assert actions.cover_organizations(actor=huamu_staff, campaign=theme, party_organizations=[party.ly2]) == []
    assert theme.entries.count() == 2


def test_a_campaign_without_a_lead_or_ending_before_it_starts_is_refused(tree, huamu_staff, party):
    with pytest.raises(ValidationError) as refused:
        actions.create_campaign(actor=huamu_staff, name="x", area=tree.huamu, lead=None, starts_on=DAY, ends_on=DAY)
    assert "lead" in refused.value.message_dict
    with pytest.raises(ValidationError):
        actions.create_campaign(actor=huamu_staff, name="x", area=tree.huamu, lead=party.huamu, starts_on=DAY,
                                ends_on=DAY - datetime.timedelta(days=1))
    assert not Campaign.objects.exists()


def test_a_neighborhood_secretary_cannot_plan_a_street_campaign(tree, party, lianyang2_secretary):
    with pytest.raises(PermissionDenied):
        actions.create_campaign(actor=lianyang2_secretary, name="x", area=tree.huamu, lead=party.ly2,
                                starts_on=DAY, ends_on=DAY)
    assert not Campaign.objects.exists()


def test_a_task_for_an_organization_outside_the_campaign_is_refused(theme, tree, huamu_staff, party):
    outside = PartyOrganizationFactory(name="联洋一党支部", level=PartyOrganization.Level.BRANCH, area=tree.lianyang1,
                                       parent=party.lianyang)
    theme.entries.filter(party_organization=outside).delete()
    with pytest.raises(ValidationError) as refused:
        actions.add_campaign_task(actor=huamu_staff, campaign=theme, kind=K.OTHER, title="走访困难党员",
                                  party_organization=outside)
    assert refused.value.message_dict == {"party_organization": [
        "联洋一党支部 is not covered by this campaign: add it to the campaign first."]}
    assert theme.tasks.count() == 3


# Progress from records -------------------------------------------------------------------

def test_progress_comes_from_meetings_problem_lists_and_lectures(theme, party, huamu_staff, lianyang2_secretary,
                                                                 unit):
    assert _status(queries.campaign_progress(huamu_staff, theme), party.ly2) == {
        K.SPECIAL_MEETING: False, K.PROBLEM_LIST: False, K.LECTURE: False}

    hold(party.ly2, Meeting.Kind.ORGANIZATIONAL_LIFE, DAY, campaign=theme, topic="专题组织生活会")
    actions.submit_problem_list(actor=lianyang2_secretary, campaign=theme, party_organization=party.ly2,
                                owner=unit, problems=[
                                    ProblemItem("理论学习不够深入", deadline=datetime.date(2099, 1, 1)),
                                    ProblemItem("联系群众不够紧密", kind="immediate")])
    actions.log_lecture(actor=lianyang2_secretary, campaign=theme, party_organization=party.ly2,
                        speaker="宣讲团 王老师", given_on=DAY, topic="学习二十大精神")

    progress = queries.campaign_progress(huamu_staff, theme)
    assert _status(progress, party.ly2) == {K.SPECIAL_MEETING: True, K.PROBLEM_LIST: True, K.LECTURE: True}
    assert _status(progress, party.ph1) == {K.SPECIAL_MEETING: False, K.PROBLEM_LIST: False, K.LECTURE: False}
    problems = Problem.objects.filter(source=Problem.Source.SELF_EXAMINATION)
    assert problems.count() == 2 and {p.origin for p in problems} == {theme.entries.get(party_organization=party.ly2)}
    assert {p.owner for p in problems} == {unit} and {p.area for p in problems} == {party.ly2.area}


def test_a_party_groups_special_meeting_counts_for_its_branch(theme, party, huamu_staff):
    hold(party.ly2_group, Meeting.Kind.SPECIAL, DAY, campaign=theme)
    assert _status(queries.campaign_progress(huamu_staff, theme), party.ly2)[K.SPECIAL_MEETING] is True


def test_rolled_up_per_community_and_for_the_subdistrict(theme, party, huamu_staff):
    hold(party.ly2, Meeting.Kind.SPECIAL, DAY, campaign=theme)
    progress = queries.campaign_progress(huamu_staff, theme)
    by_area = {r.area.name: r for r in progress.rollups}
    meeting_task = theme.tasks.get(kind=K.SPECIAL_MEETING)
    assert by_area["联洋社区"].done_by_task[meeting_task.pk] == 1 and by_area["联洋社区"].organizations == 1
    assert by_area["培花社区"].done_by_task[meeting_task.pk] == 0
    assert progress.total.organizations == 2 and progress.total.done_by_task[meeting_task.pk] == 1
    assert progress.total.complete == 0


def test_a_task_for_one_organization_applies_to_it_only_and_is_marked_done_with_a_note(theme, party, huamu_staff,
                                                                                       lianyang2_secretary):
    task = actions.add_campaign_task(actor=huamu_staff, campaign=theme, kind=K.OTHER, title="走访困难党员",
                                     party_organization=party.ly2)
    with pytest.raises(ValidationError) as refused:
        actions.mark_task_done(actor=lianyang2_secretary, task=task, party_organization=party.ly2, done_on=DAY,
                               note=" ")
    assert "note" in refused.value.message_dict
    actions.mark_task_done(actor=lianyang2_secretary, task=task, party_organization=party.ly2, done_on=DAY,
                           note="走访5户")
    progress = queries.campaign_progress(huamu_staff, theme)
    assert _status(progress, party.ly2)[K.OTHER] is True
    assert K.OTHER not in _status(progress, party.ph1)


def test_a_computed_task_cannot_be_ticked(theme, party, lianyang2_secretary):
    with pytest.raises(ValidationError) as refused:
        actions.mark_task_done(actor=lianyang2_secretary, task=theme.tasks.get(kind=K.LECTURE),
                               party_organization=party.ly2, done_on=DAY, note="x")
    assert "task" in refused.value.message_dict


def test_the_progress_takes_a_fixed_number_of_queries(theme, party, huamu_staff, tree):
    def count() -> int:
        user = type(huamu_staff).objects.get(pk=huamu_staff.pk)
        with CaptureQueriesContext(connection) as run:
            queries.campaign_progress(user, theme)
        return len(run)

    few = count()
    for n in range(6):
        branch = PartyOrganizationFactory(name=f"支部{n}", level=PartyOrganization.Level.BRANCH, area=tree.peihua1,
                                          parent=party.peihua)
        member(branch, f"党员{n}")
        actions.cover_organizations(actor=None, campaign=theme, party_organizations=[branch])
        hold(branch, Meeting.Kind.SPECIAL, DAY, campaign=theme)
        actions.log_lecture(actor=None, campaign=theme, party_organization=branch, speaker="宣讲团", given_on=DAY)
    assert count() == few <= 9


def test_a_secretary_sees_the_campaign_and_only_their_branch(theme, party, lianyang2_secretary, peihua1_secretary):
    assert list(queries.campaigns_visible_to(lianyang2_secretary)) == [theme]
    assert [r.entry.party_organization for r in queries.campaign_progress(lianyang2_secretary, theme).rows] == [
        party.ly2]


# Lectures and problem lists: bad input ---------------------------------------------------

def test_a_lecture_without_a_speaker_is_refused(theme, party, lianyang2_secretary):
    with pytest.raises(ValidationError) as refused:
        actions.log_lecture(actor=lianyang2_secretary, campaign=theme, party_organization=party.ly2, speaker=" ",
                            given_on=DAY)
    assert refused.value.message_dict == {"speaker": ["Name the speaker."]}
    assert not CampaignLecture.objects.exists()


def test_a_lecture_in_the_future_or_at_an_organization_outside_the_campaign_is_refused(theme, party, tree,
                                                                                      huamu_staff):
    with pytest.raises(ValidationError) as refused:
        actions.log_lecture(actor=huamu_staff, campaign=theme, party_organization=party.ly2, speaker="王老师",
                            given_on=datetime.date(2099, 1, 1))
    assert "given_on" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        actions.log_lecture(actor=huamu_staff, campaign=theme, party_organization=party.lianyang, speaker="王老师",
                            given_on=DAY)
    assert "party_organization" in refused.value.message_dict
    assert not CampaignLecture.objects.exists()


def test_a_problem_list_with_a_bad_line_saves_none_of_it(theme, party, lianyang2_secretary, unit):
    with pytest.raises(ValidationError) as refused:
        actions.submit_problem_list(actor=lianyang2_secretary, campaign=theme, party_organization=party.ly2,
                                    owner=unit, problems=[ProblemItem("ok", deadline=datetime.date(2099, 1, 1)),
                                                          ProblemItem("no deadline")])
    assert refused.value.message_dict["problems"][0].startswith("Line 2:")
    assert not Problem.objects.exists()


def test_a_problem_list_of_a_branch_without_a_unit_needs_the_rectifying_organization(theme, party,
                                                                                     lianyang2_secretary):
    with pytest.raises(ValidationError) as refused:
        actions.submit_problem_list(actor=lianyang2_secretary, campaign=theme, party_organization=party.ly2,
                                    problems=[ProblemItem("x", kind="immediate")])
    assert "owner" in refused.value.message_dict
    assert not Problem.objects.exists()


# Pages ----------------------------------------------------------------------------------

def test_campaign_pages_show_progress_and_the_organization_view(theme, party, login, huamu_staff):
    hold(party.ly2, Meeting.Kind.SPECIAL, DAY, campaign=theme, topic="专题组织生活会")
    client = login(huamu_staff)
    assert "学习贯彻主题教育" in client.get("/party/campaigns/").content.decode()
    page = client.get(f"/party/campaigns/{theme.pk}/").content.decode()
    assert "联洋二党支部" in page and "培花一党支部" in page and "联洋社区" in page and "To do" in page
    entry = client.get(f"/party/campaigns/{theme.pk}/organizations/{party.ly2.pk}/").content.decode()
    assert "专题组织生活会" in entry and "No problem list submitted." in entry
    branch = client.get(f"/party/organizations/{party.ly2.pk}/").content.decode()
    assert f"/party/campaigns/{theme.pk}/organizations/{party.ly2.pk}/" in branch


def test_the_campaign_page_takes_a_bounded_number_of_queries(theme, party, login, huamu_staff,
                                                             django_assert_max_num_queries):
    client = login(huamu_staff)
    client.get("/party/campaigns/")
    with django_assert_max_num_queries(25):
        assert client.get(f"/party/campaigns/{theme.pk}/").status_code == 200


def test_creating_a_campaign_covering_a_subtree_and_adding_a_task_through_the_pages(party, login, huamu_staff,
                                                                                    tree):
    client = login(huamu_staff)
    response = client.post("/party/campaigns/new/", {"name": "主题教育", "area": tree.huamu.code,
                                                     "lead": party.huamu.pk, "starts_on": "2026-01-01",
                                                     "ends_on": "2026-06-30"})
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/party/campaigns/{campaign.pk}/"
    client.post(f"/party/campaigns/{campaign.pk}/organizations/", {"root": party.lianyang.pk, "levels": ["branch"]})
    assert [e.party_organization for e in campaign.entries.all()] == [party.ly2]
    page = client.post(f"/party/campaigns/{campaign.pk}/tasks/", {"kind": "other", "party_organization": party.ph1.pk})
    assert page.status_code == 422
    assert "培花一党支部 is not covered by this campaign" in page.content.decode()
    assert not campaign.tasks.exists()


def test_logging_a_lecture_on_the_page_and_a_refusal_without_speaker(theme, party, login, lianyang2_secretary):
    client = login(lianyang2_secretary)
    page = client.post(f"/party/campaigns/{theme.pk}/lectures/", {"party_organization": party.ly2.pk,
                                                                  "given_on": DAY.isoformat(), "speaker": ""})
    assert page.status_code == 422 and 'data-field="speaker"' in page.content.decode()
    assert not CampaignLecture.objects.exists()
    client.post(f"/party/campaigns/{theme.pk}/lectures/", {"party_organization": party.ly2.pk,
                                                           "given_on": DAY.isoformat(), "speaker": "宣讲团 王老师"})
    text = client.get(f"/party/campaigns/{theme.pk}/lectures/").content.decode()
    assert "宣讲团 王老师: 1 lectures at 1 organizations" in text


def test_submitting_a_problem_list_on_the_organization_page(theme, party, login, huamu_staff, unit):
    client = login(huamu_staff)
    url = f"/party/campaigns/{theme.pk}/organizations/{party.ly2.pk}/"
    response = client.post(url, {"form": "problems", "lines": "学习不深入\n\n台账不规范", "kind": "immediate",
                                 "owner": unit.pk})
    assert response.status_code == 302
    assert "台账不规范" in client.get(url).content.decode()
    assert Problem.objects.count() == 2


def test_out_of_scope_campaign_pages_are_404(theme, party, login, peihua1_secretary, lianyang2_secretary):
    client = login(peihua1_secretary)
    assert client.get(f"/party/campaigns/{theme.pk}/organizations/{party.ly2.pk}/").status_code == 404
    assert client.post(f"/party/campaigns/{theme.pk}/tasks/", {"kind": "lecture"}).status_code == 404
    other = actions.create_campaign(actor=None, name="北蔡的活动", area=party.huamu.area, lead=party.huamu,
                                    starts_on=DAY, ends_on=DAY)
    assert login(lianyang2_secretary).get(f"/party/campaigns/{other.pk}/").status_code == 404


# API -------------------------------------------------------------------------------------

def _post(client, url: str, data: dict):
    return client.post(url, json.dumps(data), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def test_the_campaign_api(party, login, huamu_staff, lianyang2_secretary, tree):
    staff = login(huamu_staff)
    created = _post(staff, f"{API}/campaigns", {"name": "主题教育", "area": tree.huamu.code, "lead": party.huamu.pk,
                                                 "starts_on": "2026-01-01", "ends_on": "2026-12-31"})
    assert created.status_code == 201, created.json()
    cid = created.json()["id"]
    covered = _post(staff, f"{API}/campaigns/{cid}/organizations", {"subtree_of": party.huamu.pk})
    assert {o["name"] for o in covered.json()} == {"联洋二党支部", "培花一党支部"}
    task = _post(staff, f"{API}/campaigns/{cid}/tasks", {"kind": "lecture"}).json()
    lecture = _post(staff, f"{API}/campaigns/{cid}/lectures", {"party_organization": party.ly2.pk,
                                                                "speaker": "宣讲团", "given_on": "2026-03-01"})
    assert lecture.status_code == 201
    body = staff.get(f"{API}/campaigns/{cid}").json()
    ly2 = next(o for o in body["organizations"] if o["party_organization"]["id"] == party.ly2.pk)
    assert ly2["complete"] is True and ly2["tasks"][0]["task_id"] == task["id"]
    assert body["total"] == {"area": {"code": tree.huamu.code, "name": "花木街道"}, "organizations": 2,
                             "complete": 1, "tasks": [{"task_id": task["id"], "done": 1, "due": 2}]}
    assert login(lianyang2_secretary).get(f"{API}/campaigns").json()["count"] == 1


def test_api_bad_input_is_422_naming_the_field(theme, party, login, huamu_staff, tree):
    staff = login(huamu_staff)
    no_speaker = _post(staff, f"{API}/campaigns/{theme.pk}/lectures",
                       {"party_organization": party.ly2.pk, "speaker": "", "given_on": "2026-03-01"})
    assert no_speaker.status_code == 422 and "speaker" in no_speaker.json()["errors"]
    outside = _post(staff, f"{API}/campaigns/{theme.pk}/tasks",
                    {"kind": "other", "party_organization": party.lianyang.pk})
    assert outside.status_code == 422 and "party_organization" in outside.json()["errors"]
    assert not CampaignLecture.objects.exists() and theme.tasks.count() == 3


def test_a_meeting_names_its_campaign_by_id_in_the_api(theme, party, login, lianyang2_secretary):
    client = login(lianyang2_secretary)
    body = {"party_organization": party.ly2.pk, "kind": "special", "held_on": DAY.isoformat(), "topic": "专题会",
            "campaign": theme.pk, "present": [p.pk for p in party.everyone]}
    response = _post(client, f"{API}/meetings", body)
    assert response.status_code == 201, response.json()
    assert response.json()["campaign"] == {"id": theme.pk, "name": "学习贯彻主题教育"}
    missing = _post(client, f"{API}/meetings", {**body, "campaign": None})
    assert missing.status_code == 422 and "campaign" in missing.json()["errors"]


def test_campaign_endpoints_are_in_the_openapi_schema(db, client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/party/campaigns", "/api/v1/party/campaigns/{campaign_id}",
                 "/api/v1/party/campaigns/{campaign_id}/lectures",
                 "/api/v1/party/campaigns/{campaign_id}/organizations/{party_organization_id}/problems"):
        assert path in paths


def test_entry_rows_are_kept_per_campaign(theme):
    assert CampaignOrganization.objects.filter(campaign=theme).count() == 2


def test_every_campaign_write_leaves_an_audit_row(theme, party, huamu_staff, lianyang2_secretary, unit):
    task = actions.add_campaign_task(actor=huamu_staff, campaign=theme, kind=K.OTHER, title="走访")
    actions.mark_task_done(actor=lianyang2_secretary, task=task, party_organization=party.ly2, done_on=DAY,
                           note="走访3户")
    actions.log_lecture(actor=lianyang2_secretary, campaign=theme, party_organization=party.ly2, speaker="宣讲团",
                        given_on=DAY)
    actions.submit_problem_list(actor=lianyang2_secretary, campaign=theme, party_organization=party.ly2, owner=unit,
                                problems=[ProblemItem("x", kind="immediate")])
    actions_seen = set(AuditEvent.objects.filter(action__startswith="party.campaign").values_list("action", flat=True))
    assert actions_seen == {"party.campaign_created", "party.campaign_organizations_added",
                            "party.campaign_task_added", "party.campaign_task_done", "party.campaign_lecture_logged",
                            "party.campaign_problem_list_submitted"}
    assert AuditEvent.objects.get(action="party.campaign_lecture_logged").actor == lianyang2_secretary
    assert AuditEvent.objects.filter(action="problems.created").count() == 1


def test_the_meeting_form_records_a_special_meeting_of_a_campaign_covering_the_branch(theme, party, login,
                                                                                     lianyang2_secretary):
    client = login(lianyang2_secretary)
    form = client.get(f"/party/organizations/{party.ly2.pk}/meetings/new/?kind=special").content.decode()
    assert "学习贯彻主题教育" in form
    data = {"kind": "special", "held_on": DAY.isoformat(), "topic": "专题组织生活会", "campaign": theme.pk}
    data.update({f"att_{p.pk}": "present" for p in party.everyone})
    response = client.post(f"/party/organizations/{party.ly2.pk}/meetings/new/", data)
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.campaign == theme
    assert "学习贯彻主题教育" in client.get(response["Location"]).content.decode()
    missing = client.post(f"/party/organizations/{party.ly2.pk}/meetings/new/", {**data, "campaign": ""})
    assert 'data-field="campaign"' in missing.content.decode()
    assert Meeting.objects.count() == 1
