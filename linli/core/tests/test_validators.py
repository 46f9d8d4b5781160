import datetime

import pytest
from django.core.exceptions import ValidationError

from linli.core.tests.factories import make_id_number
from linli.core.validators import (
    credit_check_character,
    mask_id_number,
    mask_phone,
    normalize_phone,
    validate_credit_code,
    validate_id_number,
    validate_not_future,
    validate_phone,
)


def test_a_real_format_id_number_with_the_right_check_digit_passes():
    validate_id_number("11010519491231002X")  # the standard's own worked example
    validate_id_number(make_id_number(datetime.date(1985, 6, 15)))


def test_id_number_with_a_wrong_check_digit_is_refused_with_a_checksum_message():
    good = make_id_number(datetime.date(1985, 6, 15), seq=123)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as err:
        validate_id_number(bad)
    assert err.value.code == "id_checksum"


@pytest.mark.parametrize("value", ["12345", "31011519850615123", "3101151985061512345", "31011519851315123X"])
def test_malformed_id_numbers_are_refused(value):
    with pytest.raises(ValidationError):
        validate_id_number(value)


def test_id_number_born_in_the_future_is_refused():
    future = datetime.date.today() + datetime.timedelta(days=400)
    with pytest.raises(ValidationError):
        validate_id_number(make_id_number(future))


@pytest.mark.parametrize("value", ["13812345678", "+86 138 1234 5678", "021-58881234", "02158881234", "0571-8888888"])
def test_mainland_mobiles_and_landlines_pass(value):
    validate_phone(value)


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "58881234", "abc", "138123456789"])
def test_bad_phone_numbers_are_refused(value):
    with pytest.raises(ValidationError):
        validate_phone(value)


def test_future_date_is_refused_and_today_is_fine():
    validate_not_future(datetime.date.today())
    with pytest.raises(ValidationError):
        validate_not_future(datetime.date.today() + datetime.timedelta(days=1))


def test_masks_keep_only_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("310115199001011234") == "310***********1234"
    assert mask_phone("021-58881234") == "021*****1234"
    assert mask_phone("") == ""


@pytest.mark.parametrize("value", ["12345", "1", "021-5888", "123456789012345"])
def test_masking_never_shows_a_short_or_malformed_number_whole(value):
    masked = mask_phone(value)
    assert masked != value
    assert masked.count("*") >= len(normalize_phone(value)) // 3


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000100005220B", "91310115ma1k3yj12" ])
def test_a_credit_code_with_the_right_check_character_passes(code):
    if len(code) == 17:  # complete it: a code of the Pudong area made up for the test
        code = code.upper() + credit_check_character(code.upper())
    validate_credit_code(code)
    validate_credit_code(code.lower())  # typed in lower case, normalized on save


@pytest.mark.parametrize(("code", "problem"), [
    ("91350100M000100Y44", "credit_checksum"),
    ("91350100M000100Y4", "credit_format"),
    ("9135010OM000100Y43", "credit_format"),  # the letter O is not in the alphabet
    ("91ABCDEFM000100Y43", "credit_format"),  # the area code must be digits
])
def test_a_bad_credit_code_is_refused_with_a_clear_reason(code, problem):
    with pytest.raises(ValidationError) as err:
        validate_credit_code(code)
    assert err.value.code == problem
