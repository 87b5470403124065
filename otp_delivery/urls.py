"""URLs of the delivery layer. `report_urlpatterns` have no language prefix (a provider
calls them); `urlpatterns` go inside i18n_patterns."""

from django.urls import path

from . import views

app_name = "otp_delivery"

report_urlpatterns = [
    path("sms/kavenegar/report/<str:token>/", views.kavenegar_report, name="kavenegar_report"),
]

urlpatterns = [
    path("dev/outbox/", views.dev_outbox, name="dev_outbox"),
]
