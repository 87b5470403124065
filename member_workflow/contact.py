"""Mobile numbers and email addresses: normalisation and validation (SPEC M2, M7).

Mobiles are stored as the national form `09xxxxxxxxx`; `+989…`, `989…`, `9…`, Persian and
Arabic-Indic digits, spaces and dashes are accepted on input. `phonenumbers` decides what
is a valid Iranian mobile.
"""

import re
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as django_validate_email
from django.utils.translation import gettext_lazy as _

from cms_site.common.digits import normalize_digits

MOBILE_MAX_INPUT = 32
EMAIL_MAX_LENGTH = 254


_CANONICAL = re.compile(r"^09[0-9]{9}$")


@lru_cache(maxsize=4096)
def _mobile_prefix_is_valid(prefix: str) -> bool:
    """Whether `09xxxx…` numbers starting with these 6 characters are Iranian mobiles.
    phonenumbers' Iranian mobile pattern decides on the first 5 national digits (the rest
    is any 5 digits), so one parse per prefix serves every number of it — the import of
    100,000 rows needs this."""
    number = phonenumbers.parse(prefix + "00000", "IR")
    return phonenumbers.is_valid_number(number) and (
        phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    )


def normalize_mobile(value: object) -> str:
    """Return the `09xxxxxxxxx` form of an Iranian mobile number, or raise ValidationError."""
    text = normalize_digits(str(value or "")).strip()
    if _CANONICAL.match(text):
        if _mobile_prefix_is_valid(text[:6]):
            return text
        raise ValidationError(_("شماره تلفن همراه معتبر نیست؛ مانند ۰۹۱۲۳۴۵۶۷۸۹ وارد کنید."), code="mobile_invalid")
    if not text:
        raise ValidationError(_("شماره تلفن همراه را وارد کنید."), code="mobile_required")
    if len(text) > MOBILE_MAX_INPUT:
        raise ValidationError(_("شماره تلفن همراه معتبر نیست؛ مانند ۰۹۱۲۳۴۵۶۷۸۹ وارد کنید."), code="mobile_invalid")
    compact = "".join(ch for ch in text if ch not in " -()\u200c")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    try:
        number = phonenumbers.parse(compact, "IR")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("شماره تلفن همراه معتبر نیست؛ مانند ۰۹۱۲۳۴۵۶۷۸۹ وارد کنید."), code="mobile_invalid"
        ) from None
    if (
        number.country_code != 98
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise ValidationError(_("شماره تلفن همراه معتبر نیست؛ مانند ۰۹۱۲۳۴۵۶۷۸۹ وارد کنید."), code="mobile_invalid")
    return "0" + str(number.national_number)


def validate_mobile(value: str) -> None:
    normalize_mobile(value)


def mobile_international(mobile: str) -> str:
    """`09121234567` → `+989121234567` (what SMS gateways expect)."""
    return "+98" + normalize_mobile(mobile)[1:]


def normalize_email(value: object) -> str:
    """Lower-cased, trimmed, validated email; raises a Persian ValidationError."""
    text = str(value or "").strip()
    if not text:
        raise ValidationError(_("پست الکترونیک را وارد کنید."), code="email_required")
    if len(text) > EMAIL_MAX_LENGTH or not text.isascii():
        raise ValidationError(_("پست الکترونیک معتبر نیست؛ مانند name@example.com وارد کنید."), code="email_invalid")
    text = text.lower()
    try:
        django_validate_email(text)
    except ValidationError:
        raise ValidationError(
            _("پست الکترونیک معتبر نیست؛ مانند name@example.com وارد کنید."), code="email_invalid"
        ) from None
    return text


def mask_email(email: str) -> str:
    """SPEC M8: keep the domain and the first and last characters of the local part.
    `maryam.ahmadi@example.org` → `m***********i@example.org`."""
    if not email or "@" not in email:
        return ""
    local, domain = email.rsplit("@", 1)
    if len(local) <= 2:
        masked = local[0] + "*" * max(len(local) - 1, 1)
    else:
        masked = local[0] + "*" * (len(local) - 2) + local[-1]
    return f"{masked}@{domain}"


def mask_mobile(mobile: str) -> str:
    """`09121234567` → `0912***4567` (support views and delivery records)."""
    if not mobile or len(mobile) < 8:
        return ""
    return mobile[:4] + "*" * (len(mobile) - 8) + mobile[-4:]
