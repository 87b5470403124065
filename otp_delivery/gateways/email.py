"""The email gateway: one message to Django's mail backend (`EMAIL_URL`), and whether a
failure is worth retrying.

Like the SMS backends it never logs the text, and its error carries only the exception's
type (an SMTP reply may echo the message or the recipient).
"""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.views.decorators.debug import sensitive_variables


class EmailDeliveryError(Exception):
    """The mail server did not take the message. `is_transient` says whether to retry."""

    def __init__(self, message: str, *, is_transient: bool):
        super().__init__(message)
        self.is_transient = is_transient


@sensitive_variables()  # error reports never show a code or a message text
def email_send(*, to: str, subject: str, body: str, message_id: str) -> None:
    """Send one email with the given `Message-ID` (the same on every attempt: SMTP has no
    idempotency key, so a resend after a crash is one message to mail clients).
    Raises EmailDeliveryError."""
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id},
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        raise EmailDeliveryError(f"email: {type(exc).__name__}", is_transient=_is_transient(exc)) from None


def _is_transient(exc: Exception) -> bool:
    """True when an email error is worth retrying: SMTP 4xx and connection errors, not a
    refused recipient nor an SMTP 5xx."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code < 500
    return isinstance(exc, smtplib.SMTPException | OSError)
