"""JSON endpoints for needs and claims, under /api/v1/needs.

Thin, like core's: parse → one query or action → schema. A need the caller
may not open (out of their scope, not open to them, not claimed by them)
answers 404; one they may open but not act on answers 403; a step from the
wrong state, or a claim someone else won, answers 409 with a sentence naming
the need's current state.

The wish wall (GET /needs/wall) is public: no login, only the public fields
of published wishes (alias or given name, age, community, wish text, value
band). A wish's child is shown to staff in scope (guardian's phone masked)
and to its claimant (no guardian at all).
"""

import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from linli.core import queries as core_queries
from linli.core import spreadsheets
from linli.core.api import AreaRef, OrganizationRef, Pagination, neighborhood_in_scope, organization_in_scope
from linli.needs import actions, imports, queries
from linli.needs.models import Claim, Dispatch, Feedback, HandoverItem, HandoverPhoto, Need, ThankYouLetter, WishImport

router = Router(tags=["needs"])


def _actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]  # set by ninja's authentication


# Schemas -----------------------------------------------------------------------------

class NeedOut(Schema):
    id: int
    kind: Need.Kind
    state: Need.State
    title: str
    description: str
    category: Need.Category
    value_band: Need.ValueBand | Literal[""]
    neighborhood: AreaRef
    organization: OrganizationRef | None = Field(description="The organization the need belongs to, if any.")
    publication_scope: Need.Scope | Literal[""]
    requester: int | None = Field(description="A service order's requesting resident (their record's id).")
    place: str
    window_start: datetime.datetime | None
    window_end: datetime.datetime | None
    rejection_reason: str
    fulfilled_on: datetime.date | None
    fulfilment_event: str
    fulfilment_note: str
    created_at: datetime.datetime
    submitted_at: datetime.datetime | None
    published_at: datetime.datetime | None
    claimed_at: datetime.datetime | None
    closed_at: datetime.datetime | None


class BeneficiaryOut(Schema):
    public_name: str
    age: int | None
    child_name: str
    school: str
    school_class: str
    guardian_consent: bool
    age_estimated: bool = Field(description="Only the age was known (a paper form); the birth date is estimated.")
    guardian_name: str | None = Field(description="Staff in scope only; null for the claimant.")
    guardian_phone: str | None = Field(description="Masked; staff in scope only.")


class ClaimOut(Schema):
    id: int
    need: int = Field(description="The claimed need's id.")
    need_title: str
    claimant: str
    organization: OrganizationRef | None
    claimant_area: AreaRef | None
    need_area: AreaRef
    cross_region: bool
    status: Claim.Status
    created_at: datetime.datetime
    cancelled_at: datetime.datetime | None
    cancel_deadline: datetime.datetime = Field(description="Until when the claimant may cancel it themselves.")

    @staticmethod
    def resolve_need(obj: Claim) -> int:
        return obj.need_id

    @staticmethod
    def resolve_need_title(obj: Claim) -> str:
        return obj.need.title

    @staticmethod
    def resolve_claimant(obj: Claim) -> str:
        return str(obj.claimant)

    @staticmethod
    def resolve_cancel_deadline(obj: Claim) -> datetime.datetime:
        return obj.cancel_deadline()


class NeedDetailOut(NeedOut):
    allowed_steps: list[str] = Field(description="The steps the need's state allows (permission aside).")
    beneficiary: BeneficiaryOut | None = Field(description="A wish's child, for staff in scope and the claimant.")
    claim: ClaimOut | None = Field(description="The active claim, if any.")

    @staticmethod
    def resolve_allowed_steps(obj: Need) -> list[str]:
        return obj.allowed_transitions()

    @staticmethod
    def resolve_beneficiary(obj: Need, context: dict[str, Any]) -> queries.Beneficiary | None:
        return queries.beneficiary_for(_actor(context["request"]), obj)

    @staticmethod
    def resolve_claim(obj: Need) -> Claim | None:
        return queries.active_claim(obj)

    @staticmethod
    def resolve_requester(obj: Need) -> int | None:
        return obj.requester_id


class DispatchOut(Schema):
    id: int
    need: int = Field(description="The service order's id.")
    need_title: str
    organization: OrganizationRef
    deadline: datetime.datetime
    status: Dispatch.Status
    created_at: datetime.datetime
    accepted_at: datetime.datetime | None
    overdue: bool = Field(description="Deadline passed and the order not yet served (worked out, not stored).")

    @staticmethod
    def resolve_need(obj: Dispatch) -> int:
        return obj.need_id

    @staticmethod
    def resolve_need_title(obj: Dispatch) -> str:
        return obj.need.title

    @staticmethod
    def resolve_overdue(obj: Dispatch) -> bool:
        return obj.is_overdue()


class FeedbackOut(Schema):
    need: int
    organization: OrganizationRef | None = Field(description="The team or unit rated.")
    rating: int
    comment: str
    on_behalf: bool = Field(description="Entered by staff for the requester.")
    created_at: datetime.datetime

    @staticmethod
    def resolve_need(obj: Feedback) -> int:
        return obj.need_id


class TeamRatingOut(Schema):
    organization_id: int | None
    organization: str
    ratings: int
    average: float


class ServiceFiguresOut(Schema):
    by_state: dict[str, int] = Field(description="Service orders created in the period, by their state now.")
    total: int
    overdue: int
    rated: int
    average_rating: float | None


class PublicWishOut(Schema):
    id: int
    title: str
    description: str
    category: Need.Category
    value_band: Need.ValueBand | Literal[""]
    public_name: str | None = Field(description="A given name or an alias, never the full name.")
    age: int | None
    community: str | None
    published_at: datetime.datetime | None

    @staticmethod
    def resolve_age(obj: Need) -> int | None:
        return obj.public_age

    @staticmethod
    def resolve_community(obj: Need) -> str | None:
        parent = obj.neighborhood.parent
        return parent.name if parent is not None else None


class WishFiguresOut(Schema):
    submitted: int
    published: int
    claimed: int = Field(description="Claims standing now, made in the period.")
    fulfilled: int
    claiming_units: int
    claiming_individuals: int
    cross_region_claims: int = Field(description="Claims from another subdistrict.")
    median_days_to_claim: float | None
    median_days_to_fulfilment: float | None


class FiguresIn(Schema):
    area: str = Field("", description="An area code: that area and everything under it.")
    start: datetime.date | None = Field(None, description="First day of the period.")
    end: datetime.date | None = Field(None, description="Last day of the period.")


class NeedFilterIn(Schema):
    kind: Need.Kind | Literal[""] = ""
    state: Need.State | Literal[""] = ""
    category: Need.Category | Literal[""] = ""
    area: str = Field("", description="An area code: that area and everything under it.")
    q: str = Field("", max_length=50, description="Part of the title.")


class WallFilterIn(Schema):
    category: Need.Category | Literal[""] = ""
    value_band: Need.ValueBand | Literal[""] = ""
    community: str = Field("", description="A community's area code.")


class WishIn(Schema):
    child_name: str | None = None
    public_name: str | None = Field(None, description="A given name or an alias shown publicly.")
    birth_date: datetime.date | None = None
    school: str | None = None
    school_class: str | None = None
    guardian_name: str | None = None
    guardian_phone: str | None = None
    guardian_consent: bool | None = None


class NeedIn(Schema):
    kind: Need.Kind
    title: str
    description: str = ""
    category: Need.Category = Need.Category.OTHER
    value_band: Need.ValueBand | Literal[""] = ""
    neighborhood: str = Field(description="The neighborhood's area code.")
    organization: int | None = Field(None, description="The id of the organization the need belongs to.")
    requester: int | None = Field(None, description="A service order's requesting resident (their record's id).")
    place: str = ""
    window_start: datetime.datetime | None = None
    window_end: datetime.datetime | None = None
    wish: WishIn | None = Field(None, description="A wish's child and guardian.")


class NeedPatch(Schema):
    title: str | None = None
    description: str | None = None
    category: Need.Category | None = None
    value_band: Need.ValueBand | Literal[""] | None = None
    neighborhood: str | None = Field(None, description="The neighborhood's area code.")
    organization: int | None = None
    requester: int | None = None
    place: str | None = None
    window_start: datetime.datetime | None = None
    window_end: datetime.datetime | None = None


class ReasonIn(Schema):
    reason: str = ""


class PublishIn(Schema):
    scope: Need.Scope


class FulfilmentIn(Schema):
    fulfilled_on: datetime.date
    event: str = Field("", max_length=200, description="e.g. 梦想见面会")
    note: str = ""


class CloseIn(Schema):
    note: str = ""


class DispatchIn(Schema):
    organization: int = Field(description="The id of the team or unit to serve the order.")
    deadline: datetime.datetime = Field(description="Serve by (must be in the future).")


class RatingIn(Schema):
    rating: int = Field(description="1 to 5.")
    comment: str = ""


class ClaimIn(Schema):
    organization: int | None = Field(None, description="Claim in the name of this organization (its liaison only).")


# Input → action keyword arguments ---------------------------------------------------------

def _need_fields(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    if "neighborhood" in data:
        if not data["neighborhood"]:
            raise ValidationError({"neighborhood": _("Give the neighborhood's area code.")})
        data["neighborhood"] = neighborhood_in_scope(request, data["neighborhood"])
    if "organization" in data:
        data["organization"] = organization_in_scope(request, data["organization"]) if data["organization"] else None
    if data.get("requester") is not None:
        person = core_queries.people_visible_to(_actor(request)).filter(pk=data["requester"]).first()
        if person is None:
            raise ValidationError({"requester": _("There is no resident with id %(id)s in your area.")
                                   % {"id": data["requester"]}})
        data["requester"] = person
    for name in ("description", "value_band", "place"):
        if name in data and data[name] is None:
            data[name] = ""
    return data


def _wish_fields(data: dict[str, Any]) -> dict[str, Any]:
    # null for an optional text means "no value"; the model names the required fields it misses.
    return {k: ("" if v is None and k not in ("birth_date", "guardian_consent") else v)
            for k, v in data.items() if not (k == "guardian_consent" and v is None)}


def _need(request: HttpRequest, need_id: int) -> Need:
    return queries.need_for(_actor(request), need_id)


# Importing wishes from Excel: upload (preview with row errors), then confirm (all or nothing) ------------
# Before /{need_id}: ninja tries the paths in the order they are declared.

class RowErrorOut(Schema):
    row: int = Field(description="The row number Excel shows.")
    column: str = Field(description="The column's header as written in the file; empty for the row as a whole.")
    message: str


class WishImportOut(Schema):
    id: int
    status: WishImport.Status = Field(description="previewed: every row passes, confirm to import; rejected: "
                                                   "see `errors`, fix the file and upload it again; imported.")
    filename: str
    row_count: int
    errors: list[RowErrorOut]
    imported_count: int
    created_at: datetime.datetime
    imported_at: datetime.datetime | None


@router.get("/imports", response=list[WishImportOut])
def wish_imports(request: HttpRequest) -> QuerySet[WishImport]:
    """The caller's own uploads, newest first (an upload holds children's names: only its uploader sees it)."""
    return imports.wish_imports_of(_actor(request))[:50]


@router.get("/imports/template", response={200: None}, openapi_extra={"responses": {200: {
    "description": "The blank sheet (.xlsx) with its instructions and the caller's neighborhoods.",
    "content": {spreadsheets.XLSX_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}})
def wish_import_template(request: HttpRequest) -> HttpResponse:
    """The template to fill in: one row per wish, the columns of the paper form."""
    imports.require_import(_actor(request))
    response = HttpResponse(imports.wish_template(_actor(request)), content_type=spreadsheets.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="wishes-template.xlsx"'
    return response


@router.post("/imports", response={201: WishImportOut})
def preview_wish_import(request: HttpRequest, file: File[UploadedFile]) -> Status[WishImport]:
    """Upload a sheet of wishes (multipart `file`, .xlsx in the template's layout) and check every row.
    Nothing is imported yet: the answer lists each bad row; confirm a `previewed` upload to import it.
    A file that cannot be read at all, or without a required column, answers 422."""
    if (file.size or 0) > spreadsheets.MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than 20 MB; split it into several files.")})
    return Status(201, imports.preview_wish_import(actor=_actor(request), filename=file.name or "",
                                                   content=file.read()))


@router.get("/imports/{import_id}", response=WishImportOut)
def wish_import(request: HttpRequest, import_id: int) -> WishImport:
    return get_object_or_404(imports.wish_imports_of(_actor(request)), pk=import_id)


@router.post("/imports/{import_id}/confirm", response=WishImportOut)
def confirm_wish_import(request: HttpRequest, import_id: int) -> WishImport:
    """Import every row of a previewed upload as a draft wish, or none (422 if it has errors, was already
    imported, or the records changed since the preview so that rows no longer pass)."""
    job = get_object_or_404(imports.wish_imports_of(_actor(request)), pk=import_id)
    imports.confirm_wish_import(actor=_actor(request), job=job)
    return get_object_or_404(imports.wish_imports_of(_actor(request)), pk=import_id)


# Needs ---------------------------------------------------------------------------------------

@router.get("", response=list[NeedOut])
@paginate(Pagination)
def list_needs(request: HttpRequest, filters: Query[NeedFilterIn]) -> QuerySet[Need]:
    """The needs the caller manages: placed in their areas, or of their organization."""
    f = queries.NeedFilter(kind=filters.kind, state=filters.state, category=filters.category, area=filters.area,
                           q=filters.q)
    return queries.needs_visible_to(_actor(request), f)


@router.get("/open", response=list[NeedOut])
@paginate(Pagination)
def list_open_needs(request: HttpRequest, filters: Query[NeedFilterIn]) -> QuerySet[Need]:
    """Published needs the caller may claim (as a resident, or as an organization's liaison)."""
    f = queries.NeedFilter(kind=filters.kind, category=filters.category, area=filters.area, q=filters.q)
    return queries.needs_open_to(_actor(request), f)


@router.get("/wall", response=list[PublicWishOut], auth=None)
@paginate(Pagination)
def wish_wall(request: HttpRequest, filters: Query[WallFilterIn]) -> QuerySet[Need]:
    """The public wish wall: published wishes, public fields only. No login needed."""
    f = queries.WallFilter(category=filters.category, value_band=filters.value_band, community=filters.community)
    return queries.public_wishes(f)


@router.get("/figures", response=WishFiguresOut)
def wish_figures(request: HttpRequest, filters: Query[FiguresIn]) -> queries.WishFigures:
    """The 圆梦 figures of the wishes in the caller's scope, for a period (both days included)."""
    return queries.wish_figures(_actor(request), area=filters.area, start=filters.start, end=filters.end)


@router.get("/claims", response=list[ClaimOut])
@paginate(Pagination)
def my_claims(request: HttpRequest) -> QuerySet[Claim]:
    """The caller's claims, and those made in the name of an organization they are the liaison of."""
    return queries.claims_of(_actor(request))


@router.post("/claims/{claim_id}/cancel", response=ClaimOut)
def cancel_claim(request: HttpRequest, claim_id: int, payload: ReasonIn) -> Claim:
    """Give a claimed need back; it is published again. The claimant within the cancel window, or staff."""
    actor = _actor(request)
    claim = get_object_or_404(
        Claim.objects.select_related("need__neighborhood", "claimant", "organization"),
        pk=claim_id, need__in=queries.needs_accessible_to(actor),
    )
    return actions.cancel_claim(actor=actor, claim=claim, reason=payload.reason)


@router.get("/dispatches", response=list[DispatchOut])
def dispatch_board(request: HttpRequest) -> list[Dispatch]:
    """Open dispatches, overdue first: the center's in its scope, a team's own."""
    return queries.dispatch_board(_actor(request))


@router.post("/dispatches/{dispatch_id}/accept", response={201: ClaimOut})
def accept_dispatch(request: HttpRequest, dispatch_id: int) -> Status[Claim]:
    """接单, by a volunteer or liaison of the team: a claim in the team's name. 409 when recalled or taken."""
    actor = _actor(request)
    dispatch = get_object_or_404(Dispatch.objects.select_related("need__neighborhood", "organization"),
                                 pk=dispatch_id, need__in=queries.needs_accessible_to(actor))
    return Status(201, actions.accept_dispatch(actor=actor, dispatch=dispatch))


@router.get("/ratings", response=list[TeamRatingOut])
def team_ratings(request: HttpRequest, filters: Query[FiguresIn]) -> list[queries.TeamRating]:
    """Ratings of service orders in the caller's scope, per team, for a period."""
    return queries.team_ratings(_actor(request), area=filters.area, start=filters.start, end=filters.end)


@router.get("/service-figures", response=ServiceFiguresOut)
def service_figures(request: HttpRequest, filters: Query[FiguresIn]) -> queries.ServiceFigures:
    """Service orders in the caller's scope created in a period: by state now, overdue, average rating."""
    return queries.service_figures(_actor(request), area=filters.area, start=filters.start, end=filters.end)


@router.get("/{need_id}", response=NeedDetailOut)
def get_need(request: HttpRequest, need_id: int) -> Need:
    return _need(request, need_id)


@router.post("", response={201: NeedDetailOut})
def create_need(request: HttpRequest, payload: NeedIn) -> Status[Need]:
    """A new draft. A wish may carry its child's details now or later (PUT /needs/{id}/wish)."""
    data = payload.dict()
    wish = data.pop("wish")
    fields = _need_fields(request, data)
    need = actions.create_need(actor=_actor(request), wish=_wish_fields(wish) if wish else None, **fields)
    return Status(201, _need(request, need.pk))


@router.patch("/{need_id}", response=NeedDetailOut)
def update_need(request: HttpRequest, need_id: int, payload: NeedPatch) -> Need:
    need = _need(request, need_id)
    actions.update_need(actor=_actor(request), need=need, **_need_fields(request, payload.dict(exclude_unset=True)))
    return _need(request, need_id)


@router.put("/{need_id}/wish", response=NeedDetailOut)
def set_wish_details(request: HttpRequest, need_id: int, payload: WishIn) -> Need:
    """Record or change a wish's child, guardian and consent (until it is published)."""
    need = _need(request, need_id)
    actions.set_wish_details(actor=_actor(request), need=need, **_wish_fields(payload.dict(exclude_unset=True)))
    return need


@router.post("/{need_id}/submit", response=NeedDetailOut)
def submit_need(request: HttpRequest, need_id: int) -> Need:
    return actions.submit_need(actor=_actor(request), need=_need(request, need_id))


@router.post("/{need_id}/approve", response=NeedDetailOut)
def approve_need(request: HttpRequest, need_id: int) -> Need:
    return actions.approve_need(actor=_actor(request), need=_need(request, need_id))


@router.post("/{need_id}/reject", response=NeedDetailOut)
def reject_need(request: HttpRequest, need_id: int, payload: ReasonIn) -> Need:
    return actions.reject_need(actor=_actor(request), need=_need(request, need_id), reason=payload.reason)


@router.post("/{need_id}/publish", response=NeedDetailOut)
def publish_need(request: HttpRequest, need_id: int, payload: PublishIn) -> Need:
    return actions.publish_need(actor=_actor(request), need=_need(request, need_id), scope=payload.scope)


@router.post("/{need_id}/withdraw", response=NeedDetailOut)
def withdraw_need(request: HttpRequest, need_id: int, payload: ReasonIn) -> Need:
    return actions.withdraw_need(actor=_actor(request), need=_need(request, need_id), reason=payload.reason)


@router.post("/{need_id}/claim", response={201: ClaimOut})
def claim_need(request: HttpRequest, need_id: int, payload: ClaimIn) -> Status[Claim]:
    """Claim a published need. 409 with "already claimed" when someone else was first."""
    need = queries.need_to_claim(_actor(request), need_id)
    organization = organization_in_scope(request, payload.organization) if payload.organization else None
    return Status(201, actions.claim_need(actor=_actor(request), need=need, organization=organization))


@router.post("/{need_id}/fulfil", response=NeedDetailOut)
def record_fulfilment(request: HttpRequest, need_id: int, payload: FulfilmentIn) -> Need:
    return actions.record_fulfilment(actor=_actor(request), need=_need(request, need_id),
                                     fulfilled_on=payload.fulfilled_on, event=payload.event, note=payload.note)


@router.post("/{need_id}/close", response=NeedDetailOut)
def close_need(request: HttpRequest, need_id: int, payload: CloseIn) -> Need:
    return actions.close_need(actor=_actor(request), need=_need(request, need_id), note=payload.note)


@router.post("/{need_id}/dispatch", response={201: DispatchOut})
def dispatch_need(request: HttpRequest, need_id: int, payload: DispatchIn) -> Status[Dispatch]:
    """派单: send a service order to a team or unit with a deadline (community staff and above)."""
    need = _need(request, need_id)
    organization = queries.dispatch_targets(_actor(request), need).filter(pk=payload.organization).first()
    if organization is None:
        raise ValidationError({"organization": _("There is no organization with id %(id)s in your area.")
                               % {"id": payload.organization}})
    return Status(201, actions.dispatch_need(actor=_actor(request), need=need, organization=organization,
                                             deadline=payload.deadline))


@router.post("/{need_id}/rate", response={201: FeedbackOut})
def rate_service(request: HttpRequest, need_id: int, payload: RatingIn) -> Status[Feedback]:
    """评单: the requester (or staff on their behalf) rates a fulfilled order 1–5, once."""
    return Status(201, actions.rate_service(actor=_actor(request), need=_need(request, need_id),
                                            rating=payload.rating, comment=payload.comment))


class RevealIn(Schema):
    field: Literal["guardian_phone"] = Field(description="The one sensitive field of a wish: the guardian's phone.")


class RevealOut(Schema):
    field: str
    value: str


@router.post("/{need_id}/reveal", response=RevealOut)
def reveal_guardian_phone(request: HttpRequest, need_id: int, payload: RevealIn) -> dict[str, str]:
    """One unmasked guardian's phone, for staff allowed to reveal numbers in the wish's area; audited."""
    value = actions.reveal_guardian_phone(actor=_actor(request), need=_need(request, need_id))
    return {"field": payload.field, "value": value}


# The hand-over record: thank-you letter, photos, items -------------------------------------------------

class LetterOut(Schema):
    text: str
    scan_url: str | None = Field(description="The scan, for those who may open the need (a session or token).")
    updated_at: datetime.datetime

    @staticmethod
    def resolve_scan_url(obj: ThankYouLetter) -> str | None:
        return reverse("needs:handover_file", args=[obj.need_id, "scan", 0]) if obj.scan else None


class PhotoOut(Schema):
    id: int
    caption: str
    no_faces_or_consent: bool
    url: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_url(obj: HandoverPhoto) -> str:
        return reverse("needs:handover_file", args=[obj.need_id, "photo", obj.pk])


class ItemOut(Schema):
    id: int
    name: str
    quantity: int
    note: str


class HandoverOut(Schema):
    fulfilled_on: datetime.date | None
    event: str = Field(description="e.g. 梦想见面会")
    note: str
    letter: LetterOut | None
    photos: list[PhotoOut]
    items: list[ItemOut]


class ItemIn(Schema):
    name: str = Field(max_length=100)
    quantity: int = 1
    note: str = Field("", max_length=200)


@router.get("/{need_id}/handover", response=HandoverOut)
def handover(request: HttpRequest, need_id: int) -> dict[str, Any]:
    """The hand-over of a fulfilled need: when, at which event, the thank-you letter, photos and items."""
    need = _need(request, need_id)
    if not queries.sees_handover(_actor(request), need):  # a wish's letter names the child
        raise Http404
    return {"fulfilled_on": need.fulfilled_on, "event": need.fulfilment_event, "note": need.fulfilment_note,
            "letter": ThankYouLetter.objects.filter(need=need).first(),
            "photos": list(need.photos.order_by("created_at", "id")), "items": list(need.items.order_by("id"))}


@router.post("/{need_id}/handover/letter", response={201: LetterOut})
def record_thanks(request: HttpRequest, need_id: int, text: Form[str] = "",
                  scan: File[UploadedFile | None] = None) -> Status[ThankYouLetter]:
    """The thank-you letter (multipart): its `text`, the `scan` of the handwritten letter (PDF, JPG, PNG), or
    both; a new scan replaces the old one. Staff who review the need, after the hand-over."""
    return Status(201, actions.record_thanks(actor=_actor(request), need=_need(request, need_id), text=text,
                                             scan=scan))


@router.post("/{need_id}/handover/photos", response={201: PhotoOut})
def add_handover_photo(request: HttpRequest, need_id: int, file: File[UploadedFile],
                       no_faces_or_consent: Form[bool] = False, caption: Form[str] = "") -> Status[HandoverPhoto]:
    """A photo of the hand-over (multipart `file`, JPG/PNG/WebP), refused (422) unless `no_faces_or_consent`
    confirms it shows no face or everyone shown (for a child, the guardian) consented."""
    return Status(201, actions.add_handover_photo(actor=_actor(request), need=_need(request, need_id), file=file,
                                                  no_faces_or_consent=no_faces_or_consent, caption=caption))


@router.post("/{need_id}/handover/items", response={201: ItemOut})
def add_handover_item(request: HttpRequest, need_id: int, payload: ItemIn) -> Status[HandoverItem]:
    """One thing handed over (quantity at least 1)."""
    return Status(201, actions.add_handover_item(actor=_actor(request), need=_need(request, need_id),
                                                 name=payload.name, quantity=payload.quantity, note=payload.note))
