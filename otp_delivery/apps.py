from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OtpDeliveryConfig(AppConfig):
    name = "otp_delivery"
    verbose_name = _("ارسال پیام و کد تایید")
