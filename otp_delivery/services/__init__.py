"""Writes of the one-time-code and delivery layer, one module per concern. See
docs/otp_delivery.md.

- `challenges`: one-time codes: issue, switch to email, verify, consume;
- `deliveries`: message records: queue, send with retries, delivery reports, sweep, purge;
- `fallback`: the email fallback of a code SMS.

Imports flow fallback → challenges → deliveries → `otp_delivery.gateways`; tasks are
queued by name, so nothing here imports `otp_delivery.tasks`.

Public API (keyword-only), re-exported here:
- `otp_challenge_issue(member=, purpose_ref=, channel=) -> Challenge`
- `otp_challenge_switch_to_email(member=, purpose_ref=) -> Challenge`
- `otp_challenge_verify(member=, purpose_ref=, token=) -> Challenge`   (own transaction)
- `otp_challenge_consume(member=, purpose_ref=) -> Challenge`          (inside the caller's)
- `message_queue(channel=, recipient=, text=, ...) -> Delivery`        (any other message)
- `member_mobile(member)`, `member_email(member)`: a member's addresses
- `otp_records_purge(purpose_refs=, delivery_ids=, before=) -> dict`    (retention)

Internal (Celery tasks and the provider webhook call these): `delivery_send`,
`delivery_report_apply`, `otp_fallback_check`, `delivery_sweep`, `DeliveryRetry`.
"""

from .challenges import (
    member_email,
    member_mobile,
    otp_challenge_consume,
    otp_challenge_issue,
    otp_challenge_switch_to_email,
    otp_challenge_verify,
)
from .deliveries import (
    DeliveryRetry,
    delivery_report_apply,
    delivery_send,
    delivery_sweep,
    message_queue,
    otp_records_purge,
)
from .fallback import otp_fallback_check

__all__ = [
    "DeliveryRetry",
    "delivery_report_apply",
    "delivery_send",
    "delivery_sweep",
    "member_email",
    "member_mobile",
    "message_queue",
    "otp_challenge_consume",
    "otp_challenge_issue",
    "otp_challenge_switch_to_email",
    "otp_challenge_verify",
    "otp_fallback_check",
    "otp_records_purge",
]
