"""Delivery records: queue a message (sealed at rest), send it through its gateway with
retries and a lease against a worker dying mid-send, apply the provider's delivery
reports, re-queue lost sends, and erase finished records.

Tasks are queued by name through the task outbox (`task_enqueue`: a row in the same
transaction, published after commit): this module never imports the tasks module, which
imports it.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from cms_site.audit.services import audit_record
from cms_site.common.queueing import task_enqueue, task_publish

from ..crypto import SealError, seal, unseal
from ..gateways import email, sms
from ..models import Challenge, ChallengeState, Channel, Delivery, DeliveryKind, DeliveryState

logger = logging.getLogger(__name__)

# The Celery names of the tasks (otp_delivery.tasks registers them; beat and queued
# messages know them by these names).
SEND_TASK = "otp_delivery.delivery_send"
FALLBACK_CHECK_TASK = "otp_delivery.otp_fallback_check"
SWEEP_TASK = "otp_delivery.delivery_sweep"


class DeliveryRetry(Exception):
    """Try this delivery again in `countdown` seconds (the task turns it into a retry)."""

    def __init__(self, countdown: float):
        super().__init__(f"retry in {countdown:.0f}s")
        self.countdown = countdown


# ------------------------------------------------------------------------- queueing


def delivery_create(*, channel, kind, recipient, text, subject="", member=None, challenge=None) -> Delivery:
    """A new record with the text sealed, its send queued after commit."""
    delivery = Delivery.objects.create(
        channel=channel,
        kind=kind,
        recipient=recipient,
        subject=subject,
        sealed_body=seal(text),
        member=member,
        challenge=challenge,
        # The services' clock (the one tests move), as everywhere else: a code expires from it.
        created_at=timezone.now(),
    )
    _enqueue_send(delivery.pk)
    return delivery


def _enqueue_send(delivery_id: int) -> None:
    # In the record's own transaction (the task outbox): one short publish after the commit,
    # and the outbox relay's retries while the broker is down. A request never waits on it.
    task_enqueue(SEND_TASK, delivery_id)


def fallback_check_enqueue(delivery_id: int, *, countdown: float = 0) -> None:
    """Check, `countdown` seconds after commit, whether a code SMS needs the email fallback."""
    task_enqueue(FALLBACK_CHECK_TASK, delivery_id, countdown=countdown)


@sensitive_variables()  # error reports never show a code or a message text
@transaction.atomic
def message_queue(
    *, channel: str, recipient: str, text: str, subject: str = "", member=None, action: str = "message.queue"
) -> Delivery:
    """Queue any message (e.g. a new password) for reliable delivery: sealed at rest,
    sent by a worker with retries, erased once sent. Returns the Delivery record."""
    delivery = delivery_create(
        channel=channel, kind=DeliveryKind.NOTICE, recipient=recipient, text=text, subject=subject, member=member
    )
    audit_record(actor=member, action=action, target=delivery, payload={"channel": channel})
    return delivery


# -------------------------------------------------------------------------- sending


def _backoff(attempts: int) -> float:
    return min(settings.DELIVERY_RETRY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), 300)


def _stable_message_id(delivery: Delivery) -> str:
    """The same Message-ID on every attempt, so a resend after a worker crash (SMTP has no
    idempotency key) is recognised as the same message by mail clients."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    return f"<delivery-{delivery.pk}.{int(delivery.created_at.timestamp())}@{domain}>"


@sensitive_variables()  # error reports never show a code or a message text
def delivery_send(*, delivery_id: int) -> None:
    """Send one queued message, at most once to the gateway and never lost.

    1. Claim it (pending → sending) under a row lock; a `sending` record whose lease ran
       out (the worker died mid-send) is reclaimed.
    2. Outside any transaction: for a reclaimed SMS, ask the gateway whether a message
       with this local id already left; only if not, send it.
    3. Record the outcome (sent / back to pending for a retry / failed) under the lock.
    Raises DeliveryRetry when the task should run again later.
    """
    claimed = _delivery_claim(delivery_id=delivery_id)
    if claimed is None:
        return
    delivery, text, recovering = claimed
    del claimed
    receipt, error, is_transient = _gateway_send(delivery, text=text, recovering=recovering)
    del text
    retry_in = _delivery_outcome_record(
        delivery_id=delivery_id, receipt=receipt, error=error, is_transient=is_transient
    )
    if retry_in is not None:
        raise DeliveryRetry(retry_in)


@sensitive_variables()  # error reports never show a code or a message text
@transaction.atomic
def _delivery_claim(*, delivery_id: int) -> tuple[Delivery, str, bool] | None:
    """Step 1: (the record, its opened text, whether it was reclaimed), or None when there
    is nothing to send. Raises DeliveryRetry while another worker's lease runs."""
    delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None or delivery.state not in (DeliveryState.PENDING, DeliveryState.SENDING):
        return None
    recovering = delivery.state == DeliveryState.SENDING
    if recovering:
        lease_ends = delivery.claimed_at + timedelta(seconds=settings.DELIVERY_SEND_LEASE_SECONDS)
        if lease_ends > timezone.now():
            raise DeliveryRetry((lease_ends - timezone.now()).total_seconds() + 1)
        delivery.reclaim()
    else:
        delivery.claim()
    if delivery.attempts > settings.DELIVERY_MAX_ATTEMPTS:
        _delivery_fail(delivery, error="too many attempts")
        return None
    if delivery.code_expires_at is not None and delivery.code_expires_at <= timezone.now():
        # It waited (broker or workers down) past its code's life: a dead code is not sent;
        # the page tells the voter to ask for a new one.
        _delivery_fail(delivery, error="code expired before it could be sent")
        return None
    try:
        text = unseal(delivery.sealed_body)
    except SealError:
        # SECRET_KEY changed since it was queued: retrying cannot help.
        _delivery_fail(delivery, error="sealed body cannot be opened")
        return None
    delivery.save()
    return delivery, text, recovering


@sensitive_variables()  # error reports never show a code or a message text
def _gateway_send(delivery: Delivery, *, text: str, recovering: bool) -> tuple[sms.SmsReceipt | None, str, bool]:
    """Step 2, outside any transaction: (receipt, "", False) once the gateway has the
    message, or (None, error, is_transient)."""
    try:
        if delivery.channel == Channel.SMS:
            return _sms_send(delivery, text=text, recovering=recovering), "", False
        message_id = _stable_message_id(delivery)
        email.email_send(to=delivery.recipient, subject=delivery.subject, body=text, message_id=message_id)
        return sms.SmsReceipt(message_id, sms.DELIVERY_PENDING, "accepted"), "", False
    except (sms.SmsDeliveryError, email.EmailDeliveryError) as exc:
        return None, str(exc), exc.is_transient
    except OSError as exc:
        # A local SMS backend's file or standard output failed: worth another try.
        return None, f"sms: {type(exc).__name__}", True


@sensitive_variables()  # error reports never show a code or a message text
def _sms_send(delivery: Delivery, *, text: str, recovering: bool) -> sms.SmsReceipt:
    """Send the SMS, unless a reclaimed or retried one already left (asked by local id)."""
    backend = sms.get_sms_backend()
    receipt = None
    if recovering or delivery.attempts > 1:
        receipt = backend.lookup(delivery.local_id)
    if receipt is None:
        receipt = backend.send(
            sms.SmsMessage(
                to=delivery.recipient, text=text, sent_at=timezone.now().isoformat(), local_id=delivery.local_id
            )
        )
    return receipt


@transaction.atomic
def _delivery_outcome_record(
    *, delivery_id: int, receipt: sms.SmsReceipt | None, error: str, is_transient: bool
) -> float | None:
    """Step 3, under the lock: sent (and maybe delivered), back to pending, or failed.
    Returns the seconds until a retry, or None."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    if delivery.state != DeliveryState.SENDING:
        return None
    if receipt is not None:
        delivery.mark_sent(provider_message_id=receipt.provider_message_id, provider_status=receipt.provider_status)
        if receipt.delivery == sms.DELIVERY_DELIVERED:
            delivery.mark_delivered(provider_status=receipt.provider_status)
        delivery.save()
        audit_record(
            actor=None,
            action="delivery.sent",
            target=delivery,
            payload={"channel": delivery.channel, "kind": delivery.kind},
        )
        logger.info("message sent", extra={"delivery_id": delivery.pk, "channel": delivery.channel})
        return None
    if is_transient and delivery.attempts < settings.DELIVERY_MAX_ATTEMPTS:
        delivery.release(error=error)
        delivery.save()
        logger.warning("message send failed, will retry", extra={"delivery_id": delivery.pk, "error": error})
        return _backoff(delivery.attempts)
    _delivery_fail(delivery, error=error)
    return None


def _delivery_fail(delivery: Delivery, *, error: str, provider_status: str = "") -> None:
    delivery.fail(error=error, provider_status=provider_status)
    delivery.save()
    audit_record(
        actor=None,
        action="delivery.failed",
        target=delivery,
        payload={"channel": delivery.channel, "kind": delivery.kind, "error": delivery.last_error},
    )
    logger.warning("message failed", extra={"delivery_id": delivery.pk, "error": delivery.last_error})
    if delivery.channel == Channel.SMS and delivery.kind == DeliveryKind.OTP:
        fallback_check_enqueue(delivery.pk)


# -------------------------------------------------------------- reports and sweeps


@transaction.atomic
def delivery_report_apply(*, provider_message_id: str, delivery: str, provider_status: str = "") -> Delivery | None:
    """A delivery report (webhook or poll) for an SMS: sent → delivered | failed."""
    record = (
        Delivery.objects.select_for_update()
        .filter(channel=Channel.SMS, provider_message_id=provider_message_id)
        .first()
    )
    if record is None or record.state != DeliveryState.SENT:
        return record
    if delivery == sms.DELIVERY_DELIVERED:
        record.mark_delivered(provider_status=provider_status)
        record.save()
        audit_record(actor=None, action="delivery.delivered", target=record, payload={"kind": record.kind})
    elif delivery == sms.DELIVERY_FAILED:
        _delivery_fail(record, error=f"provider reported {provider_status}", provider_status=provider_status)
    return record


def delivery_sweep() -> dict:
    """Beat task body: re-queue messages whose task was lost (pending too long, or a
    `sending` lease that ran out) and run the email fallback for code SMS with no
    delivery confirmation. Every step is idempotent. It publishes directly, with no outbox
    row: a message it cannot hand to the broker is still lost, and the next sweep finds it."""
    now = timezone.now()
    requeued = _lost_send_ids(now)
    for pk in requeued:
        task_publish(SEND_TASK, pk)
    candidates = _fallback_due_ids(now)
    for pk in candidates:
        task_publish(FALLBACK_CHECK_TASK, pk)
    return {"requeued": len(requeued), "fallback_checked": len(candidates)}


def _lost_send_ids(now) -> list[int]:
    lease = timedelta(seconds=settings.DELIVERY_SEND_LEASE_SECONDS)
    stale_sending = now - lease
    # Never tried and waiting longer than a lease, or waiting for a retry longer than the
    # longest back-off: the task message was lost.
    lost = Q(attempts=0, created_at__lt=now - lease) | Q(
        attempts__gt=0, state_changed_at__lt=now - lease - timedelta(seconds=_backoff(99))
    )
    return list(Delivery.objects.filter(lost, state=DeliveryState.PENDING).values_list("pk", flat=True)[:500]) + list(
        Delivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=stale_sending).values_list("pk", flat=True)[
            :500
        ]
    )


def _fallback_due_ids(now) -> list[int]:
    """Code SMS past the fallback delay, still worth a code, not confirmed delivered, and
    without their fallback email yet."""
    fallback_due = now - timedelta(seconds=settings.OTP_SMS_FALLBACK_SECONDS)
    code_alive = now - timedelta(seconds=settings.OTP_CODE_VALIDITY_SECONDS)
    return list(
        Delivery.objects.filter(
            channel=Channel.SMS,
            kind=DeliveryKind.OTP,
            created_at__lt=fallback_due,
            created_at__gte=code_alive,
            challenge__state=ChallengeState.ACTIVE,
        )
        .exclude(state=DeliveryState.DELIVERED)
        .exclude(challenge__deliveries__kind=DeliveryKind.OTP_FALLBACK)
        .values_list("pk", flat=True)[:500]
    )


# ------------------------------------------------------------------------ retention


def otp_records_purge(*, purpose_refs: list[str] | None = None, delivery_ids=None, before=None) -> dict:
    """Erase code requests and message records (issue 6, archive): those of `purpose_refs`
    (e.g. an archived election's ballot sessions), the messages `delivery_ids` (e.g. its
    notices), and/or every finished one created before `before` (the retention sweep). A
    message still pending or sending is never erased. Returns the counts erased."""
    finished = [DeliveryState.SENT, DeliveryState.DELIVERED, DeliveryState.FAILED]
    erased = {"challenges": 0, "deliveries": 0}
    for start in range(0, len(purpose_refs or []), 500):
        chunk = purpose_refs[start : start + 500]
        erased["deliveries"] += _count(Delivery.objects.filter(challenge__purpose_ref__in=chunk, state__in=finished))
        erased["challenges"] += _count(Challenge.objects.filter(purpose_ref__in=chunk))
    delivery_ids = list(delivery_ids or [])
    for start in range(0, len(delivery_ids), 500):
        chunk = delivery_ids[start : start + 500]
        erased["deliveries"] += _count(Delivery.objects.filter(pk__in=chunk, state__in=finished))
    if before is not None:
        erased["deliveries"] += _count(Delivery.objects.filter(created_at__lt=before, state__in=finished))
        erased["challenges"] += _count(
            Challenge.objects.filter(created_at__lt=before).exclude(
                deliveries__state__in=[DeliveryState.PENDING, DeliveryState.SENDING]
            )
        )
    return erased


def _count(queryset) -> int:
    """Delete and return how many rows of the queryset's own model went."""
    return queryset.delete()[1].get(queryset.model._meta.label, 0)
