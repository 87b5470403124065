"""The password policy of SPEC M6, as a Django password validator with Persian messages.

At least 8 characters; ASCII upper-case letters, lower-case letters and digits all
present; nothing else (no spaces, no symbols, no Persian letters).
"""

import re
import secrets
import string

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_ALLOWED = re.compile(r"^[A-Za-z0-9]*$")
MIN_LENGTH = 8
MAX_LENGTH = 128


class PortalPasswordValidator:
    """SPEC M6. Listed in AUTH_PASSWORD_VALIDATORS."""

    def __init__(self, min_length: int = MIN_LENGTH):
        self.min_length = min_length

    def validate(self, password, user=None):
        password = password or ""
        errors = []
        if len(password) > MAX_LENGTH:
            errors.append(ValidationError(_("کلمه عبور بیش از حد طولانی است."), code="password_too_long"))
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    _("کلمه عبور باید دست کم %(min)d نویسه باشد.") % {"min": self.min_length},
                    code="password_too_short",
                )
            )
        if not _ALLOWED.match(password):
            errors.append(
                ValidationError(
                    _("کلمه عبور فقط می‌تواند حروف بزرگ و کوچک انگلیسی و ارقام انگلیسی داشته باشد (بدون فاصله و نماد)."),
                    code="password_bad_characters",
                )
            )
        missing = []
        if not any(ch in string.ascii_uppercase for ch in password):
            missing.append(_("حرف بزرگ انگلیسی"))
        if not any(ch in string.ascii_lowercase for ch in password):
            missing.append(_("حرف کوچک انگلیسی"))
        if not any(ch in string.digits for ch in password):
            missing.append(_("رقم انگلیسی"))
        if missing:
            errors.append(
                ValidationError(
                    _("کلمه عبور باید دست کم یک %(missing)s داشته باشد.") % {"missing": _("، یک ").join(missing)},
                    code="password_missing_classes",
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self):
        return _("دست کم %(min)d نویسه، شامل حروف بزرگ و کوچک انگلیسی و ارقام انگلیسی، بدون فاصله و نماد.") % {
            "min": self.min_length
        }


def random_password(length: int = 12) -> str:
    """A random password that satisfies the policy (M3, M4 option 1)."""
    alphabet = string.ascii_letters + string.digits
    # Unambiguous characters only, so a member can read it off an SMS.
    alphabet = "".join(ch for ch in alphabet if ch not in "O0Il1")
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.isupper() for c in candidate)
            and any(c.islower() for c in candidate)
            and any(c.isdigit() for c in candidate)
        ):
            return candidate
