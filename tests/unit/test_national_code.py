"""SPEC M1: the username is the 10-digit national code, validated with its check digit."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from member_workflow.models import Member
from member_workflow.national_code import is_valid_national_code, normalize_national_code, validate_national_code
from tests.factories import VALID_NATIONAL_CODES


@pytest.mark.parametrize("code", VALID_NATIONAL_CODES)
def test_m1_real_valid_codes_pass(code):
    validate_national_code(code)
    assert is_valid_national_code(code)


@pytest.mark.parametrize(
    "code",
    ["0012345678", "0499370890", "2271185321", "1234567890", "0079876545"],
)
def test_m1_wrong_check_digit_is_rejected(code):
    with pytest.raises(ValidationError) as excinfo:
        validate_national_code(code)
    assert excinfo.value.code == "national_code_invalid"
    assert "معتبر نیست" in excinfo.value.messages[0]


@pytest.mark.parametrize("digit", "0123456789")
def test_m1_all_same_digit_codes_are_rejected(digit):
    # 1111111111 and friends pass the checksum arithmetic but are not real codes.
    assert not is_valid_national_code(digit * 10)
    with pytest.raises(ValidationError):
        validate_national_code(digit * 10)


@pytest.mark.parametrize("code", ["", "123", "00123456790", "abcdefghij", "001234567x"])
def test_m1_wrong_length_or_letters_are_rejected(code):
    with pytest.raises(ValidationError) as excinfo:
        validate_national_code(code)
    assert "۱۰ رقم" in excinfo.value.messages[0]


def test_m1_persian_digits_are_normalised_and_accepted():
    assert normalize_national_code("۰۰۱۲۳۴۵۶۷۹") == "0012345679"
    validate_national_code("۰۰۱۲۳۴۵۶۷۹")


def test_m1_arabic_indic_digits_are_normalised_and_accepted():
    assert normalize_national_code("٠٤٩٩٣٧٠٨٩٩") == "0499370899"
    validate_national_code("٠٤٩٩٣٧٠٨٩٩")


def test_m1_spaces_and_dashes_are_ignored():
    assert normalize_national_code(" 001-234567-9 ") == "0012345679"


@given(st.lists(st.integers(0, 9), min_size=9, max_size=9))
def test_m1_property_exactly_one_check_digit_fits(digits):
    base = "".join(map(str, digits))
    fitting = [d for d in "0123456789" if is_valid_national_code(base + d)]
    if len(set(base)) == 1:
        # Only the all-same candidate could be special-cased away.
        assert len(fitting) <= 1
    else:
        assert len(fitting) == 1


@given(st.text(max_size=40))
def test_m1_property_validator_never_crashes(text):
    try:
        validate_national_code(text)
    except ValidationError:
        pass


@pytest.mark.django_db
def test_m1_member_username_is_stored_normalised():
    member = Member.objects.create_user(username="۰۰۱۲۳۴۵۶۷۹", password="Secret2026x")
    member.refresh_from_db()
    assert member.username == "0012345679"
    assert member.national_code == "0012345679"
    # Logging in with Persian digits finds the same member.
    assert Member.objects.get_by_natural_key("۰۰۱۲۳۴۵۶۷۹") == member


@pytest.mark.django_db
def test_m1_database_refuses_a_username_that_is_not_ten_digits():
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.bulk_create([Member(username="admin")])


@pytest.mark.django_db
def test_m1_model_validation_reports_invalid_code_in_persian():
    member = Member(username="0012345678")
    member.set_password("Secret2026x")
    with pytest.raises(ValidationError) as excinfo:
        member.full_clean()
    assert "معتبر نیست" in str(excinfo.value.message_dict["username"])
