"""JSON endpoints for problems, under /api/v1/problems.

Thin, like the pages: parse → one query or action → schema. A problem out
of the caller's scope answers 404; one they may see but not act on, 403; a
step from the wrong state, 409; verifying without evidence, 422 naming why.
Evidence files are sent as multipart form data (POST /problems/{id}/evidence).
"""

import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from linli.core import queries as core_queries
from linli.core.api import AreaRef, OrganizationRef, Pagination, organization_in_scope
from linli.problems import actions, queries
from linli.problems.models import Evidence, Problem

router = Router(tags=["problems"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]  # set by ninja's authentication


class PersonRef(Schema):
    id: int
    name: str


class EvidenceOut(Schema):
    id: int
    note: str
    file_name: str
    content_type: str
    size: int
    created_at: datetime.datetime


class ProblemOut(Schema):
    id: int
    title: str
    description: str
    source: Problem.Source
    kind: Problem.Kind
    state: Problem.State
    area: AreaRef
    owner: OrganizationRef
    responsible_person: PersonRef | None
    found_on: datetime.date
    deadline: datetime.date | None
    overdue: bool = Field(description="Past its deadline and not yet reported fixed; derived, never stored.")
    measures: str
    created_at: datetime.datetime
    rectified_at: datetime.datetime | None
    verified_at: datetime.datetime | None

    @staticmethod
    def resolve_overdue(obj: Problem) -> bool:
        return obj.is_overdue()


class ProblemDetailOut(ProblemOut):
    allowed_steps: list[str] = Field(description="The steps the problem's state allows (permission aside).")
    evidence: list[EvidenceOut]

    @staticmethod
    def resolve_allowed_steps(obj: Problem) -> list[str]:
        return obj.allowed_transitions()

    @staticmethod
    def resolve_evidence(obj: Problem) -> list[Evidence]:
        return list(queries.evidence_of(obj))


class ProblemFilterIn(Schema):
    source: Problem.Source | Literal[""] = ""
    kind: Problem.Kind | Literal[""] = ""
    state: Problem.State | Literal[""] = ""
    area: str = Field("", description="An area code: that area and everything under it.")
    owner: int | None = Field(None, description="The owner organization's id.")
    overdue: bool = False
    q: str = Field("", max_length=50, description="Part of the problem's text.")

    def to_filter(self) -> queries.ProblemFilter:
        return queries.ProblemFilter(source=self.source, kind=self.kind, state=self.state, area=self.area,
                                     owner=self.owner, overdue=self.overdue, q=self.q)


class ProblemIn(Schema):
    title: str = Field(max_length=200)
    description: str = ""
    source: Problem.Source
    kind: Problem.Kind = Problem.Kind.DEADLINE
    area: str = Field(description="The code of the area the problem is in.")
    owner: int = Field(description="The id of the organization that must fix it.")
    responsible_person: int | None = Field(None, description="The id of the person responsible.")
    found_on: datetime.date | None = None
    deadline: datetime.date | None = None


class BoardRowOut(Schema):
    key: str | int | None
    label: str
    total: int
    verified: int
    awaiting_verification: int
    long_term: int
    overdue: int
    open: int
    completion_rate: float | None = Field(description="Percentage verified.")


class StartIn(Schema):
    measures: str = ""


class NoteIn(Schema):
    note: str = ""


class ReopenIn(Schema):
    reason: str
    deadline: datetime.date | None = None


def _problem(request: HttpRequest, problem_id: int) -> Problem:
    return queries.problem_for(_actor(request), problem_id)


@router.get("", response=list[ProblemOut])
@paginate(Pagination)
def list_problems(request: HttpRequest, filters: Query[ProblemFilterIn]) -> QuerySet[Problem]:
    """The problems in the caller's areas, and those their organization owns."""
    return queries.problems_visible_to(_actor(request), filters.to_filter())


@router.get("/board", response=list[BoardRowOut])
def problem_board(request: HttpRequest, filters: Query[ProblemFilterIn],
                  by: Literal["area", "community", "neighborhood", "organization", "source"] = "area"
                  ) -> list[queries.BoardRow]:
    """Counts per area, owner organization or source: total, verified, awaiting verification, long-term, overdue.
    `community` and `neighborhood` roll each problem up to the area of that level holding it (a problem placed
    above the level keeps a row of its own area)."""
    return queries.board(_actor(request), by, filters.to_filter())


@router.get("/{problem_id}", response=ProblemDetailOut)
def get_problem(request: HttpRequest, problem_id: int) -> Problem:
    return _problem(request, problem_id)


@router.post("", response={201: ProblemDetailOut})
def create_problem(request: HttpRequest, payload: ProblemIn) -> Status[Problem]:
    actor = _actor(request)
    data = payload.dict()
    area = core_queries.areas_visible_to(actor).filter(code=data.pop("area")).first()
    if area is None:
        raise ValidationError({"area": _("There is no area with code %(code)s in your area.") % {"code": payload.area}})
    owner = organization_in_scope(request, data.pop("owner"))
    person_id = data.pop("responsible_person")
    person = None
    if person_id is not None:
        person = core_queries.people_visible_to(actor).filter(pk=person_id).first()
        if person is None:
            raise ValidationError({"responsible_person": _("There is no person with id %(id)s in your area.")
                                   % {"id": person_id}})
    problem = actions.create_problem(actor=actor, area=area, owner=owner, responsible_person=person, **data)
    return Status(201, _problem(request, problem.pk))


@router.post("/{problem_id}/start", response=ProblemDetailOut)
def start_rectification(request: HttpRequest, problem_id: int, payload: StartIn) -> Problem:
    actions.start_rectification(actor=_actor(request), problem=_problem(request, problem_id),
                                measures=payload.measures)
    return _problem(request, problem_id)


@router.post("/{problem_id}/rectify", response=ProblemDetailOut)
def mark_rectified(request: HttpRequest, problem_id: int, payload: NoteIn) -> Problem:
    actions.mark_rectified(actor=_actor(request), problem=_problem(request, problem_id), note=payload.note)
    return _problem(request, problem_id)


@router.post("/{problem_id}/verify", response=ProblemDetailOut)
def verify_problem(request: HttpRequest, problem_id: int, payload: NoteIn) -> Problem:
    """Close a rectified problem. Named roles only (403 otherwise); 422 without evidence."""
    actions.verify_problem(actor=_actor(request), problem=_problem(request, problem_id), note=payload.note)
    return _problem(request, problem_id)


@router.post("/{problem_id}/reopen", response=ProblemDetailOut)
def reopen_problem(request: HttpRequest, problem_id: int, payload: ReopenIn) -> Problem:
    actions.reopen_problem(actor=_actor(request), problem=_problem(request, problem_id), reason=payload.reason,
                           deadline=payload.deadline)
    return _problem(request, problem_id)


# Module-level markers (ninja reads them as "from the multipart body"), not calls in each default.
_NOTE = Form("")
_FILE = File(None)


@router.post("/{problem_id}/evidence", response={201: EvidenceOut})
def add_evidence(request: HttpRequest, problem_id: int, note: str = _NOTE,
                 file: UploadedFile | None = _FILE) -> Status[Evidence]:
    """A note and/or a file (JPEG, PNG, WebP or PDF, up to the size limit) as multipart form data."""
    evidence = actions.add_evidence(actor=_actor(request), problem=_problem(request, problem_id), note=note,
                                    file=file)
    return Status(201, evidence)
