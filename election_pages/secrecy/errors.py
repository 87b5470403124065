"""Refusals of the supervisors' pages and the ceremony, each with its Persian message."""

from django.utils.translation import gettext_lazy as _


class CeremonyError(Exception):
    BAD_PUBLIC_KEY = "bad_public_key"
    TOO_LATE = "too_late"
    UNKNOWN_USER = "unknown_user"
    BAD_COUNT = "bad_count"
    BAD_THRESHOLD = "bad_threshold"
    KEYS_MISSING = "keys_missing"

    MESSAGES = {
        BAD_PUBLIC_KEY: _("کلید عمومی معتبر نیست: متن base64 یک کلید ۳۲ بایتی را از ابزار ناظر کپی کنید."),
        TOO_LATE: _("رای‌گیری آغاز شده است؛ هیئت نظارت و کلید انتخابات دیگر تغییر نمی‌کند."),
        UNKNOWN_USER: _("این کاربران پیدا نشدند: %(detail)s"),
        BAD_COUNT: _("هیئت نظارت باید دست‌کم ۱ و حداکثر ۱۶ عضو داشته باشد."),
        BAD_THRESHOLD: _("حد نصاب باید عددی از ۱ تا تعداد اعضای هیئت نظارت باشد."),
        KEYS_MISSING: _("همه اعضای هیئت نظارت هنوز کلید شخصی خود را ثبت نکرده‌اند."),
    }

    def __init__(self, reason: str, *, detail: str = ""):
        self.reason, self.detail = reason, detail
        super().__init__(str(self.MESSAGES[reason]) % {"detail": detail} if detail else str(self.MESSAGES[reason]))


class UnsealError(Exception):
    """A refused unsealing; nothing was written."""

    MALFORMED = "malformed"
    OTHER_ELECTION = "other_election"
    TOO_FEW = "too_few"
    DUPLICATE = "duplicate"
    WRONG_KEY = "wrong_key"
    NOT_CLOSED = "not_closed"
    ALREADY_COUNTED = "already_counted"
    COUNT_MISMATCH = "count_mismatch"

    MESSAGES = {
        MALFORMED: _("سهم شماره %(index)s خوانا نیست یا کلمه‌ای از آن جا افتاده یا اشتباه است."),
        OTHER_ELECTION: _("سهم شماره %(index)s مربوط به انتخابات دیگری است."),
        TOO_FEW: _("سهم‌ها کافی نیست: دست‌کم %(threshold)s سهم از اعضای هیئت نظارت لازم است."),
        DUPLICATE: _("سهم شماره %(index)s تکراری است؛ هر ناظر سهم خود را یک بار وارد کند."),
        WRONG_KEY: _("این سهم‌ها کلید این انتخابات را نمی‌سازند؛ سهم‌ها را دوباره از ابزار ناظر کپی کنید."),
        NOT_CLOSED: _("آرا فقط پس از پایان رای‌گیری گشوده می‌شود."),
        ALREADY_COUNTED: _("آرای این انتخابات شمرده شده است و دوباره گشوده نمی‌شود."),
        COUNT_MISMATCH: _(
            "تعداد برگه‌های صندوق (%(cast)s) با تعداد رای‌دهندگان (%(participations)s) برابر نیست؛ چیزی نوشته نشد."
        ),
    }

    def __init__(self, reason: str, **numbers):
        self.reason, self.numbers = reason, numbers
        super().__init__(str(self.MESSAGES[reason]) % numbers if numbers else str(self.MESSAGES[reason]))
