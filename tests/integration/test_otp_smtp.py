"""Email goes through Django's SMTP backend to a real SMTP server on loopback (aiosmtpd)."""

import re

import pytest

from otp_delivery.models import Delivery, DeliveryState
from otp_delivery.services import otp_challenge_issue, otp_challenge_verify
from tests.otp_helpers import run_deliveries, voter
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield server


def test_v5_code_by_email_through_a_real_smtp_server(smtp):
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="email")
    run_deliveries()
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == member.email
    assert "کد تایید رای" in message["Subject"]
    assert message["Message-ID"].startswith("<delivery-")
    body = message.get_content()
    code = re.search(r"\b(\d{6})\b", body).group(1)
    assert Delivery.objects.get().state == DeliveryState.SENT
    otp_challenge_verify(member=member, purpose_ref="ballot:1", token=code)


def test_smtp_server_down_is_retried(settings):
    from otp_delivery.services import DeliveryRetry, delivery_send
    from tests.smtp_server import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 2
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="email")
    delivery = Delivery.objects.get()
    with pytest.raises(DeliveryRetry):
        delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PENDING and delivery.sealed_body
    assert "ConnectionRefusedError" in delivery.last_error
    with SmtpServer() as server:
        settings.EMAIL_PORT = server.port
        delivery_send(delivery_id=delivery.pk)
        assert len(server.messages) == 1
