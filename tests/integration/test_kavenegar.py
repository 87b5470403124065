"""The Kavenegar SMS backend against a fake Kavenegar server on loopback: the documented
request, timeouts, 5xx, malformed replies, provider error codes (transient vs permanent),
crash recovery by local id, and delivery reports (poll and webhook)."""

import pytest
from django.core import mail
from django.urls import reverse

from otp_delivery.gateways import sms
from otp_delivery.models import Delivery, DeliveryState
from otp_delivery.services import DeliveryRetry, delivery_send, message_queue, otp_fallback_check
from tests.fake_kavenegar import API_KEY, FakeKavenegar


@pytest.fixture
def kavenegar(settings):
    fake = FakeKavenegar(hang_seconds=1.5).start()
    settings.SMS_BACKEND = "kavenegar"
    settings.KAVENEGAR_API_KEY = API_KEY
    settings.KAVENEGAR_BASE_URL = fake.base_url
    settings.KAVENEGAR_SENDER = "10004346"
    settings.KAVENEGAR_TIMEOUT_SECONDS = 0.5
    settings.KAVENEGAR_REPORT_TOKEN = "report-secret"
    yield fake
    fake.stop()


def send(text="سلام", local_id="41"):
    return sms.sms_send(to="09121234567", text=text, local_id=local_id)


def test_send_posts_the_documented_parameters(kavenegar):
    receipt = send("کد تایید رای شما: 123456")
    path, params = kavenegar.requests[0]
    assert path == f"/v1/{API_KEY}/sms/send.json"
    assert params == {
        "receptor": "09121234567",
        "message": "کد تایید رای شما: 123456",
        "sender": "10004346",
        "localid": "41",
    }
    assert receipt.provider_message_id == "8792344"
    assert receipt.delivery == sms.DELIVERY_PENDING and receipt.provider_status == "1"


@pytest.mark.parametrize(
    ("behaviour", "is_transient"),
    [
        ("5xx", True),
        ("malformed", True),
        ("hang", True),  # the client times out
        (409, True),  # server cannot answer now
        (451, True),  # too many calls
        (403, False),  # bad API key
        (411, False),  # bad receptor
        (412, False),  # bad sender
        (418, False),  # no credit
        (422, False),  # bad characters
    ],
)
def test_errors_are_classified(kavenegar, behaviour, is_transient):
    kavenegar.script = [behaviour]
    with pytest.raises(sms.SmsDeliveryError) as error:
        send()
    assert error.value.is_transient is is_transient
    # The API key is part of the URL; it must never reach an error text (and so a log).
    assert API_KEY not in str(error.value)


def test_unreachable_gateway_is_transient_and_hides_the_key(settings):
    settings.SMS_BACKEND = "kavenegar"
    settings.KAVENEGAR_API_KEY = API_KEY
    settings.KAVENEGAR_BASE_URL = "http://127.0.0.1:9/v1"  # discard port: nothing listens
    settings.KAVENEGAR_TIMEOUT_SECONDS = 0.5
    with pytest.raises(sms.SmsDeliveryError) as error:
        send()
    assert error.value.is_transient and API_KEY not in str(error.value)


def test_missing_api_key_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.SMS_BACKEND = "kavenegar"
    settings.KAVENEGAR_API_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        send()


def test_lookup_and_status(kavenegar):
    backend = sms.get_sms_backend()
    assert backend.lookup("77") is None
    send(local_id="77")
    found = backend.lookup("77")
    assert found is not None and found.provider_message_id == "8792344"
    kavenegar.statuses["8792344"] = 10
    assert backend.status("8792344").delivery == sms.DELIVERY_DELIVERED
    kavenegar.statuses["8792344"] = 11
    assert backend.status("8792344").delivery == sms.DELIVERY_FAILED


@pytest.mark.django_db
def test_5xx_then_success_sends_once(kavenegar):
    kavenegar.script = ["5xx", "ok"]
    delivery = message_queue(channel="sms", recipient="09121234567", text="متن")
    with pytest.raises(DeliveryRetry):
        delivery_send(delivery_id=delivery.pk)
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.provider_message_id == "8792344"
    assert len(kavenegar.sends()) == 2  # the 502 and the real one
    assert [p["localid"] for p in kavenegar.sends()] == [str(delivery.pk)] * 2


@pytest.mark.django_db
def test_timeout_after_the_gateway_took_it_does_not_send_twice(kavenegar):
    """The provider accepted the message but the reply never came in time: the retry
    asks by local id (statuslocalmessageid) and records it, without a second send."""
    kavenegar.script = ["hang"]
    delivery = message_queue(channel="sms", recipient="09121234567", text="متن")
    with pytest.raises(DeliveryRetry):
        delivery_send(delivery_id=delivery.pk)
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert len(kavenegar.sends()) == 1
    assert any(path.endswith("statuslocalmessageid.json") for path, _ in kavenegar.requests)


@pytest.mark.django_db
def test_permanent_provider_error_fails_the_record(kavenegar):
    kavenegar.script = [411]
    delivery = message_queue(channel="sms", recipient="09121234567", text="متن")
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED and "411" in delivery.last_error
    assert delivery.sealed_body == ""


@pytest.mark.django_db
def test_delivery_report_webhook_marks_delivered(kavenegar, client):
    delivery = message_queue(channel="sms", recipient="09121234567", text="متن")
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    url = reverse("otp_delivery_reports:kavenegar_report", kwargs={"token": "report-secret"})
    assert url == "/sms/kavenegar/report/report-secret/"
    response = client.post(url, {"messageid": delivery.provider_message_id, "status": "10"})
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED and delivery.provider_status == "10"


@pytest.mark.django_db
def test_delivery_report_webhook_refuses_a_wrong_token_and_bad_input(kavenegar, client):
    delivery = message_queue(channel="sms", recipient="09121234567", text="متن")
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    wrong = reverse("otp_delivery_reports:kavenegar_report", kwargs={"token": "guess"})
    assert client.post(wrong, {"messageid": delivery.provider_message_id, "status": "10"}).status_code == 404
    right = reverse("otp_delivery_reports:kavenegar_report", kwargs={"token": "report-secret"})
    assert client.post(right, {"messageid": "x", "status": "10"}).status_code == 400
    assert client.post(right, {"messageid": "1", "status": "ten"}).status_code == 400
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT


@pytest.mark.django_db
def test_v5_undelivered_report_sends_the_code_by_email(kavenegar, client, django_capture_on_commit_callbacks):
    from otp_delivery.services import otp_challenge_issue
    from tests.otp_helpers import run_deliveries, voter

    mail.outbox.clear()
    member = voter()
    otp_challenge_issue(member=member, purpose_ref="ballot:1", channel="sms")
    run_deliveries()
    sms_delivery = Delivery.objects.get(channel="sms")
    url = reverse("otp_delivery_reports:kavenegar_report", kwargs={"token": "report-secret"})
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(url, {"messageid": sms_delivery.provider_message_id, "status": "11"})
    sms_delivery.refresh_from_db()
    assert sms_delivery.state == DeliveryState.FAILED
    assert callbacks, "the failure schedules the email fallback"
    otp_fallback_check(delivery_id=sms_delivery.pk)
    run_deliveries()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [member.email]
