"""Helpers for the one-time-code tests: a voter with a mobile, a controllable clock, and
running queued deliveries in-process."""

import datetime
import re
from unittest import mock

from django.core import mail
from django.utils import timezone

from otp_delivery.gateways import sms
from otp_delivery.models import Delivery, DeliveryState
from otp_delivery.services import DeliveryRetry, delivery_send
from tests.factories import MemberFactory

CODE = re.compile(r"\b(\d{6})\b")


def voter(mobile: str = "09121234567", **fields):
    """A member with a registered mobile. The members app stores `mobile` on the model;
    until that lands here the attribute is set on the instance, which is what the
    services read."""
    member = MemberFactory(**fields)
    member.mobile = mobile
    return member


def run_deliveries() -> None:
    """What a worker does: send every queued message once, ignoring retry requests."""
    for pk in Delivery.objects.filter(state=DeliveryState.PENDING).order_by("pk").values_list("pk", flat=True):
        try:
            delivery_send(delivery_id=pk)
        except DeliveryRetry:
            pass


def last_sms_code() -> str:
    return CODE.search(sms.outbox[-1].text).group(1)


def last_mail_code() -> str:
    return CODE.search(mail.outbox[-1].body).group(1)


class Clock:
    """Patch django.utils.timezone.now (used by the services and by django-otp)."""

    def __init__(self):
        self.now = timezone.now()
        self._patch = mock.patch("django.utils.timezone.now", side_effect=lambda: self.now)

    def advance(self, **delta) -> None:
        self.now += datetime.timedelta(**delta)

    def __enter__(self):
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()


def enqueue_nothing(monkeypatch) -> list:
    """For tests whose transactions really commit: keep the on-commit task sends off the
    broker (the test runs the deliveries itself) and return what would have been sent."""
    from otp_delivery import tasks

    sent: list = []
    # task_enqueue/task_publish hand every task to the broker through `apply_async`.
    monkeypatch.setattr(tasks.delivery_send_task, "apply_async", lambda args, **k: sent.append(("send", tuple(args))))
    monkeypatch.setattr(
        tasks.otp_fallback_check_task, "apply_async", lambda args, **k: sent.append(("fallback", tuple(args)))
    )
    return sent
