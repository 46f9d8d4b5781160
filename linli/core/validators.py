"""Validators for Chinese identity numbers, phone numbers and dates.

Used by the model fields, so pages, imports and the API share them.
"""

from __future__ import annotations

import datetime
import functools
import operator
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# GB 11643-1999: weights for the first 17 digits, and the check character
# indexed by the weighted sum mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")

# Mainland mobile numbers: 11 digits starting 13-19. Landlines: an area code
# 0xx or 0xxx, then 7 or 8 digits, optionally with an extension.
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def today() -> datetime.date:
    """Today in the street's time zone (settings.TIME_ZONE), for "not in the future" rules.

    Not timezone.localdate(): linli never activates another time zone, and
    looking up the active one through asgiref's context-local storage cost
    more than all the other checks of an imported row together.
    """
    return datetime.datetime.now(timezone.get_default_timezone()).date()


def id_check_character(first17: str) -> str:
    total = sum(map(operator.mul, map(int, first17), _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


def normalize_id_number(value: str) -> str:
    return value.strip().upper().replace(" ", "")


def validate_id_number(value: str) -> None:
    problem = _id_number_problem(normalize_id_number(value), today())
    if problem is not None:
        raise ValidationError(_ID_PROBLEMS[problem], code=problem)


def is_valid_id_number(value: str) -> bool:
    return _id_number_problem(normalize_id_number(value), today()) is None


_ID_PROBLEMS = {
    "id_format": _("An ID number has 17 digits followed by a digit or X."),
    "id_date": _("The birth date inside this ID number does not exist."),
    "id_date_impossible": _("The birth date inside this ID number is not possible."),
    "id_checksum": _("The ID number's check digit is wrong (GB 11643); please check the number."),
}


@functools.lru_cache(maxsize=256)
def _id_number_problem(value: str, on: datetime.date) -> str | None:
    """What is wrong with a normalized ID number on a given day, or None.

    Cached because a record's ID number is checked twice in a row (the field's
    rule, then the model's agreement with the birth date and gender), and an
    import checks thousands; the day is part of the key for the future-date rule.
    """
    if not _ID_RE.match(value):
        return "id_format"
    try:
        born = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "id_date"
    if born > on or born.year < 1900:
        return "id_date_impossible"
    if id_check_character(value[:17]) != value[17]:
        return "id_checksum"
    return None


def birth_date_from_id(value: str) -> datetime.date | None:
    value = normalize_id_number(value)
    try:
        return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except (ValueError, IndexError):
        return None


# GB 32100-2015, the unified social credit code (统一社会信用代码) of every
# organization: 18 characters from this alphabet (no I, O, S, V, Z), the
# last a check character over the first 17 with these weights, mod 31.
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_check_character(first17: str) -> str:
    total = sum(_CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_ALPHABET[-total % 31]


def normalize_credit_code(value: str) -> str:
    return value.strip().upper().replace(" ", "")


def validate_credit_code(value: str) -> None:
    value = normalize_credit_code(value)
    if not _CREDIT_RE.match(value):
        raise ValidationError(
            _("A unified social credit code has 18 characters: digits and capital letters other than I, O, S, V "
              "and Z, with the area code (6 digits) in characters 3–8."), code="credit_format")
    if credit_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The credit code's check character is wrong (GB 32100); please check the code."),
            code="credit_checksum")


def normalize_phone(value: str) -> str:
    value = value.strip().replace(" ", "").replace("(", "").replace(")", "")
    if value.startswith("+86"):
        value = value[3:]
    return value


def validate_phone(value: str) -> None:
    value = normalize_phone(value)
    if _MOBILE_RE.match(value) or _LANDLINE_RE.match(value):
        return
    raise ValidationError(
        _("Enter an 11-digit mainland mobile number (e.g. 13812345678) "
          "or a landline with area code (e.g. 021-58881234)."),
        code="phone",
    )


def validate_not_future(value: datetime.date) -> None:
    if value and value > today():
        raise ValidationError(_("This date cannot be in the future."), code="future_date")


def mask_phone(value: str) -> str:
    """138****5678 for a mobile; area code and last 4 digits for a landline.

    Whatever the input, at least a third of the characters are hidden, so a
    short or malformed number cannot come out whole.
    """
    if not value:
        return ""
    value = normalize_phone(value)
    if _MOBILE_RE.match(value):
        return f"{value[:3]}****{value[-4:]}"
    head = value.split("-")[0] if "-" in value else value[:3]
    tail = 4
    if len(head) + tail > len(value) * 2 // 3:
        head, tail = value[: len(value) // 6], len(value) // 6
    return f"{head}{'*' * (len(value) - len(head) - tail)}{value[len(value) - tail:] if tail else ''}"


def mask_id_number(value: str) -> str:
    """310***********1234: the region prefix and last four characters."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def age_on(born: datetime.date | None, day: datetime.date | None = None) -> int | None:
    """Full years of someone born on `born`, on `day` (today by default); None when the birth date is unknown."""
    if born is None:
        return None
    day = day or today()
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
