"""The captcha («کد امنیتی») every public form uses, with its backend chosen by one setting.

`CAPTCHA_BACKEND = "image"` (default): django-simple-captcha with a 5-digit numeric
challenge, fully offline. `CAPTCHA_BACKEND = "recaptcha"`: Google reCAPTCHA through
django-recaptcha; a network failure becomes a form error instead of a 500.
"""

import logging
import secrets
from urllib.error import URLError

from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _

from .digits import normalize_digits

logger = logging.getLogger(__name__)

CAPTCHA_LABEL = _("کد امنیتی")
CAPTCHA_INVALID = _("کد امنیتی درست نیست؛ دوباره تلاش کنید.")
CAPTCHA_UNAVAILABLE = _("بررسی کد امنیتی در حال حاضر ممکن نیست؛ چند لحظه بعد دوباره تلاش کنید.")


def numeric_challenge():
    """A 5-digit numeric challenge like the seed's «07763»; the answer is the same digits."""
    length = getattr(settings, "CAPTCHA_LENGTH", 5)
    digits = "".join(secrets.choice("0123456789") for _ in range(length))
    return digits, digits


def _image_field(**kwargs):
    # Imported on use: only the captcha that CAPTCHA_BACKEND chooses is loaded, and each
    # package reads its settings (and the other one may be unconfigured) at import.
    from captcha.fields import CaptchaField

    from .widgets import PersianCaptchaTextInput

    class DigitNormalisingCaptchaField(CaptchaField):
        """Phones type the answer in Persian digits; the challenge is stored in ASCII."""

        def clean(self, value):
            if isinstance(value, list | tuple) and len(value) == 2:
                value = [value[0], normalize_digits(value[1] or "")]
            return super().clean(value)

    return DigitNormalisingCaptchaField(
        label=CAPTCHA_LABEL,
        widget=PersianCaptchaTextInput,
        error_messages={"invalid": CAPTCHA_INVALID, "required": _("کد امنیتی را وارد کنید.")},
        **kwargs,
    )


def _recaptcha_field(**kwargs):
    # Imported on use, like the image captcha above.
    from django_recaptcha.fields import ReCaptchaField

    class OfflineSafeReCaptchaField(ReCaptchaField):
        """django-recaptcha catches HTTPError only; refused connections, DNS failures and
        timeouts escape as a 500. Turn every transport failure into a form error."""

        def validate(self, value):
            try:
                super().validate(value)
            except (URLError, TimeoutError, ConnectionError, ValueError) as exc:
                logger.warning("recaptcha verification unavailable", extra={"error": type(exc).__name__})
                raise ValidationError(CAPTCHA_UNAVAILABLE, code="captcha_unavailable") from exc

    if not (settings.RECAPTCHA_PUBLIC_KEY and settings.RECAPTCHA_PRIVATE_KEY):
        raise ImproperlyConfigured("CAPTCHA_BACKEND=recaptcha needs RECAPTCHA_PUBLIC_KEY and RECAPTCHA_PRIVATE_KEY.")
    return OfflineSafeReCaptchaField(
        label=CAPTCHA_LABEL,
        error_messages={
            "required": _("کد امنیتی را تأیید کنید."),
            "captcha_invalid": CAPTCHA_INVALID,
            "captcha_error": CAPTCHA_UNAVAILABLE,
        },
        **kwargs,
    )


_BACKENDS = {"image": _image_field, "recaptcha": _recaptcha_field}


def captcha_field(**kwargs) -> forms.Field:
    """The captcha field for a public form, built for the configured backend."""
    backend = settings.CAPTCHA_BACKEND
    try:
        factory = _BACKENDS[backend]
    except KeyError:
        raise ImproperlyConfigured(f"Unknown CAPTCHA_BACKEND {backend!r}; use one of {sorted(_BACKENDS)}.") from None
    return factory(**kwargs)


class CaptchaFormMixin(forms.Form):
    """Adds the «کد امنیتی» field, built when the form is instantiated so that the
    backend setting is read at request time, not import time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["captcha"] = captcha_field()
