"""Errors of the one-time-code layer, each with a clear Persian message for the voter.

Views show `str(error)` (or `error.message`); `retry_at` is an aware datetime (or None)
saying when trying again makes sense.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from cms_site.common.digits import persian_digits


def _wait_phrase(retry_at: datetime.datetime | None) -> str:
    if retry_at is None:
        return ""
    seconds = max(1, int((retry_at - timezone.now()).total_seconds() + 0.999))
    if seconds < 60:
        return _("%(n)s ثانیه") % {"n": persian_digits(str(seconds))}
    minutes = (seconds + 59) // 60
    return _("%(n)s دقیقه") % {"n": persian_digits(str(minutes))}


class OtpError(Exception):
    """Base class. `message` is the Persian text to show."""

    def __init__(self, *, retry_at: datetime.datetime | None = None, remaining_attempts: int | None = None):
        self.retry_at = retry_at
        self.remaining_attempts = remaining_attempts
        super().__init__(self.message)

    @property
    def message(self) -> str:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def __str__(self):
        return self.message


class OtpWrongCode(OtpError):
    @property
    def message(self) -> str:
        text = _("کد تایید وارد شده نادرست است.")
        if self.remaining_attempts is not None:
            text += " " + _("%(n)s بار دیگر می‌توانید تلاش کنید.") % {"n": persian_digits(str(self.remaining_attempts))}
        if self.retry_at is not None and self.retry_at > timezone.now():
            text += " " + _("تلاش بعدی پس از %(wait)s ممکن است.") % {"wait": _wait_phrase(self.retry_at)}
        return text


class OtpExpired(OtpError):
    @property
    def message(self) -> str:
        return _("کد تایید منقضی شده است (هر کد ۱۰ دقیقه اعتبار دارد). لطفاً کد جدید درخواست کنید.")


class OtpNoChallenge(OtpError):
    """No live code for this purpose: never issued, issued for another ballot, or replaced."""

    @property
    def message(self) -> str:
        return _(
            "این کد تایید برای این برگه رای صادر نشده است یا کد جدیدتری درخواست شده است. لطفاً کد جدید درخواست کنید."
        )


class OtpAlreadyUsed(OtpError):
    @property
    def message(self) -> str:
        return _("این کد تایید قبلاً به کار رفته است.")


class OtpThrottled(OtpError):
    """Too soon after a wrong code (django-otp's exponential back-off)."""

    @property
    def message(self) -> str:
        return _("چند کد نادرست پشت سر هم وارد شده است. لطفاً %(wait)s دیگر دوباره تلاش کنید.") % {
            "wait": _wait_phrase(self.retry_at)
        }


class OtpTooManyAttempts(OtpError):
    """The member used up the allowed wrong guesses; codes are locked for a while."""

    @property
    def message(self) -> str:
        return _(
            "به دلیل ورود کد نادرست بیش از حد مجاز، دریافت و ورود کد تایید تا %(wait)s دیگر ممکن نیست. "
            "پس از آن دوباره کد درخواست کنید."
        ) % {"wait": _wait_phrase(self.retry_at)}


class OtpCooldown(OtpError):
    """A code was just asked for on this channel; asking again must wait."""

    @property
    def message(self) -> str:
        return _("کد تایید همین الان درخواست شد. برای درخواست دوباره لطفاً %(wait)s صبر کنید.") % {
            "wait": _wait_phrase(self.retry_at)
        }


class OtpTooManyCodes(OtpError):
    @property
    def message(self) -> str:
        return _("برای این برگه رای بیش از حد مجاز کد تایید درخواست شده است. لطفاً از ابتدا وارد شوید.")


class OtpChannelUnavailable(OtpError):
    def __init__(self, *, channel: str, **kwargs):
        self.channel = channel
        super().__init__(**kwargs)

    @property
    def message(self) -> str:
        if self.channel == "sms":
            return _("شماره همراهی برای شما ثبت نشده است؛ کد تایید از طریق پیامک ارسال نمی‌شود.")
        return _("پست الکترونیکی برای شما ثبت نشده است؛ کد تایید از طریق پست الکترونیک ارسال نمی‌شود.")
