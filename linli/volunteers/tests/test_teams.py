"""Team pages: staff in scope edit a team and remove a member, audited; out of scope (or a volunteer) is 404."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from linli.core.models import AuditEvent
from linli.volunteers import actions
from linli.volunteers.models import Team, TeamMembership

pytestmark = pytest.mark.django_db


@pytest.fixture
def membership(ly2_team, ly2_volunteer) -> TeamMembership:
    return actions.add_team_member(actor=None, team=ly2_team, volunteer=ly2_volunteer)


def form_data(team: Team, **changes) -> dict:
    data = {"name": team.name, "kind": team.kind, "area": team.area_id, "minimum_age": team.minimum_age or "",
            "description": team.description}
    data.update(changes)
    return data


def test_staff_in_scope_edit_a_team_and_the_change_is_audited(login, lianyang2_secretary, ly2_team):
    client = login(lianyang2_secretary)
    url = reverse("volunteers:team_edit", args=[ly2_team.pk])
    assert ly2_team.name in client.get(url).content.decode()
    response = client.post(url, form_data(ly2_team, name="联洋二垃圾分类督导队", minimum_age="16"))
    assert response.status_code == 302 and response["Location"] == ly2_team.get_absolute_url()
    team = Team.objects.get(pk=ly2_team.pk)
    assert (team.name, team.minimum_age) == ("联洋二垃圾分类督导队", 16)
    event = AuditEvent.objects.get(action="volunteers.team_updated")
    assert event.actor == lianyang2_secretary and "name" in event.changes and "minimum_age" in event.changes
    assert event.action_label == "changed a volunteer team"
    assert "edit-team" in client.get(ly2_team.get_absolute_url()).content.decode()


def test_a_team_cannot_be_moved_out_of_the_editors_scope(login, lianyang2_secretary, tree, ly2_team):
    response = login(lianyang2_secretary).post(reverse("volunteers:team_edit", args=[ly2_team.pk]),
                                               form_data(ly2_team, area=tree.peihua1.pk))
    assert response.status_code == 422
    with pytest.raises(PermissionDenied):
        actions.update_team(actor=lianyang2_secretary, team=ly2_team, area=tree.peihua1)
    assert Team.objects.get(pk=ly2_team.pk).area == tree.lianyang2
    assert not AuditEvent.objects.filter(action="volunteers.team_updated").exists()


def test_an_empty_name_is_refused_and_nothing_saved(login, lianyang2_secretary, ly2_team):
    response = login(lianyang2_secretary).post(reverse("volunteers:team_edit", args=[ly2_team.pk]),
                                               form_data(ly2_team, name="  "))
    assert response.status_code == 422 and 'data-testid="error-name"' in response.content.decode()
    assert Team.objects.get(pk=ly2_team.pk).name == ly2_team.name


def test_staff_remove_a_member_who_keeps_their_history(login, lianyang2_secretary, ly2_team, membership):
    client = login(lianyang2_secretary)
    assert "remove-member" in client.get(ly2_team.get_absolute_url()).content.decode()
    url = reverse("volunteers:team_member_remove", args=[ly2_team.pk, membership.pk])
    assert client.post(url).status_code == 302
    left = TeamMembership.objects.get(pk=membership.pk)
    assert left.left_on is not None  # the membership stays, ended
    event = AuditEvent.objects.get(action="volunteers.team_left")
    assert event.actor == lianyang2_secretary and event.data["volunteer"] == "孙志愿"
    assert "孙志愿" not in client.get(ly2_team.get_absolute_url()).content.decode().split('data-testid="members"')[1] \
        .split("</ul>")[0]
    assert client.post(url).status_code == 404  # no longer a member
    assert AuditEvent.objects.filter(action="volunteers.team_left").count() == 1


def test_removing_with_another_teams_membership_is_404(login, lianyang2_secretary, tree, ly2_team, membership):
    other = actions.create_team(actor=None, name="联洋二志愿者协会", kind=Team.Kind.ASSOCIATION, area=tree.lianyang2)
    response = login(lianyang2_secretary).post(
        reverse("volunteers:team_member_remove", args=[other.pk, membership.pk]))
    assert response.status_code == 404
    assert TeamMembership.objects.get(pk=membership.pk).left_on is None


def test_out_of_scope_staff_and_volunteers_cannot_edit_or_remove(login, peihua1_secretary, ly2_volunteer_user,
                                                                  ly2_team, membership):
    for user in (peihua1_secretary, ly2_volunteer_user):
        client = login(user)
        assert client.get(reverse("volunteers:team_edit", args=[ly2_team.pk])).status_code == 404
        assert client.post(reverse("volunteers:team_edit", args=[ly2_team.pk]),
                           form_data(ly2_team, name="改掉")).status_code == 404
        assert client.post(reverse("volunteers:team_member_remove",
                                   args=[ly2_team.pk, membership.pk])).status_code == 404
    assert Team.objects.get(pk=ly2_team.pk).name == ly2_team.name
    assert TeamMembership.objects.get(pk=membership.pk).left_on is None
    assert not AuditEvent.objects.filter(action__in=["volunteers.team_updated", "volunteers.team_left"]).exists()
