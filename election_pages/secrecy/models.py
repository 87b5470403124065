"""Supervisors (هیئت نظارت) and their keys (issue 12).

A supervisor registers a personal X25519 public key (made on their own computer with
`supervisor_tool.py`); the private half never reaches the server. For each election the
key ceremony stores one SLIP-39 share of the election's private key per supervisor, sealed
to that supervisor's personal key, and nothing readable.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SupervisorKey(models.Model):
    """A person's public key for receiving election key shares (one per person)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("کاربر"), on_delete=models.CASCADE, related_name="supervisor_key"
    )
    public_key = models.CharField(_("کلید عمومی شخصی"), max_length=64)
    fingerprint = models.CharField(_("اثر انگشت"), max_length=64)
    registered_at = models.DateTimeField(_("زمان ثبت"), default=timezone.now)

    class Meta:
        verbose_name = _("کلید شخصی ناظر")
        verbose_name_plural = _("کلیدهای شخصی ناظران")

    def __str__(self):
        return self.fingerprint


class ElectionSupervisor(models.Model):
    """One supervisor of one election, with their sealed share once the ceremony ran."""

    election = models.ForeignKey(
        "election_pages.Election", verbose_name=_("انتخابات"), on_delete=models.CASCADE, related_name="supervisors"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ناظر"), on_delete=models.PROTECT, related_name="supervised_elections"
    )
    # The share phrase sealed to the supervisor's public key as it was at the ceremony.
    sealed_share = models.BinaryField(_("سهم رمز شده"), null=True, blank=True)
    share_key_fingerprint = models.CharField(_("اثر انگشت کلید دریافت کننده سهم"), max_length=64, blank=True)
    added_at = models.DateTimeField(_("زمان افزودن"), default=timezone.now)

    class Meta:
        verbose_name = _("ناظر انتخابات")
        verbose_name_plural = _("هیئت نظارت")
        constraints = [models.UniqueConstraint(fields=["election", "user"], name="secrecy_one_seat_per_supervisor")]

    def __str__(self):
        return f"{self.election_id}:{self.user_id}"
