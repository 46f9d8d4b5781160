"""The JSON API under /api/v1/: one NinjaAPI, its authentication and its error format.

Every error body has a `detail` sentence a person can read; validation errors
add `errors`, a mapping of field name to messages, whichever layer found them
(the request schema or the model's own rules inside an action):

    {"detail": "id_number: The ID number's check digit is wrong ...",
     "errors": {"id_number": ["The ID number's check digit is wrong ..."]}}

Each app's router is added right after the NinjaAPI below.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.utils import check_csrf

from linli.core.actions import Conflict
from linli.core.api import router as core_router
from linli.core.models import APIToken
from linli.inspections.api import router as inspections_router
from linli.needs.api import router as needs_router
from linli.party.api import router as party_router
from linli.problems.api import router as problems_router
from linli.volunteers.api import router as volunteers_router

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "ll_"
# A token's last use is recorded at this granularity, so that a busy client
# does not turn every read into a write on the token row.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


class UnicodeJSONRenderer(JSONRenderer):
    # Chinese names as UTF-8 rather than \uXXXX escapes: readable in curl and
    # logs, and half the bytes of the escaped form.
    json_dumps_params = {"ensure_ascii": False}


class InvalidToken(AuthenticationError):
    """A bearer token was sent but is unknown, revoked, or its account disabled."""


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer ll_...` with a key made by actions.create_api_token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token.startswith(TOKEN_PREFIX):
            raise InvalidToken(message=_("This is not a linli API token."))
        api_token = (
            APIToken.objects.select_related("user").filter(key_hash=APIToken.hash_key(token)).first()
        )
        # A wrong token fails at once rather than falling back to the session:
        # a client that sends a token means to act as that token's account.
        if api_token is None:
            raise InvalidToken(message=_("Unknown API token."))
        if api_token.revoked_at is not None:
            raise InvalidToken(message=_("This API token has been revoked."))
        if not api_token.user.is_active:
            raise InvalidToken(message=_("The account of this API token is disabled."))
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at >= TOKEN_TOUCH_INTERVAL:
            # Conditional UPDATE: of many concurrent requests in the same
            # minute, one writes and the rest match no row.
            APIToken.objects.filter(pk=api_token.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOKEN_TOUCH_INTERVAL)
            ).update(last_used_at=now)
        # Code below the API (and the request's language, logging, ...) sees the
        # same account whichever way the caller authenticated.
        request.user = api_token.user
        return api_token.user


class SessionAuth(NinjaSessionAuth):
    """ninja's django_auth, with CSRF checked only once a session user is found.

    ninja checks CSRF before looking at the user, so an unauthenticated POST
    (no session at all) would answer 403 "CSRF failed" instead of 401.
    Safe methods (GET, HEAD, OPTIONS) are never CSRF-checked.
    """

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise HttpError(
                403,
                _("CSRF check failed: send the X-CSRFToken header with the value of the csrftoken cookie."),
            )
        return user


api = NinjaAPI(
    urls_namespace="api",
    version="1",
    title="linli API",
    description=(
        "Records of the sub-district office. Authenticate with a browser session "
        "(unsafe methods need the X-CSRFToken header) or `Authorization: Bearer ll_...`. "
        "Phone and ID numbers are always masked; POST /people/{id}/reveal returns one "
        "unmasked value and is audited."
    ),
    auth=[BearerTokenAuth(), SessionAuth()],
    renderer=UnicodeJSONRenderer(),
    # Swagger UI from ninja's bundled static files (ninja is in INSTALLED_APPS);
    # no online validator badge: government intranets have no internet.
    docs=Swagger(settings={"validatorUrl": None}),
)
api.add_router("/", core_router)
api.add_router("/needs", needs_router)
api.add_router("/party", party_router)
api.add_router("/problems", problems_router)
api.add_router("/inspections", inspections_router)
api.add_router("/volunteers", volunteers_router)


def _error(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, **extra}, status=status)


def _summary(errors: dict[str, list[str]]) -> str:
    """One readable sentence per message: "phone: Enter an 11-digit ... id_number: ..."."""
    sentences = []
    for field, messages in errors.items():
        for message in messages:
            sentence = message if field == NON_FIELD_ERRORS else f"{field}: {message}"
            sentences.append(sentence if sentence.endswith((".", "。", "!", "！", "?", "？")) else sentence + ".")
    return " ".join(sentences)


@api.exception_handler(DjangoValidationError)
def on_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    return _error(request, 422, _summary(errors), errors=errors)


@api.exception_handler(SchemaValidationError)
def on_schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    """Request data that does not fit the schema, in the same shape as the model's errors.

    ninja's locations look like ("body", "payload", "phone") or ("query", "limit");
    the field is what follows the source and, for a body, the parameter name.
    """
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ())]
        parts = loc[2:] if loc[:1] == ["body"] else loc[1:]
        field = ".".join(parts) or NON_FIELD_ERRORS
        errors.setdefault(field, []).append(str(error.get("msg", "")))
    return _error(request, 422, _summary(errors), errors=errors)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or _("You do not have permission to do this."))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # The same words whether the record does not exist or is out of scope.
    return _error(request, 404, _("Not found."))


@api.exception_handler(Conflict)
def on_conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    # Raised by actions when the database refused a write that passed validation: a race.
    return _error(request, 409, " ".join(exc.messages))


@api.exception_handler(IntegrityError)
def on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Validation runs before the write, so this is a race (two requests saving
    # the same ID number at once) or input the checks did not foresee; the
    # action's transaction has rolled back and nothing was saved.
    logger.warning("API write refused by a database constraint: %s", exc)
    return _error(
        request, 409,
        _("This conflicts with a record saved at the same time (for example the same ID number). "
          "Nothing was saved; reload and try again."),
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = str(exc) if isinstance(exc, InvalidToken) else _(
        "Authentication required: log in, or send the header 'Authorization: Bearer <API token>'."
    )
    response = _error(request, 401, detail)
    response["WWW-Authenticate"] = 'Bearer realm="linli"'
    return response
