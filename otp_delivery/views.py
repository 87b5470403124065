"""Thin views: the SMS provider's delivery-report webhook and the DEBUG-only outbox."""

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .gateways.sms import kavenegar_status_word


@csrf_exempt
@require_http_methods(["GET", "POST"])
def kavenegar_report(request, token: str):
    """Kavenegar calls the URL set in its panel with `messageid` and `status` for each
    delivery report. The secret path segment (KAVENEGAR_REPORT_TOKEN) authenticates it."""
    expected = settings.KAVENEGAR_REPORT_TOKEN
    if not expected or not constant_time_compare(token, expected):
        raise Http404
    data = request.POST if request.method == "POST" else request.GET
    message_id = (data.get("messageid") or "").strip()
    try:
        status = int(data.get("status", ""))
    except ValueError:
        return HttpResponseBadRequest("bad status")
    if not message_id.isdigit():
        return HttpResponseBadRequest("bad messageid")
    services.delivery_report_apply(
        provider_message_id=message_id, delivery=kavenegar_status_word(status), provider_status=str(status)
    )
    return HttpResponse("ok", content_type="text/plain")


def dev_outbox(request):
    """«صندوق پیام‌های آزمایشی»: the latest SMS and emails of the dev backends, so a demo
    voter can read their code without opening files. Exists only with DEBUG on."""
    if not settings.DEBUG:
        raise Http404
    context = {"sms_messages": selectors.dev_outbox_sms(), "emails": selectors.dev_outbox_emails()}
    response = render(request, "otp_delivery/dev_outbox.html", context)
    response["Cache-Control"] = "no-store"
    return response
