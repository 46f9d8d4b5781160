"""Logging filters named in settings.LOGGING."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class RefusalWithoutTraceback(logging.Filter):
    """A 403 in one line: the path and the reason, no traceback.

    Django logs a PermissionDenied on `django.request` with the exception
    attached, so every refused click (a user trying what their role does not
    allow) printed a whole traceback, as if the program had failed. Other
    records pass untouched.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, PermissionDenied):
            record.msg = f"{record.msg} (%s)"
            record.args = (*(record.args if isinstance(record.args, tuple) else ()), str(error))
            record.exc_info = None
            record.exc_text = None
        return True
