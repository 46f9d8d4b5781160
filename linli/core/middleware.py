from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user picked another language in the footer menu.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and
    many office machines run an English-language browser; our users expect
    the product in Chinese until they ask otherwise (a cookie set by
    /i18n/setlang/). The API alone honours Accept-Language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if code not in self.languages and request.path.startswith("/api/"):
            # API clients cannot use the language menu; they ask with Accept-Language.
            code = translation.get_language_from_request(request)
        if code not in self.languages:
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", code)
        return response
