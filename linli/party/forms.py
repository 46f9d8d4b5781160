"""Input forms for party pages. The rules (date not in the future, reasons for
absence, guests, quorum) live in actions.py and the models; these forms only
shape what a page sends into the arguments an action takes."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from linli.core.forms import PersonChoiceField, StyledFormMixin
from linli.core.models import Organization, PartyOrganization, Person
from linli.party.actions import ProblemItem
from linli.party.models import Campaign, CampaignTask, CommitteeMember, Decision, Meeting, TrainingSession
from linli.party.queries import ENROLMENT_GROUPS, Expected

PRESENT, ABSENT = "present", "absent"


class MeetingForm(StyledFormMixin, forms.Form):
    """A meeting's details and, for the expected members on its date, who was present and why others were not."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices)
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    topic = forms.CharField(label=_("Topic"), max_length=200)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none(), required=False,
                                      help_text=_("For a special meeting: the campaign it belongs to."))
    agenda = forms.CharField(label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    chair = forms.ModelChoiceField(label=_("Chair"), queryset=Person.objects.none(), required=False)
    recorder = forms.ModelChoiceField(label=_("Recorder"), queryset=Person.objects.none(), required=False)
    guests = forms.CharField(label=_("Invited guests"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("One name per line, e.g. a lecturer from the district party school."))
    minutes = forms.CharField(label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 6}))

    ATTENDANCE_FIELDS = ("present", "absent", "guests")

    def __init__(self, *args: Any, expected: list[Expected], people: Any, campaigns: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected
        campaign = self.fields["campaign"]
        assert isinstance(campaign, forms.ModelChoiceField)
        campaign.queryset = campaigns if campaigns is not None else Campaign.objects.none()
        for name in ("chair", "recorder"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = people
        self.style_widgets()
        self.attendance_errors: list[str] = []

    def attendance_rows(self) -> list[dict[str, Any]]:
        """What the attendance table shows: each expected member with the status and reason sent (or on record)."""
        on_record: dict[int, tuple[str, str]] = self.initial.get("attendance", {})
        rows = []
        for e in self.expected:
            pk = e.person.pk
            if self.is_bound:
                status, reason = self.data.get(f"att_{pk}", PRESENT), self.data.get(f"reason_{pk}", "")
            else:
                status, reason = on_record.get(pk, (PRESENT, ""))
            rows.append({"expected": e, "status": status, "reason": reason})
        return rows

    def attendance(self) -> tuple[list[Person], dict[Person, str], list[Person | str]]:
        """(present, absent with reasons, guest names) from what the page sent."""
        present, absent = [], {}
        for e in self.expected:
            if self.data.get(f"att_{e.person.pk}", PRESENT) == ABSENT:
                absent[e.person] = self.data.get(f"reason_{e.person.pk}", "")
            else:
                present.append(e.person)
        # A guest on record as a person (recorded through the API: a chair from the upper organization, say)
        # stays that person when the form sends their name back, instead of becoming a name only.
        known: dict[str, Person] = self.initial.get("guest_people", {})
        guests = [known.get(line.strip(), line.strip())
                  for line in self.cleaned_data.get("guests", "").splitlines() if line.strip()]
        return present, absent, guests

    def meeting_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in
                ("held_on", "topic", "place", "campaign", "agenda", "chair", "recorder", "minutes")}


def meeting_initial(meeting: Meeting | None, kind: str, held_on: datetime.date | None) -> dict[str, Any]:
    if meeting is None:
        return {"kind": kind, "held_on": held_on or timezone.localdate()}
    rows = list(meeting.attendances.select_related("person"))
    return {
        "kind": meeting.kind, "held_on": meeting.held_on, "topic": meeting.topic, "place": meeting.place,
        "campaign": meeting.campaign_id, "agenda": meeting.agenda, "chair": meeting.chair_id,
        "recorder": meeting.recorder_id, "minutes": meeting.minutes,
        "guests": "\n".join(a.name for a in rows if a.role == "guest"),
        "guest_people": {a.name: a.person for a in rows if a.role == "guest" and a.person is not None},
        "attendance": {a.person_id: (PRESENT if a.present else ABSENT, a.absence_reason)
                       for a in rows if a.role == "member"},
    }


class DecisionForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Decision
        fields = ("kind", "text", "votes_for", "votes_against", "abstentions")
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()


class AttachmentForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("File"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()


class ReviewForm(StyledFormMixin, forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()


class BoardForm(StyledFormMixin, forms.Form):
    area = forms.ChoiceField(label=_("Area"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args: Any, areas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.ChoiceField)
        area_field.choices = [(a.code, "\u3000" * max(a.depth - 2, 0) + a.name) for a in areas]
        self.style_widgets()


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _Styled(StyledFormMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style_widgets()

    def set_queryset(self, name: str, queryset: Any) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset


class CampaignForm(_Styled):
    name = forms.CharField(label=_("Name"), max_length=200)
    area = forms.ChoiceField(label=_("Area"))
    lead = forms.ModelChoiceField(label=_("Lead organization"), queryset=PartyOrganization.objects.none())
    starts_on = forms.DateField(label=_("From"), widget=_date_widget())
    ends_on = forms.DateField(label=_("Until"), widget=_date_widget())
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, areas: Any, leads: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, forms.ChoiceField)
        area.choices = [(a.code, "\u3000" * max(a.depth - 2, 0) + a.name) for a in areas]
        self.set_queryset("lead", leads)


class CoverForm(_Styled):
    """Add a subtree of party organizations to a campaign: the root and those below it at the chosen levels."""

    root = forms.ModelChoiceField(label=_("Organizations under"), queryset=PartyOrganization.objects.none())
    levels = forms.MultipleChoiceField(label=_("Levels"), choices=PartyOrganization.Level.choices,
                                       initial=[PartyOrganization.Level.BRANCH],
                                       widget=forms.SelectMultiple(attrs={"size": 5}))

    def __init__(self, *args: Any, roots: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("root", roots)


class TaskForm(_Styled):
    kind = forms.ChoiceField(label=_("Kind"), choices=CampaignTask.Kind.choices)
    title = forms.CharField(label=_("Task"), max_length=200, required=False,
                            help_text=_("By default, the kind's name."))
    due_on = forms.DateField(label=_("Due"), required=False, widget=_date_widget())
    party_organization = forms.ModelChoiceField(label=_("Only for"), required=False,
                                                queryset=PartyOrganization.objects.none(),
                                                help_text=_("Empty: every organization the campaign covers."))

    def __init__(self, *args: Any, covered: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("party_organization", covered)


class LectureForm(_Styled):
    party_organization = forms.ModelChoiceField(label=_("Party organization"),
                                                queryset=PartyOrganization.objects.none())
    speaker = forms.CharField(label=_("Speaker"), max_length=100, required=False)
    given_on = forms.DateField(label=_("Date"), widget=_date_widget())
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    audience = forms.IntegerField(label=_("Audience"), min_value=0, required=False)

    def __init__(self, *args: Any, covered: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("party_organization", covered)


class ProblemListForm(_Styled):
    lines = forms.CharField(label=_("Problems found"), widget=forms.Textarea(attrs={"rows": 5}),
                            help_text=_("One problem per line."))
    kind = forms.ChoiceField(label=_("Type"), choices=[
        ("deadline", _("Fix by a deadline")), ("immediate", _("Fix at once")),
        ("long_term", _("Long-term rectification"))])
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=_date_widget())
    owner = forms.ModelChoiceField(label=_("Rectified by"), required=False, queryset=Organization.objects.none(),
                                   help_text=_("By default, the unit the party organization belongs to."))

    def __init__(self, *args: Any, owners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("owner", owners)

    def items(self) -> list[Any]:
        return [ProblemItem(title=line.strip()[:200], kind=self.cleaned_data["kind"],
                            deadline=self.cleaned_data.get("deadline"))
                for line in self.cleaned_data["lines"].splitlines() if line.strip()]


class TaskDoneForm(_Styled):
    task = forms.ModelChoiceField(label=_("Task"), queryset=CampaignTask.objects.none())
    done_on = forms.DateField(label=_("Done on"), widget=_date_widget())
    note = forms.CharField(label=_("What was done"), max_length=500, required=False)

    def __init__(self, *args: Any, tasks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("task", tasks)


# Training courses ---------------------------------------------------------------------

class CourseForm(_Styled):
    title = forms.CharField(label=_("Title"), max_length=200)
    area = forms.ChoiceField(label=_("Area"))
    organizer = forms.ModelChoiceField(label=_("Organizer"), required=False,
                                       queryset=PartyOrganization.objects.none())
    starts_on = forms.DateField(label=_("From"), widget=_date_widget())
    ends_on = forms.DateField(label=_("Until"), widget=_date_widget())
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, areas: Any, organizers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, forms.ChoiceField)
        area.choices = [(a.code, "\u3000" * max(a.depth - 2, 0) + a.name) for a in areas]
        self.set_queryset("organizer", organizers)


class SessionForm(_Styled):
    topic = forms.CharField(label=_("Topic"), max_length=200)
    lecturer = forms.CharField(label=_("Lecturer"), max_length=100, required=False)
    format = forms.ChoiceField(label=_("Format"), choices=TrainingSession.Format.choices)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)


class EnrolForm(_Styled):
    group = forms.ChoiceField(label=_("Enrol"), choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group = self.fields["group"]
        assert isinstance(group, forms.ChoiceField)
        group.choices = list(ENROLMENT_GROUPS.items())


class SeatForm(_Styled):
    person = PersonChoiceField(label=_("Member"), queryset=Person.objects.none())
    position = forms.ChoiceField(label=_("Position"), choices=CommitteeMember.Position.choices)
    started_on = forms.DateField(label=_("From"), widget=_date_widget())

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_queryset("person", members)


class SeatEndForm(_Styled):
    ended_on = forms.DateField(label=_("Until"), widget=_date_widget())
