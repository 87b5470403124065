"""The Iranian national code (کد ملی): normalisation and check-digit validation (SPEC M1)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cms_site.common.digits import normalize_digits


def normalize_national_code(value: object) -> str:
    """Strip spaces and dashes, normalise digits. Does not validate."""
    text = normalize_digits(str(value or ""))
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-_")


def is_valid_national_code(code: str) -> bool:
    """True for a 10-digit code whose check digit is right and not all one digit."""
    if len(code) != 10 or not code.isascii() or not code.isdigit():
        return False
    if len(set(code)) == 1:
        return False
    check = int(code[9])
    total = sum(int(code[i]) * (10 - i) for i in range(9)) % 11
    return check == total if total < 2 else check == 11 - total


def validate_national_code(value: str) -> None:
    """Django validator: raises a Persian ValidationError for an invalid national code."""
    code = normalize_national_code(value)
    if len(code) != 10 or not code.isdigit():
        raise ValidationError(_("کد ملی باید ۱۰ رقم باشد."), code="national_code_length")
    if not is_valid_national_code(code):
        raise ValidationError(_("کد ملی وارد شده معتبر نیست."), code="national_code_invalid")
