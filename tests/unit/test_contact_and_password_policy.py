"""SPEC M1, M2, M6, M8: mobile and email normalisation, the password policy, masking —
with property-based tests over the validators (no input raises anything but a
ValidationError)."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from member_workflow.contact import mask_email, normalize_email, normalize_mobile
from member_workflow.national_code import is_valid_national_code, validate_national_code
from member_workflow.password_policy import PortalPasswordValidator, random_password


@pytest.mark.parametrize(
    "raw",
    ["09121234567", "+989121234567", "989121234567", "00989121234567", "۰۹۱۲ ۱۲۳ ۴۵۶۷", "٠٩١٢١٢٣٤٥٦٧", "912-123-4567"],
)
def test_m2_mobile_forms_normalise_to_09(raw):
    assert normalize_mobile(raw) == "09121234567"


@pytest.mark.parametrize("raw", ["", "0912", "02188776655", "+14155550100", "abc", "0912123456789", "۰۹۱۲abc"])
def test_m2_bad_mobile_gets_a_persian_message(raw):
    with pytest.raises(ValidationError) as info:
        normalize_mobile(raw)
    assert "تلفن همراه" in info.value.messages[0]


def test_m2_email_is_trimmed_lowercased_and_validated():
    assert normalize_email("  Maryam.Ahmadi@Example.ORG ") == "maryam.ahmadi@example.org"
    for bad in ["", "no-at-sign", "a@b", "مریم@example.org", "x" * 300 + "@example.org"]:
        with pytest.raises(ValidationError):
            normalize_email(bad)


def test_m8_mask_keeps_domain_and_first_and_last_characters():
    assert mask_email("maryam.ahmadi@example.org") == "m***********i@example.org"
    assert "aryam.ahmad" not in mask_email("maryam.ahmadi@example.org")


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("Ab1", "دست کم 8"),
        ("abcdefgh1", "حرف بزرگ انگلیسی"),
        ("ABCDEFGH1", "حرف کوچک انگلیسی"),
        ("Abcdefghi", "رقم انگلیسی"),
        ("Abcdefg 1", "بدون فاصله"),
        ("Abcdefg!1", "بدون فاصله و نماد"),
        ("Abcdefgب1", "فقط می‌تواند"),
    ],
)
def test_m6_policy_refuses_with_a_persian_message(password, fragment):
    with pytest.raises(ValidationError) as info:
        PortalPasswordValidator().validate(password)
    assert any(fragment in message for message in info.value.messages), info.value.messages


def test_m6_policy_is_installed_in_auth_password_validators():
    with pytest.raises(ValidationError):
        validate_password("alllowercase1")
    validate_password("Tehran1404Vote")


def test_m3_random_passwords_satisfy_the_policy():
    for _ in range(200):
        PortalPasswordValidator().validate(random_password())


_PASSWORD_ALPHABET = st.characters(codec="utf-8")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_PASSWORD_ALPHABET, max_size=200))
def test_m6_property_policy_accepts_exactly_the_rule(password):
    expected = (
        8 <= len(password) <= 128
        and password.isascii()
        and password.isalnum()
        and any(c.isupper() for c in password)
        and any(c.islower() for c in password)
        and any(c.isdigit() for c in password)
    )
    try:
        PortalPasswordValidator().validate(password)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == expected


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_m1_m2_property_validators_raise_only_validation_errors(text):
    for check in (normalize_mobile, validate_national_code, normalize_email):
        try:
            check(text)
        except ValidationError as exc:
            assert exc.messages and all(message.strip() for message in exc.messages)


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"09[0-9]{9}", fullmatch=True), st.sampled_from(["", "+98", "0098", "98"]))
def test_m2_property_mobile_round_trips_through_the_international_form(mobile, prefix):
    try:
        canonical = normalize_mobile(mobile)
    except ValidationError:
        return  # not an allocated mobile range
    assert normalize_mobile(prefix + canonical[1:] if prefix else canonical) == canonical


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_m1_property_exactly_one_check_digit_is_valid(first_nine):
    valid = [d for d in "0123456789" if is_valid_national_code(first_nine + d)]
    assert len(valid) <= 1
