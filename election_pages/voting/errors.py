"""Errors of the voting journey, each with the Persian message shown at the edge."""

from django.utils.translation import gettext_lazy as _

from cms_site.common.errors import PortalError
from member_workflow.errors import LoginRefusedDuringElection


class VotingError(PortalError):
    """Base of these errors; see cms_site.common.errors."""


class VotingNotOpen(VotingError):
    """V1: outside the election's voting window (not yet, closed, cancelled)."""

    message = _("زمان رای‌گیری این انتخابات نیست؛ رای‌گیری فقط بین زمان شروع و پایان اعلام شده ممکن است.")


class NotAMember(VotingError):
    """M10: not an approved member of the organising association (the seed's words)."""

    message = _("شما عضو این انجمن نیستید")


class PasswordIsNationalCode(VotingError):
    """M5 at the voting door: the same words as the portal login's refusal."""

    message = LoginRefusedDuringElection.message


class AlreadyVoted(VotingError):
    message = _("رای شما در این انتخابات قبلاً ثبت شده است و قابل تغییر یا ثبت دوباره نیست.")


class SessionNotFound(VotingError):
    message = _("برگه رای شما پیدا نشد؛ لطفاً دوباره از «شرکت در انتخابات» وارد شوید.")


class SessionExpired(VotingError):
    message = _("مهلت این برگه رای به پایان رسیده و انتخاب‌های آن پاک شده است؛ لطفاً دوباره وارد شوید.")


class SessionWrongStep(VotingError):
    message = _("این مرحله هنوز در دسترس نیست؛ لطفاً مراحل را به ترتیب طی کنید.")


class ChannelUnavailable(VotingError):
    message = _("این روش دریافت کد تایید برای شما در دسترس نیست.")


class InvalidBallot(VotingError):
    """V4: over the limit, unknown candidate, other position or election, tampered form."""

    message = _("برگه رای معتبر نیست.")
