"""Party pages: meeting lists, the meeting form with attendance, the detail with quorum and review, the board."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from linli.party import actions
from linli.party.models import Attachment, Decision, Meeting
from linli.party.tests.factories import hold

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)


def _form_data(party, **extra) -> dict:
    data = {"kind": "general_assembly", "held_on": DAY.isoformat(), "topic": "学习条例", "place": "会议室",
            "chair": party.members[0].pk, "guests": "顾燕峰(区委党校)"}
    for p in party.everyone:
        data[f"att_{p.pk}"] = "present"
    data.update(extra)
    return data


def test_branch_meetings_page_lists_its_meetings_and_committee(party, login, lianyang2_secretary):
    hold(party.ly2, topic="三月党员大会")
    page = login(lianyang2_secretary).get(f"/party/organizations/{party.ly2.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "三月党员大会" in text and "赵一" in text and "Record a meeting" in text


def test_namesakes_are_told_apart_in_the_committee_seat_list(party, login, lianyang2_secretary):
    from linli.core.models import Person
    from linli.party.tests.conftest import member

    first, second = member(party.ly2, "张杰"), member(party.ly2, "张杰")
    Person.objects.filter(pk=first.pk).update(birth_date=datetime.date(1975, 3, 1))
    Person.objects.filter(pk=second.pk).update(birth_date=datetime.date(1988, 9, 9))
    text = login(lianyang2_secretary).get(f"/party/organizations/{party.ly2.pk}/").content.decode()
    assert "张杰 · born 1975" in text and "张杰 · born 1988" in text


def test_out_of_scope_pages_are_404(party, login, peihua1_secretary):
    meeting = hold(party.ly2)
    client = login(peihua1_secretary)
    assert client.get(f"/party/organizations/{party.ly2.pk}/").status_code == 404
    assert client.get(f"/party/meetings/{meeting.pk}/").status_code == 404
    assert client.get(f"/party/organizations/{party.ly2.pk}/meetings/new/").status_code == 404
    assert client.post(f"/party/meetings/{meeting.pk}/submit/").status_code == 404


def test_the_form_lists_the_expected_members_for_the_kind_and_date(party, login, lianyang2_secretary):
    client = login(lianyang2_secretary)
    page = client.get(f"/party/organizations/{party.ly2.pk}/meetings/new/?kind=committee&held_on=2026-03-10",
                      HTTP_HX_REQUEST="true", HTTP_HX_TARGET="attendance")
    text = page.content.decode()
    assert 'id="attendance"' in text and "<form" not in text
    assert text.count('name="att_') == 3  # the committee


def test_recording_a_meeting_through_the_form(party, login, lianyang2_secretary):
    client = login(lianyang2_secretary)
    data = _form_data(party, **{f"att_{party.members[4].pk}": "absent", f"reason_{party.members[4].pk}": "出差"})
    response = client.post(f"/party/organizations/{party.ly2.pk}/meetings/new/", data)
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/party/meetings/{meeting.pk}/"
    assert meeting.attendances.filter(present=False, absence_reason="出差").count() == 1
    assert meeting.attendances.filter(role="guest", name="顾燕峰(区委党校)").exists()

    detail = client.get(response["Location"]).content.decode()
    assert "6 of 7 voting members present" in detail and "Quorum met." in detail


def test_an_absentee_without_reason_is_shown_on_the_form_and_nothing_saved(party, login, lianyang2_secretary):
    client = login(lianyang2_secretary)
    data = _form_data(party, **{f"att_{party.members[4].pk}": "absent"})
    page = client.post(f"/party/organizations/{party.ly2.pk}/meetings/new/", data)
    assert page.status_code == 200
    assert "Give the reason for 周五&#x27;s absence." in page.content.decode()
    assert not Meeting.objects.exists()


def test_a_future_date_is_refused_on_the_date_field(party, login, lianyang2_secretary):
    client = login(lianyang2_secretary)
    page = client.post(f"/party/organizations/{party.ly2.pk}/meetings/new/",
                       _form_data(party, held_on="2099-01-01"))
    assert 'data-field="held_on"' in page.content.decode()
    assert not Meeting.objects.exists()


def test_editing_keeps_the_attendance_on_record(party, login, lianyang2_secretary):
    meeting = hold(party.ly2, absent={party.members[4]: "出差"})
    client = login(lianyang2_secretary)
    page = client.get(f"/party/meetings/{meeting.pk}/edit/").content.decode()
    assert 'value="出差"' in page


def test_editing_keeps_a_guest_on_record_as_that_person_and_as_chair(party, login, lianyang2_secretary,
                                                                     ly2_resident):
    lecturer = ly2_resident  # not a member: a guest on record (as the API records one), giving the 党课 and chairing it
    expected = list(party.everyone)
    meeting = actions.record_meeting(actor=None, party_organization=party.ly2, kind=Meeting.Kind.LECTURE,
                                     held_on=DAY, topic="党课", present=expected, guests=[lecturer], chair=lecturer)
    client = login(lianyang2_secretary)
    response = client.post(f"/party/meetings/{meeting.pk}/edit/", _form_data(
        party, kind="lecture", topic="党课(补充记录)", chair=lecturer.pk, guests=lecturer.name))
    assert response.status_code == 302, response.content.decode()
    meeting.refresh_from_db()
    assert meeting.topic == "党课(补充记录)" and meeting.chair == lecturer
    assert meeting.attendances.get(role="guest").person == lecturer


def test_submit_accept_and_return_from_the_detail_page(party, login, lianyang2_secretary, lianyang_staff):
    meeting = hold(party.ly2, minutes="记录")
    login(lianyang2_secretary).post(f"/party/meetings/{meeting.pk}/submit/")
    assert Meeting.objects.get(pk=meeting.pk).state == Meeting.State.SUBMITTED

    client = login(lianyang_staff)
    assert "Return with comment" in client.get(f"/party/meetings/{meeting.pk}/").content.decode()
    client.post(f"/party/meetings/{meeting.pk}/return/", {"comment": "缺签到表"})
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.RETURNED and meeting.review_comment == "缺签到表"
    assert "缺签到表" in client.get(f"/party/meetings/{meeting.pk}/").content.decode()


def test_the_branch_secretary_sees_no_review_buttons(party, login, lianyang2_secretary):
    meeting = hold(party.ly2, minutes="记录")
    client = login(lianyang2_secretary)
    client.post(f"/party/meetings/{meeting.pk}/submit/")
    assert "Return with comment" not in client.get(f"/party/meetings/{meeting.pk}/").content.decode()
    client.post(f"/party/meetings/{meeting.pk}/accept/")
    assert Meeting.objects.get(pk=meeting.pk).state == Meeting.State.SUBMITTED


def test_a_decision_without_quorum_is_refused_on_the_page(party, login, lianyang2_secretary):
    meeting = hold(party.ly2, absent={p: "出差" for p in party.full[:4]})
    page = login(lianyang2_secretary).post(f"/party/meetings/{meeting.pk}/decisions/",
                                           {"kind": "resolution", "text": "决议", "votes_for": 3,
                                            "votes_against": 0, "abstentions": 0})
    assert page.status_code == 422
    assert "3 of 7 were present" in page.content.decode()
    assert not Decision.objects.exists()


def test_attach_and_download_a_file(party, login, lianyang2_secretary, peihua1_secretary, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    meeting = hold(party.ly2)
    client = login(lianyang2_secretary)
    client.post(f"/party/meetings/{meeting.pk}/attachments/",
                {"file": SimpleUploadedFile("签到表.pdf", b"%PDF-1.7 x")})
    attachment = Attachment.objects.get()
    assert b"".join(client.get(f"/party/attachments/{attachment.pk}/").streaming_content) == b"%PDF-1.7 x"
    assert login(peihua1_secretary).get(f"/party/attachments/{attachment.pk}/").status_code == 404


def test_a_refused_file_says_why(party, login, lianyang2_secretary, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    meeting = hold(party.ly2)
    page = login(lianyang2_secretary).post(f"/party/meetings/{meeting.pk}/attachments/",
                                           {"file": SimpleUploadedFile("x.exe", b"MZ")})
    assert page.status_code == 422 and "Attach a PDF" in page.content.decode()


def test_the_board_page_shows_what_is_missing(party, login, huamu_staff, tree):
    hold(party.ly2, "committee", datetime.date(2026, 1, 8))
    page = login(huamu_staff).get(f"/party/board/?area={tree.huamu.code}&year=2026")
    text = page.content.decode()
    assert page.status_code == 200
    assert "联洋二党支部" in text and "培花一党支部" in text and "联洋社区" in text
    # 培花一 (two members) has no committee on record: it is told why no 支委会 is asked of it.
    assert text.count('data-testid="no-committee"') == 1


def test_the_board_of_an_area_out_of_scope_is_404_and_a_neighborhoods_has_no_repeated_row(party, login, tree,
                                                                                          lianyang2_secretary):
    client = login(lianyang2_secretary)
    assert client.get(f"/party/board/?area={tree.huamu.code}&year=2026").status_code == 404
    assert client.get("/party/board/?area=999&year=2026").status_code == 404
    page = client.get(f"/party/board/?area={tree.lianyang2.code}&year=2026")
    assert page.status_code == 200 and "联洋二党支部" in page.content.decode()
    assert "Directly under the area" not in page.content.decode()  # the total alone, not twice
    assert client.get("/party/board/").status_code == 200  # no area asked: the user's own


def test_the_board_page_shows_talk_coverage_not_a_score(party, login, huamu_staff, tree):
    from linli.party.tests.test_board import talk

    talk(party.ly2, ["赵一", "周五"], on=datetime.date(2026, 1, 5))
    text = login(huamu_staff).get(f"/party/board/?area={tree.huamu.code}&year=2026").content.decode()
    assert "Heart-to-heart talks: 1 of 8 members" in text  # 周五; the secretary needs a talk of their own
    assert "Heart-to-heart talks: 0 of 2 members" in text


def test_the_board_page_lists_its_branches_a_page_at_a_time(party, login, huamu_staff, tree, monkeypatch):
    from linli.party import queries

    monkeypatch.setattr(queries.compliance_board, "__defaults__", (None, 1, 1))  # one branch a page
    client = login(huamu_staff)
    first = client.get(f"/party/board/?area={tree.huamu.code}&year=2026").content.decode()
    second = client.get(f"/party/board/?area={tree.huamu.code}&year=2026&page=2").content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    assert f"area={tree.huamu.code}&amp;year=2026&amp;page=2" in first
    # 培花一 sorts before 联洋二 by name; the summary names both communities on either page.
    for text, listed, not_listed in ((first, "培花一党支部", "联洋二党支部"), (second, "联洋二党支部", "培花一党支部")):
        assert listed in text and not_listed not in text
        assert "联洋社区" in text and "培花社区" in text


def test_leaving_a_branch_out_of_the_board(party, login, huamu_staff, tree):
    client = login(huamu_staff)
    client.post(f"/party/organizations/{party.ph1.pk}/board-exclusion/", {"reason": "新成立"})
    text = client.get(f"/party/board/?area={tree.huamu.code}&year=2026").content.decode()
    assert "新成立" in text


def test_the_branch_secretary_is_not_offered_to_leave_branches_out(party, login, lianyang2_secretary,
                                                                    lianyang_staff, tree):
    secretary = login(lianyang2_secretary).get(f"/party/board/?area={tree.lianyang2.code}&year=2026")
    assert "Leave out" not in secretary.content.decode()
    staff = login(lianyang_staff).get(f"/party/board/?area={tree.lianyang.code}&year=2026")
    assert "Leave out" in staff.content.decode()


def test_leaving_a_branch_out_sends_back_only_to_a_page_of_this_site(party, login, lianyang_staff):
    response = login(lianyang_staff).post(f"/party/organizations/{party.ly2.pk}/board-exclusion/",
                                          {"reason": "新成立", "next": "https://example.com/"})
    assert response.status_code == 302 and response["Location"] == "/party/board/"


def test_the_board_page_takes_a_fixed_number_of_queries(party, login, huamu_staff, tree,
                                                         django_assert_max_num_queries):
    client = login(huamu_staff)
    client.get("/party/board/")  # warm the session
    with django_assert_max_num_queries(14):
        assert client.get(f"/party/board/?area={tree.huamu.code}&year=2026").status_code == 200


def test_the_meeting_list_is_scoped(party, login, lianyang2_secretary):
    hold(party.ly2, topic="联洋二的会")
    hold(party.ph1, topic="培花一的会")
    text = login(lianyang2_secretary).get("/party/").content.decode()
    assert "联洋二的会" in text and "培花一的会" not in text


def test_the_form_prefills_the_date_in_the_format_the_date_input_reads(party, login, lianyang2_secretary):
    page = login(lianyang2_secretary).get(f"/party/organizations/{party.ly2.pk}/meetings/new/?held_on=2026-03-10")
    assert 'value="2026-03-10"' in page.content.decode()


def test_the_detail_shows_the_record_history_in_words(party, login, lianyang2_secretary):
    meeting = hold(party.ly2, absent={party.members[4]: "出差"}, guests=["顾燕峰"], actor=lianyang2_secretary)
    text = login(lianyang2_secretary).get(f"/party/meetings/{meeting.pk}/").content.decode()
    assert "recorded a meeting" in text and "周五=出差" in text and "顾燕峰" in text


def test_the_history_names_coded_values_and_the_system_in_words(party, login, lianyang2_secretary):
    meeting = hold(party.ly2, actor=None, minutes="会议记录")
    actions.submit_meeting(actor=lianyang2_secretary, meeting=meeting)
    actions.add_committee_member(actor=None, party_organization=party.ly2, person=party.members[5],
                                 position="deputy_secretary", started_on=datetime.date(2024, 1, 1))
    client = login(lianyang2_secretary)
    history = client.get(f"/party/meetings/{meeting.pk}/").content.decode().split('data-testid="history"')[1]
    assert "Recorded" in history and "Submitted" in history and ">recorded<" not in history
    assert "System" in history and " system " not in history  # the demo seeder, a migration
    branch = client.get(f"/party-organizations/{party.ly2.pk}/").content.decode().split('data-testid="history"')[1]
    assert "Deputy secretary" in branch and "deputy_secretary" not in branch
