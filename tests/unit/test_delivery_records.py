"""Delivery records (issue 5): FSM pending → sending → sent → delivered | failed, sealed
bodies, retries with back-off, and a worker that dies mid-send neither sends twice nor
loses the message."""

import pytest
from django.core import mail
from django.db import transaction
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from otp_delivery.crypto import unseal
from otp_delivery.gateways import sms
from otp_delivery.models import Delivery, DeliveryState
from otp_delivery.services import DeliveryRetry, delivery_send, message_queue
from tests.otp_helpers import Clock

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_outboxes():
    sms.outbox.clear()
    mail.outbox.clear()


def queued_sms(text="رمز عبور جدید شما: Abc12345"):
    return message_queue(channel="sms", recipient="09121234567", text=text)


class FlakyBackend:
    """A gateway that fails `failures` times with the given kind of error, then works."""

    def __init__(self, failures: int, *, transient: bool = True):
        self.failures = failures
        self.transient = transient
        self.sent: list[sms.SmsMessage] = []

    def send(self, message):
        if self.failures:
            self.failures -= 1
            raise sms.SmsDeliveryError("gateway down", is_transient=self.transient)
        self.sent.append(message)
        return sms.SmsReceipt("m-1", sms.DELIVERY_PENDING, "1")

    def lookup(self, local_id):
        return next((sms.SmsReceipt("m-1") for m in self.sent if m.local_id == local_id), None)

    def status(self, provider_message_id):
        return sms.SmsReceipt(provider_message_id)


@pytest.fixture
def backend(monkeypatch):
    def install(gateway):
        monkeypatch.setattr(sms, "get_sms_backend", lambda: gateway)
        return gateway

    return install


def test_body_is_sealed_while_queued_and_erased_once_sent():
    delivery = queued_sms()
    assert "Abc12345" not in delivery.sealed_body
    assert unseal(delivery.sealed_body) == "رمز عبور جدید شما: Abc12345"
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED  # locmem confirms at once
    assert delivery.sealed_body == ""
    assert sms.outbox[0].local_id == str(delivery.pk)


def test_transitions_allowed_and_refused():
    delivery = queued_sms()
    with pytest.raises(TransitionNotAllowed):
        delivery.mark_sent(provider_message_id="x")
    delivery.claim()
    assert delivery.state == DeliveryState.SENDING and delivery.attempts == 1
    delivery.mark_sent(provider_message_id="x")
    with pytest.raises(TransitionNotAllowed):
        delivery.claim()
    delivery.fail(error="undelivered")
    assert delivery.sealed_body == ""
    with pytest.raises(TransitionNotAllowed):
        delivery.mark_delivered()


def test_state_field_is_protected():
    delivery = queued_sms()
    with pytest.raises(AttributeError):
        delivery.state = DeliveryState.SENT


def test_concurrent_transition_is_refused():
    delivery = queued_sms()
    stale = Delivery.objects.get(pk=delivery.pk)
    delivery.claim()
    delivery.save()
    stale.claim()
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()


def test_transient_errors_are_retried_with_backoff_then_sent(backend, settings):
    gateway = backend(FlakyBackend(2))
    delivery = queued_sms()
    with pytest.raises(DeliveryRetry) as first:
        delivery_send(delivery_id=delivery.pk)
    assert first.value.countdown == settings.DELIVERY_RETRY_BACKOFF_SECONDS
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING and delivery.last_error == "gateway down"
    assert delivery.sealed_body  # still there for the retry
    with pytest.raises(DeliveryRetry) as second:
        delivery_send(delivery_id=delivery.pk)
    assert second.value.countdown == 2 * settings.DELIVERY_RETRY_BACKOFF_SECONDS
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.attempts == 3
    assert len(gateway.sent) == 1


def test_permanent_error_fails_at_once_and_erases_the_body(backend):
    backend(FlakyBackend(1, transient=False))
    delivery = queued_sms()
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.sealed_body == "" and delivery.attempts == 1


def test_transient_errors_stop_after_max_attempts(backend, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 3
    backend(FlakyBackend(10))
    delivery = queued_sms()
    for _ in range(2):
        with pytest.raises(DeliveryRetry):
            delivery_send(delivery_id=delivery.pk)
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and delivery.sealed_body == ""


def test_sending_twice_is_a_no_op():
    delivery = queued_sms()
    delivery_send(delivery_id=delivery.pk)
    delivery_send(delivery_id=delivery.pk)
    assert len(sms.outbox) == 1


def _die_mid_send(delivery):
    """What a worker killed inside the gateway call leaves behind: the claim, committed."""
    delivery.claim()
    delivery.save()


def test_worker_killed_after_the_gateway_took_it_does_not_send_twice(settings):
    delivery = queued_sms()
    _die_mid_send(delivery)
    sms.outbox.append(sms.SmsMessage("09121234567", "…", "t", local_id=str(delivery.pk)))  # it did leave
    with pytest.raises(DeliveryRetry):  # the lease still runs: another worker may be alive
        delivery_send(delivery_id=delivery.pk)
    with Clock() as clock:
        clock.advance(seconds=settings.DELIVERY_SEND_LEASE_SECONDS + 1)
        delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state in (DeliveryState.SENT, DeliveryState.DELIVERED)
    assert len(sms.outbox) == 1
    assert delivery.sealed_body == ""


def test_worker_killed_before_the_gateway_took_it_does_not_lose_it(settings):
    delivery = queued_sms()
    _die_mid_send(delivery)
    with Clock() as clock:
        clock.advance(seconds=settings.DELIVERY_SEND_LEASE_SECONDS + 1)
        delivery_send(delivery_id=delivery.pk)
    assert [m.local_id for m in sms.outbox] == [str(delivery.pk)]
    delivery.refresh_from_db()
    assert delivery.attempts == 2


def test_email_delivery_carries_a_stable_message_id():
    delivery = message_queue(channel="email", recipient="a@example.org", text="سلام", subject="موضوع")
    delivery_send(delivery_id=delivery.pk)
    first_id = mail.outbox[0].extra_headers["Message-ID"]
    assert first_id.startswith(f"<delivery-{delivery.pk}.")
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT


def test_tasks_take_the_record_id_only(django_capture_on_commit_callbacks, monkeypatch):
    from otp_delivery import tasks
    from otp_delivery.services import otp_challenge_issue
    from tests.otp_helpers import voter

    sent = []
    for label, task in (("send", tasks.delivery_send_task), ("fallback", tasks.otp_fallback_check_task)):
        monkeypatch.setattr(
            task, "apply_async", lambda args, _l=label, **k: sent.append((_l, tuple(args), k.get("countdown")))
        )
    member = voter()
    with django_capture_on_commit_callbacks(execute=True):
        otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    delivery = Delivery.objects.get()
    assert ("send", (delivery.pk,), None) in sent
    fallback = [call for call in sent if call[0] == "fallback"]
    assert fallback == [("fallback", (delivery.pk,), 120)]
    assert tasks.delivery_send_task.acks_late and tasks.otp_fallback_check_task.acks_late


def test_backoff_is_capped():
    from otp_delivery.services.deliveries import _backoff

    assert _backoff(1) == 5 and _backoff(2) == 10 and _backoff(20) == 300


def test_unreadable_sealed_body_fails_instead_of_retrying_forever(settings):
    delivery = queued_sms()
    settings.SECRET_KEY = "rotated-" + settings.SECRET_KEY
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and "cannot be opened" in delivery.last_error
    assert sms.outbox == []


def test_sweep_leaves_a_retry_in_its_backoff_alone(backend, settings, monkeypatch):
    from otp_delivery import tasks
    from otp_delivery.services import delivery_sweep

    queued = []
    monkeypatch.setattr(tasks.delivery_send_task, "apply_async", lambda args, **k: queued.extend(args))
    backend(FlakyBackend(1))
    delivery = queued_sms()
    with Clock() as clock:
        with pytest.raises(DeliveryRetry):
            delivery_send(delivery_id=delivery.pk)
        clock.advance(seconds=settings.DELIVERY_SEND_LEASE_SECONDS + 10)
        delivery_sweep()
        assert queued == []  # released a moment ago: its own retry is scheduled
        clock.advance(seconds=400)
        delivery_sweep()
        assert queued == [delivery.pk]  # the retry never came: the message was lost
