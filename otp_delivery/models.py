"""One-time-code devices (django-otp), challenges and delivery records.

- `SmsDevice` / `EmailDevice`: django-otp side-channel devices with its throttling and
  cooldown mixins. They store a keyed hash of the current code (bound to one challenge),
  never the code itself.
- `Challenge`: one request for a code, bound to a `purpose_ref` (e.g. a ballot session).
  active → verified → consumed, or active → locked | superseded.
- `Delivery`: one outgoing message. pending → sending → sent → delivered | failed.
  The body is sealed (Fernet) while queued and erased once sent or failed.

Transition bodies only assign fields; services in `services.py` lock, audit and schedule.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare, get_random_string
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_otp.models import CooldownMixin, SideChannelDevice, ThrottlingMixin, TimestampMixin

from .crypto import code_digest


class Channel(models.TextChoices):
    SMS = "sms", _("پیامک")
    EMAIL = "email", _("پست الکترونیک")


class OtpDevice(TimestampMixin, CooldownMixin, ThrottlingMixin, SideChannelDevice):
    """The pattern of django_otp.plugins.otp_email.EmailDevice, delivering through our
    Delivery records instead of sending inline, and storing a hash instead of the code."""

    channel: str = ""

    class Meta:
        abstract = True

    def get_throttle_factor(self) -> int:
        return settings.OTP_THROTTLE_FACTOR

    def get_cooldown_duration(self) -> int:
        return settings.OTP_RESEND_COOLDOWN_SECONDS

    def code_generate(self, *, challenge_id) -> str:
        """Make a new code for `challenge_id`, keep only its hash, start the resend
        cooldown, and return the code for the caller to seal into a message."""
        code = get_random_string(settings.OTP_CODE_LENGTH, allowed_chars="0123456789")
        self.token = code_digest(device_label=self.persistent_id, challenge_id=str(challenge_id), code=code)
        self.valid_until = timezone.now() + timedelta(seconds=settings.OTP_CODE_VALIDITY_SECONDS)
        self.cooldown_set(commit=False)
        self.save()
        return code

    def code_matches(self, *, challenge_id, code: str) -> bool:
        if not self.token or timezone.now() >= self.valid_until:
            return False
        digest = code_digest(device_label=self.persistent_id, challenge_id=str(challenge_id), code=code)
        return constant_time_compare(digest, self.token)

    def code_consume(self) -> None:
        """The code worked: it is gone (single use) and the throttle starts over."""
        self.token = None
        self.valid_until = timezone.now()
        self.throttle_reset(commit=False)
        self.cooldown_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()

    def verify_token(self, token):
        # Codes are bound to a challenge; verifying without one is never valid.
        return False

    @property
    def has_live_code(self) -> bool:
        return bool(self.token) and timezone.now() < self.valid_until


class SmsDevice(OtpDevice):
    channel = Channel.SMS
    number = models.CharField(_("شماره همراه"), max_length=16)

    class Meta:
        verbose_name = _("دستگاه پیامکی")
        verbose_name_plural = _("دستگاه‌های پیامکی")


class EmailDevice(OtpDevice):
    channel = Channel.EMAIL
    email = models.EmailField(_("پست الکترونیک"), max_length=254)

    class Meta:
        verbose_name = _("دستگاه پست الکترونیک")
        verbose_name_plural = _("دستگاه‌های پست الکترونیک")


class ChallengeState(models.TextChoices):
    ACTIVE = "active", _("در انتظار کد")
    VERIFIED = "verified", _("کد تایید شد")
    CONSUMED = "consumed", _("به کار رفت")
    LOCKED = "locked", _("قفل شده")
    SUPERSEDED = "superseded", _("جایگزین شده")


class Challenge(ConcurrentTransitionMixin, models.Model):
    """A request for a one-time code, bound to one `purpose_ref`. A member has at most one
    active challenge: asking for a code for another purpose supersedes the old one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("عضو"), on_delete=models.CASCADE, related_name="otp_challenges"
    )
    purpose_ref = models.CharField(_("موضوع"), max_length=100)
    channel = models.CharField(_("آخرین روش ارسال"), max_length=10, choices=Channel.choices)
    # The language of the page that asked for the code; the fallback email uses it too.
    language = models.CharField(_("زبان"), max_length=10, default="fa")
    state = FSMField(
        _("وضعیت"), max_length=20, choices=ChallengeState.choices, default=ChallengeState.ACTIVE, protected=True
    )
    codes_issued = models.PositiveSmallIntegerField(_("تعداد کدهای صادر شده"), default=0)
    failed_attempts = models.PositiveSmallIntegerField(_("تلاش‌های نادرست"), default=0)
    created_at = models.DateTimeField(_("زمان ایجاد"), default=timezone.now)
    state_changed_at = models.DateTimeField(_("زمان آخرین تغییر وضعیت"), null=True, blank=True)

    class Meta:
        verbose_name = _("درخواست کد تایید")
        verbose_name_plural = _("درخواست‌های کد تایید")
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=models.Q(state="active"), name="otp_one_active_challenge_per_member"
            ),
        ]
        indexes = [models.Index(fields=["member", "purpose_ref"])]

    def __str__(self):
        return f"{self.purpose_ref} ({self.get_state_display()})"

    @transition(
        field=state, source=ChallengeState.ACTIVE, target=ChallengeState.VERIFIED, custom={"label": _("تایید کد")}
    )
    def verify(self):
        self.state_changed_at = timezone.now()

    @transition(
        field=state, source=ChallengeState.VERIFIED, target=ChallengeState.CONSUMED, custom={"label": _("مصرف")}
    )
    def consume(self):
        self.state_changed_at = timezone.now()

    @transition(field=state, source=ChallengeState.ACTIVE, target=ChallengeState.LOCKED, custom={"label": _("قفل")})
    def lock(self):
        self.state_changed_at = timezone.now()

    @transition(
        field=state,
        source=[ChallengeState.ACTIVE, ChallengeState.VERIFIED],
        target=ChallengeState.SUPERSEDED,
        custom={"label": _("جایگزینی")},
    )
    def supersede(self):
        self.state_changed_at = timezone.now()


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("در صف ارسال")
    SENDING = "sending", _("در حال ارسال")
    SENT = "sent", _("ارسال شد")
    DELIVERED = "delivered", _("به دست گیرنده رسید")
    FAILED = "failed", _("ناموفق")


class DeliveryKind(models.TextChoices):
    OTP = "otp", _("کد تایید")
    OTP_FALLBACK = "otp_fallback", _("کد تایید جایگزین (پست الکترونیک)")
    NOTICE = "notice", _("پیام")


class Delivery(ConcurrentTransitionMixin, models.Model):
    """One outgoing SMS or email. Its integer id is the provider's local message id, so a
    worker that died mid-send can ask the gateway whether the message already left."""

    channel = models.CharField(_("روش"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("نوع"), max_length=20, choices=DeliveryKind.choices, default=DeliveryKind.NOTICE)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("عضو"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="otp_deliveries",
    )
    challenge = models.ForeignKey(
        Challenge,
        verbose_name=_("درخواست کد"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    recipient = models.CharField(_("گیرنده"), max_length=254)
    subject = models.CharField(_("موضوع"), max_length=200, blank=True)
    sealed_body = models.TextField(_("متن رمز شده"), blank=True)
    state = FSMField(
        _("وضعیت"), max_length=20, choices=DeliveryState.choices, default=DeliveryState.PENDING, protected=True
    )
    attempts = models.PositiveSmallIntegerField(_("تعداد تلاش"), default=0)
    provider_message_id = models.CharField(_("شناسه پیام نزد درگاه"), max_length=64, blank=True)
    provider_status = models.CharField(_("وضعیت نزد درگاه"), max_length=64, blank=True)
    last_error = models.CharField(_("آخرین خطا"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("زمان ایجاد"), default=timezone.now)
    claimed_at = models.DateTimeField(_("زمان شروع آخرین ارسال"), null=True, blank=True)
    state_changed_at = models.DateTimeField(_("زمان آخرین تغییر وضعیت"), null=True, blank=True)

    class Meta:
        verbose_name = _("ارسال پیام")
        verbose_name_plural = _("ارسال پیام‌ها")
        ordering = ["-created_at"]
        constraints = [
            # The member gets exactly one fallback email per challenge, whoever triggers it.
            models.UniqueConstraint(
                fields=["challenge"], condition=models.Q(kind="otp_fallback"), name="otp_one_fallback_per_challenge"
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"]), models.Index(fields=["provider_message_id"])]

    def __str__(self):
        return f"#{self.pk} {self.channel} {self.get_state_display()}"

    @property
    def local_id(self) -> str:
        return str(self.pk)

    @property
    def code_expires_at(self):
        """When the code this message carries stops working; None for other messages."""
        if self.kind not in (DeliveryKind.OTP, DeliveryKind.OTP_FALLBACK):
            return None
        return self.created_at + timedelta(seconds=settings.OTP_CODE_VALIDITY_SECONDS)

    @transition(
        field=state, source=DeliveryState.PENDING, target=DeliveryState.SENDING, custom={"label": _("شروع ارسال")}
    )
    def claim(self):
        now = timezone.now()
        self.attempts += 1
        self.claimed_at = now
        self.state_changed_at = now

    @transition(
        field=state, source=DeliveryState.SENDING, target=DeliveryState.SENDING, custom={"label": _("ارسال دوباره")}
    )
    def reclaim(self):
        """A worker died holding the claim; another takes over after the lease ran out."""
        self.attempts += 1
        self.claimed_at = timezone.now()

    @transition(
        field=state, source=DeliveryState.SENDING, target=DeliveryState.PENDING, custom={"label": _("تلاش بعدی")}
    )
    def release(self, *, error: str):
        self.last_error = error[:300]
        self.claimed_at = None
        self.state_changed_at = timezone.now()

    @transition(field=state, source=DeliveryState.SENDING, target=DeliveryState.SENT, custom={"label": _("ارسال شد")})
    def mark_sent(self, *, provider_message_id: str, provider_status: str = ""):
        self.provider_message_id = provider_message_id[:64]
        self.provider_status = provider_status[:64]
        self.sealed_body = ""
        self.last_error = ""
        self.state_changed_at = timezone.now()

    @transition(field=state, source=DeliveryState.SENT, target=DeliveryState.DELIVERED, custom={"label": _("رسید")})
    def mark_delivered(self, *, provider_status: str = ""):
        self.provider_status = provider_status[:64]
        self.state_changed_at = timezone.now()

    @transition(
        field=state,
        source=[DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.SENT],
        target=DeliveryState.FAILED,
        custom={"label": _("ناموفق")},
    )
    def fail(self, *, error: str, provider_status: str = ""):
        self.last_error = error[:300]
        if provider_status:
            self.provider_status = provider_status[:64]
        self.sealed_body = ""
        self.claimed_at = None
        self.state_changed_at = timezone.now()
