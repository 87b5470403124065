"""Errors of the voting journey, each with the Persian message shown at the edge.

The views map each class to what the page does next (voting/views.py, `_refused`); the
text is the error's own, formatted with its parameters when it is shown, so the active
language applies."""

from django.utils.translation import gettext_lazy as _

from cms_site.common.digits import persian_digits
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


class BallotNotStarted(VotingError):
    """This browser has no ballot session of the election: the voting login comes first."""

    message = _("برای شرکت در انتخابات ابتدا با کد ملی و کلمه عبور وارد شوید.")


class SessionNotFound(VotingError):
    message = _("برگه رای شما پیدا نشد؛ لطفاً دوباره از «شرکت در انتخابات» وارد شوید.")


class SessionExpired(VotingError):
    message = _("مهلت این برگه رای به پایان رسیده و انتخاب‌های آن پاک شده است؛ لطفاً دوباره وارد شوید.")


class SessionWrongStep(VotingError):
    """The ballot session's state machine has no such step from where the session is."""

    message = _("این مرحله هنوز در دسترس نیست؛ لطفاً مراحل را به ترتیب طی کنید.")


class ChannelUnavailable(VotingError):
    message = _("این روش دریافت کد تایید برای شما در دسترس نیست.")


class InvalidBallot(VotingError):
    """V4: the ballot form is refused; each subclass says why. Nothing changes."""

    message = _("برگه رای معتبر نیست.")


class MalformedBallot(InvalidBallot):
    """A field that is not a number, or a candidate ticked twice: a tampered form."""


class UnknownPosition(InvalidBallot):
    """A position that is not on this election's ballot."""

    message = _("سمت انتخاب شده در این برگه رای وجود ندارد.")


class UnknownCandidate(InvalidBallot):
    """A candidate not standing for this position of this ballot."""

    message = _("نامزد انتخاب شده برای «%(position)s» در این برگه رای نیست.")

    def __init__(self, *, position: str):
        self.position = position
        super().__init__()

    def __str__(self):
        return str(self.message) % {"position": self.position}


class OverLimit(InvalidBallot):
    """More candidates than the position's limit."""

    message = _("برای «%(position)s» حداکثر %(limit)s نفر را می‌توانید انتخاب کنید.")

    def __init__(self, *, position: str, limit: int):
        self.position = position
        self.limit = limit
        super().__init__()

    def __str__(self):
        return str(self.message) % {"position": self.position, "limit": persian_digits(self.limit)}


class SelectionsUnreadable(InvalidBallot):
    """Issue 12: the selections are kept encrypted under a key that only the voter's browser
    holds; this browser does not have it (another browser, or its cookies were cleared)."""

    message = _("انتخاب‌های شما در این مرورگر در دسترس نیست؛ لطفاً نامزدها را دوباره انتخاب کنید.")
