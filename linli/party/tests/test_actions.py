"""Meetings: recording with attendance, refusals that save nothing, quorum, decisions, review, attachments."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linli.core.models import AuditEvent
from linli.party import actions
from linli.party.actions import IllegalTransition
from linli.party.models import Attachment, Attendance, BoardExclusion, Decision, Meeting
from linli.party.tests.conftest import member
from linli.party.tests.factories import campaign, hold

pytestmark = pytest.mark.django_db

K = Meeting.Kind
DAY = datetime.date(2026, 3, 10)


def _errors(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# Recording -----------------------------------------------------------------------------

def test_recording_a_general_assembly_lists_every_expected_member_with_vote(party, lianyang2_secretary):
    absent = party.members[4]
    meeting = hold(party.ly2, on=DAY, absent={absent: "出差"}, actor=lianyang2_secretary,
                   chair=party.members[0], recorder=party.members[1], place="居委会议室")

    rows = {a.person: a for a in meeting.attendances.all()}
    assert set(rows) == set(party.everyone)  # the branch's own members and its party group's
    assert rows[absent].present is False and rows[absent].absence_reason == "出差"
    assert rows[party.members[5]].voting is False  # probationary
    assert rows[party.members[0]].voting is True
    event = AuditEvent.objects.get(action="party.meeting_recorded")
    assert event.actor == lianyang2_secretary
    assert event.data["expected"] == 8 and event.data["present"] == 7 and event.data["absent"] == {"周五": "出差"}


def test_members_who_joined_after_the_date_are_not_expected(party):
    member(party.ly2, "新党员", joined_on=DAY + datetime.timedelta(days=1))
    meeting = hold(party.ly2, on=DAY)
    assert meeting.attendances.count() == len(party.everyone)


def test_a_meeting_dated_in_the_future_is_refused_on_its_date(party, lianyang2_secretary):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        actions.record_meeting(actor=lianyang2_secretary, party_organization=party.ly2, kind=K.GENERAL_ASSEMBLY,
                               held_on=tomorrow, topic="x", present=party.everyone)
    assert "held_on" in _errors(refused)
    assert not Meeting.objects.exists() and not Attendance.objects.exists()


def test_an_absentee_without_a_reason_is_refused_by_name(party, lianyang2_secretary):
    with pytest.raises(ValidationError) as refused:
        actions.record_meeting(actor=lianyang2_secretary, party_organization=party.ly2, kind=K.GENERAL_ASSEMBLY,
                               held_on=DAY, topic="x", present=party.everyone[1:], absent={party.everyone[0]: " "})
    assert _errors(refused) == {"absent": ["Give the reason for 赵一's absence."]}
    assert not Meeting.objects.exists() and not AuditEvent.objects.filter(action__startswith="party.meeting").exists()


def test_an_expected_member_left_out_is_refused(party, lianyang2_secretary):
    with pytest.raises(ValidationError) as refused:
        actions.record_meeting(actor=lianyang2_secretary, party_organization=party.ly2, kind=K.GENERAL_ASSEMBLY,
                               held_on=DAY, topic="x", present=party.everyone[:-1])
    assert _errors(refused)["present"] == ["Mark each expected member present or absent: 王八."]
    assert not Meeting.objects.exists()


def test_attendance_by_a_non_member_not_marked_guest_is_refused(party, lianyang2_secretary, ly2_resident):
    with pytest.raises(ValidationError) as refused:
        actions.record_meeting(actor=lianyang2_secretary, party_organization=party.ly2, kind=K.GENERAL_ASSEMBLY,
                               held_on=DAY, topic="x", present=[*party.everyone, ly2_resident])
    assert "张三 is not an expected member" in _errors(refused)["present"][0]
    assert "add them as a guest" in _errors(refused)["present"][0]
    assert not Meeting.objects.exists() and not Attendance.objects.exists()


def test_guests_are_recorded_present_without_a_vote(party, lianyang2_secretary, ly2_resident):
    meeting = actions.record_meeting(
        actor=lianyang2_secretary, party_organization=party.ly2, kind=K.LECTURE, held_on=DAY, topic="党课",
        present=party.everyone, guests=[ly2_resident, "顾燕峰(区委党校)"], chair=ly2_resident)
    guests = meeting.attendances.filter(role=Attendance.Role.GUEST)
    assert sorted(g.name for g in guests) == ["张三", "顾燕峰(区委党校)"]
    assert all(g.present and not g.voting for g in guests)


def test_a_member_cannot_be_a_guest_of_their_own_meeting(party):
    with pytest.raises(ValidationError) as refused:
        actions.record_meeting(actor=None, party_organization=party.ly2, kind=K.LECTURE, held_on=DAY, topic="x",
                               present=party.everyone[1:], absent={party.everyone[0]: "病假"},
                               guests=[party.everyone[0]])
    assert "guests" in _errors(refused)


def test_the_chair_must_have_been_present(party):
    with pytest.raises(ValidationError) as refused:
        hold(party.ly2, absent={party.members[0]: "病假"}, chair=party.members[0])
    assert _errors(refused) == {"chair": ["赵一 is not recorded as present at this meeting."]}


def test_a_special_meeting_names_its_campaign(party):
    with pytest.raises(ValidationError) as refused:
        hold(party.ly2, K.SPECIAL, campaign=None)
    assert "campaign" in _errors(refused)
    assert hold(party.ly2, K.SPECIAL).campaign.name == "主题教育"


def test_a_meeting_of_a_campaign_not_covering_the_organization_is_refused(party):
    other = campaign(party.ph1, name="另一场主题教育")
    with pytest.raises(ValidationError) as refused:
        hold(party.ly2, K.SPECIAL, campaign=other)
    assert _errors(refused) == {"campaign": ["联洋二党支部 is not covered by the campaign 另一场主题教育."]}
    assert not Meeting.objects.exists()


def test_a_committee_meeting_expects_the_committee_sitting_on_the_date(party):
    late = party.members[3]
    actions.add_committee_member(actor=None, party_organization=party.ly2, person=late,
                                 started_on=DAY + datetime.timedelta(days=30))
    meeting = hold(party.ly2, K.COMMITTEE)
    assert {a.person for a in meeting.attendances.all()} == set(party.committee)
    assert all(a.committee for a in meeting.attendances.all())


def test_a_talk_records_only_those_who_took_part(party):
    meeting = actions.record_meeting(actor=None, party_organization=party.ly2, kind=K.TALK, held_on=DAY,
                                     topic="谈心谈话", present=party.members[:2])
    assert meeting.attendances.count() == 2


def test_someone_out_of_scope_cannot_record_a_meeting_of_the_branch(party, peihua1_secretary):
    with pytest.raises(PermissionDenied):
        hold(party.ly2, actor=peihua1_secretary)
    assert not Meeting.objects.exists()


def test_updating_the_date_rechecks_attendance_against_the_membership_then(party, lianyang2_secretary):
    meeting = hold(party.ly2, on=DAY)
    newcomer = member(party.ly2, "新党员", joined_on=DAY + datetime.timedelta(days=5))
    with pytest.raises(ValidationError) as refused:
        actions.update_meeting(actor=lianyang2_secretary, meeting=meeting, held_on=DAY + datetime.timedelta(days=10))
    assert "新党员" in _errors(refused)["present"][0]
    meeting.refresh_from_db()
    assert meeting.held_on == DAY

    actions.update_meeting(actor=lianyang2_secretary, meeting=meeting, held_on=DAY + datetime.timedelta(days=10),
                           present=[*party.everyone, newcomer], minutes="会议记录")
    assert meeting.attendances.filter(person=newcomer, present=True).exists()
    assert AuditEvent.objects.filter(action="party.meeting_updated").count() == 1


# Quorum and decisions ------------------------------------------------------------------

def test_general_assembly_quorum_counts_full_members_only(party):
    # 7 full members (5 + the group's 2) and 1 probationary: more than half is 4, four fifths is 6.
    absent = {p: "出差" for p in party.full[:3]}
    quorum = hold(party.ly2, absent=absent).quorum()
    assert quorum is not None
    assert (quorum.electorate, quorum.present, quorum.needed, quorum.election_needed) == (7, 4, 4, 6)
    assert quorum.met and not quorum.election_met


def test_a_decision_without_quorum_is_refused(party):
    meeting = hold(party.ly2, absent={p: "出差" for p in party.full[:4]})  # 3 of 7 voting members present
    with pytest.raises(ValidationError) as refused:
        actions.record_decision(actor=None, meeting=meeting, text="同意接收预备党员", votes_for=3)
    assert _errors(refused)["kind"] == ["A decision needs more than half of the voting members present: "
                                        "3 of 7 were present, 4 are needed."]
    assert not Decision.objects.exists()


def test_an_election_needs_four_fifths(party):
    meeting = hold(party.ly2, absent={p: "出差" for p in party.full[:2]})  # 5 of 7
    actions.record_decision(actor=None, meeting=meeting, text="决议", votes_for=5)
    with pytest.raises(ValidationError) as refused:
        actions.record_decision(actor=None, meeting=meeting, text="选举支部委员", kind=Decision.Kind.ELECTION,
                                votes_for=5)
    assert "four fifths" in _errors(refused)["kind"][0]


def test_committee_quorum_is_more_than_half_of_the_committee(party):
    meeting = hold(party.ly2, K.COMMITTEE, absent={party.committee[0]: "病假"})
    quorum = meeting.quorum()
    assert quorum is not None and (quorum.electorate, quorum.present, quorum.needed) == (3, 2, 2)
    decision = actions.record_decision(actor=None, meeting=meeting, text="发展对象", votes_for=2)
    assert decision.passed(quorum)


def test_more_votes_than_voters_present_are_refused(party):
    meeting = hold(party.ly2)
    with pytest.raises(ValidationError) as refused:
        actions.record_decision(actor=None, meeting=meeting, text="x", votes_for=6, votes_against=2)
    assert "votes_for" in _errors(refused)


def test_a_resolution_passes_with_more_than_half_of_the_electorate(party):
    meeting = hold(party.ly2, absent={p: "出差" for p in party.full[:3]})
    quorum = meeting.quorum()
    decision = actions.record_decision(actor=None, meeting=meeting, text="x", votes_for=3, votes_against=1)
    assert not decision.passed(quorum)  # 3 of 7 voting members is not more than half


def test_only_assemblies_and_committees_record_decisions(party):
    with pytest.raises(ValidationError) as refused:
        actions.record_decision(actor=None, meeting=hold(party.ly2, K.THEME_DAY), text="x")
    assert "kind" in _errors(refused)


# Submission and review --------------------------------------------------------------------

def test_submit_then_the_upper_organization_accepts(party, lianyang2_secretary, lianyang_staff):
    meeting = hold(party.ly2, minutes="会议记录")
    actions.submit_meeting(actor=lianyang2_secretary, meeting=meeting)
    actions.accept_meeting(actor=lianyang_staff, meeting=meeting, comment="规范")
    meeting.refresh_from_db()
    assert meeting.state == Meeting.State.ACCEPTED and meeting.reviewed_by == lianyang_staff
    assert list(AuditEvent.objects.filter(target_id=str(meeting.pk), action__startswith="party.").order_by("id")
                .values_list("action", flat=True)) == [
        "party.meeting_recorded", "party.meeting_submitted", "party.meeting_accepted"]


def test_a_returned_record_can_be_corrected_and_resubmitted(party, lianyang2_secretary, lianyang_staff):
    meeting = hold(party.ly2, minutes="会议记录")
    actions.submit_meeting(actor=lianyang2_secretary, meeting=meeting)
    with pytest.raises(ValidationError):
        actions.return_meeting(actor=lianyang_staff, meeting=meeting, comment=" ")
    actions.return_meeting(actor=lianyang_staff, meeting=meeting, comment="缺少签到表")
    assert Meeting.objects.get(pk=meeting.pk).review_comment == "缺少签到表"
    actions.update_meeting(actor=lianyang2_secretary, meeting=meeting, minutes="补充签到表")
    actions.submit_meeting(actor=lianyang2_secretary, meeting=meeting)
    assert Meeting.objects.get(pk=meeting.pk).state == Meeting.State.SUBMITTED


def test_the_branch_cannot_review_its_own_record(party, lianyang2_secretary):
    meeting = hold(party.ly2, minutes="会议记录")
    actions.submit_meeting(actor=lianyang2_secretary, meeting=meeting)
    with pytest.raises(PermissionDenied):
        actions.accept_meeting(actor=lianyang2_secretary, meeting=meeting)


def test_a_submitted_record_cannot_be_changed_or_accepted_twice(party, lianyang2_secretary, lianyang_staff):
    meeting = hold(party.ly2, minutes="会议记录")
    actions.submit_meeting(actor=lianyang2_secretary, meeting=meeting)
    with pytest.raises(IllegalTransition):
        actions.update_meeting(actor=lianyang2_secretary, meeting=meeting, minutes="改")
    stale = Meeting.objects.get(pk=meeting.pk)
    actions.accept_meeting(actor=lianyang_staff, meeting=meeting)
    with pytest.raises(IllegalTransition) as refused:
        actions.return_meeting(actor=lianyang_staff, meeting=stale, comment="x")
    assert "now: Accepted" in refused.value.messages[0]


def test_minutes_are_needed_to_submit(party, lianyang2_secretary):
    meeting = hold(party.ly2)
    with pytest.raises(ValidationError) as refused:
        actions.submit_meeting(actor=lianyang2_secretary, meeting=meeting)
    assert "minutes" in _errors(refused)


# Attachments ---------------------------------------------------------------------------

def test_a_pdf_is_attached_and_audited(party, lianyang2_secretary, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    meeting = hold(party.ly2)
    upload = SimpleUploadedFile("签到表.pdf", b"%PDF-1.7 ...", content_type="application/pdf")
    attachment = actions.add_attachment(actor=lianyang2_secretary, meeting=meeting, file=upload)
    assert attachment.size == 12 and attachment.name == "签到表.pdf"
    assert AuditEvent.objects.filter(action="party.attachment_added").exists()


@pytest.mark.parametrize(("name", "content", "says"), [
    ("run.exe", b"MZ...", "Attach a PDF"),
    ("fake.pdf", b"MZ not a pdf", "fake.pdf is not a JPEG, PNG or WebP photo, a PDF or an Office document"),
    ("photo.pdf", b"\x89PNG\r\n\x1a\n0000", "not a .pdf file"),  # a real file, under the wrong name
])
def test_a_wrong_file_type_is_refused(party, settings, tmp_path, name, content, says):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError) as refused:
        actions.add_attachment(actor=None, meeting=hold(party.ly2), file=SimpleUploadedFile(name, content))
    assert says in _errors(refused)["file"][0]
    assert not Attachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(party, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LINLI_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError) as refused:
        actions.add_attachment(actor=None, meeting=hold(party.ly2),
                               file=SimpleUploadedFile("a.pdf", b"%PDF-" + b"x" * 20))
    assert "the limit is 10" in _errors(refused)["file"][0]


# Committees and the board's exclusions ------------------------------------------------------

def test_only_a_member_can_sit_on_the_committee(party, ly2_resident):
    with pytest.raises(ValidationError) as refused:
        actions.add_committee_member(actor=None, party_organization=party.ly2, person=ly2_resident, started_on=DAY)
    assert "person" in _errors(refused)


def test_excluding_a_branch_needs_a_reason_and_is_audited(party, lianyang_staff):
    with pytest.raises(ValidationError):
        actions.exclude_from_board(actor=lianyang_staff, party_organization=party.ly2, reason="")
    actions.exclude_from_board(actor=lianyang_staff, party_organization=party.ly2, reason="新成立")
    actions.include_in_board(actor=lianyang_staff, party_organization=party.ly2)
    assert list(AuditEvent.objects.filter(action__startswith="party.board").values_list("action", flat=True)
                .order_by("id")) == ["party.board_excluded", "party.board_included"]


def test_a_branch_secretary_cannot_take_their_own_branch_off_the_board(party, lianyang2_secretary, lianyang_staff):
    with pytest.raises(PermissionDenied) as refused:
        actions.exclude_from_board(actor=lianyang2_secretary, party_organization=party.ly2, reason="太忙")
    assert "联洋社区党委" in str(refused.value)
    assert not BoardExclusion.objects.exists() and not AuditEvent.objects.filter(action="party.board_excluded")
    actions.exclude_from_board(actor=lianyang_staff, party_organization=party.ly2, reason="新成立")
    with pytest.raises(PermissionDenied):
        actions.include_in_board(actor=lianyang2_secretary, party_organization=party.ly2)
    assert BoardExclusion.objects.filter(party_organization=party.ly2).exists()


def test_group_meetings_are_held_by_party_groups_and_assemblies_by_branches(party):
    with pytest.raises(ValidationError) as refused:
        hold(party.ly2, K.GROUP)
    assert "kind" in _errors(refused)
    with pytest.raises(ValidationError):
        hold(party.ly2_group, K.GENERAL_ASSEMBLY)
    assert hold(party.ly2_group, K.GROUP).attendances.count() == len(party.group_members)
    assert not Meeting.objects.filter(kind=K.GENERAL_ASSEMBLY).exists()
