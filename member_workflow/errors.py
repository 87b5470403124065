"""Errors the member services raise, each with the Persian message shown at the edge."""

from django.utils.translation import gettext_lazy as _

from cms_site.common.errors import PortalError


class MemberWorkflowError(PortalError):
    """Base of these errors; see cms_site.common.errors."""


class PermissionDenied(MemberWorkflowError):
    message = _("شما اجازه این کار را ندارید.")


class InvalidTransition(MemberWorkflowError):
    message = _("این تغییر وضعیت از وضعیت فعلی ممکن نیست.")


class ConcurrentChange(MemberWorkflowError):
    message = _("این رکورد همزمان توسط کاربر دیگری تغییر کرد؛ صفحه را دوباره بارگذاری کنید.")


class ElectionInVotingWindow(MemberWorkflowError):
    message = _("در حال حاضر انتخابات یکی از انجمن‌های شما در جریان است؛ تا پایان زمان رای‌گیری این کار ممکن نیست.")


class ResetNotForAdmins(MemberWorkflowError):
    message = _(
        "بازنشانی با پیامک برای مسئولان انجمن‌ها فعال نیست؛ از «دریافت کلمه عبور از طریق پیامک و پست الکترونیک» استفاده کنید."
    )


class MemberNotFound(MemberWorkflowError):
    message = _("عضوی با این کد ملی در سامانه ثبت نشده است.")


class NoMobileRegistered(MemberWorkflowError):
    message = _("برای این حساب شماره تلفن همراه ثبت نشده است؛ با دبیرخانه انجمن خود تماس بگیرید.")


class DuplicateMember(MemberWorkflowError):
    message = _("عضوی با این کد ملی قبلاً ثبت نام کرده است.")


class DuplicateMobile(MemberWorkflowError):
    message = _("این شماره تلفن همراه برای عضو دیگری ثبت شده است.")


class LoginRefusedDuringElection(MemberWorkflowError):
    message = _(
        "کلمه عبور شما برابر کد ملی است و در زمان برگزاری انتخابات امکان ورود با آن وجود ندارد. "
        "از «کلمه عبور خود را فراموش کرده ام» و گزینه دریافت کلمه عبور از طریق پیامک و پست الکترونیک استفاده کنید."
    )


class LoginThrottled(MemberWorkflowError):
    """The login guard refused to check this password try (services.logins). `retry_at`
    (aware datetime or None) says when trying again makes sense."""

    def __init__(self, retry_at=None):
        super().__init__()
        self.retry_at = retry_at


class LoginDelayed(LoginThrottled):
    """Too many failed tries from this place or this address: the next try waits until
    `retry_at` (the pages say when, in Persian)."""

    message = _("تلاش‌های ناموفق زیادی برای ورود انجام شده است؛ کمی بعد دوباره تلاش کنید.")


class LoginSecondFactorRequired(LoginThrottled):
    """The account is being tried from many addresses: before the password is checked, the
    browser must enter the code sent to the member's registered mobile and email.
    `retry_at` is set when a new try (and so a new code) must wait; a code already sent can
    be entered at once."""

    message = _(
        "برای حفظ امنیت این حساب، پیش از بررسی کلمه عبور باید کد تایید ارسال شده به تلفن همراه "
        "و پست الکترونیک ثبت شده را وارد کنید."
    )


class LoginSecondFactorWrong(MemberWorkflowError):
    message = _("کد تایید درست نیست یا اعتبار آن تمام شده است؛ آخرین کد ارسال شده را وارد کنید.")
