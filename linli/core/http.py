"""Request types for views, so that what the middleware adds is typed."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from linli.core.models import User


class HtmxHttpRequest(HttpRequest):
    """Every request: django-htmx's HtmxMiddleware (settings.MIDDLEWARE) sets `htmx` on each."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request to a @login_required view: the user is a signed-in account, never AnonymousUser."""

    user: User
