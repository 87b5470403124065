"""Voting models (SPEC V6, V7).

- `BallotSession`: one voter's way through one ballot. draft → selected → code_sent →
  confirmed (or, third channel, code_sent → code_received → confirmed), or expired /
  abandoned. Every state of the journey is its FSM state (diagram: docs/state-machines.md).
  It holds the voter's selections only until the vote is sealed or the session expires;
  then they are erased.
- `Participation`: who voted in which election. A database unique constraint makes it one
  vote per member per election, whatever the concurrency.
- `CastBallot` (issue 12): the ballot box. The choices sealed to the election's public key
  (whose private half only the supervisors can rebuild, k of n) and the ballot's tracker,
  the SHA-256 of that ciphertext. After the results are published the ciphertexts are
  deleted and only the trackers stay.
- `AnonymousBallot`: a ballot as the supervisors' unsealing wrote it, in a random order
  with a random id. No link to the voter and none to the ciphertext it came from: no
  foreign key but the election, no timestamp, no tracker. Only the chosen candidate ids.

Transition bodies only assign fields; `services.py` locks, checks, audits and schedules.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class ConfirmChannel(models.TextChoices):
    """V3: how the voter gets (or sends) the confirmation code."""

    EMAIL = "email", _("دریافت کد تایید از طریق پست الکترونیک")
    SMS = "sms", _("دریافت کد تایید از طریق پیامک")
    INBOUND_SMS = "inbound_sms", _("ارسال کد تایید از طریق پیامک به سامانه")


class BallotSessionState(models.TextChoices):
    DRAFT = "draft", _("پیش‌نویس")
    SELECTED = "selected", _("انتخاب شده")
    CODE_SENT = "code_sent", _("در انتظار کد تایید")
    # Third channel: the voter's SMS with the shown code arrived; the polling page seals.
    CODE_RECEIVED = "code_received", _("کد پیامک ورودی دریافت شد")
    CONFIRMED = "confirmed", _("رای ثبت شد")
    EXPIRED = "expired", _("منقضی شده")
    ABANDONED = "abandoned", _("رها شده")


LIVE_STATES = [
    BallotSessionState.DRAFT,
    BallotSessionState.SELECTED,
    BallotSessionState.CODE_SENT,
    BallotSessionState.CODE_RECEIVED,
]
# A code is out for the session (sent to the voter, or the voter's SMS arrived).
CODE_STATES = [BallotSessionState.CODE_SENT, BallotSessionState.CODE_RECEIVED]


def has_channel(session: "BallotSession") -> bool:
    """The voter chose how the code travels (V3) before choosing candidates (V4)."""
    return bool(session.channel)


def is_inbound(session: "BallotSession") -> bool:
    """The third channel: the voter SMSes the shown code to the system number."""
    return session.channel == ConfirmChannel.INBOUND_SMS


class BallotSession(ConcurrentTransitionMixin, models.Model):
    """One voter's pass through one election's ballot (the only machine of the journey).
    Every step of the journey is a transition below; `services.py` applies them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    election = models.ForeignKey(
        "election_pages.Election", verbose_name=_("انتخابات"), on_delete=models.PROTECT, related_name="ballot_sessions"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("عضو"), on_delete=models.CASCADE, related_name="ballot_sessions"
    )
    channel = models.CharField(_("روش دریافت کد تایید"), max_length=20, choices=ConfirmChannel.choices, blank=True)
    state = FSMField(
        _("وضعیت"), max_length=20, choices=BallotSessionState.choices, default=BallotSessionState.DRAFT, protected=True
    )
    # {"<position id>": [candidate ids]} until sealed or expired, encrypted under a key that
    # only the voter's browser holds (an HttpOnly cookie, never the session); then empty.
    selections_sealed = models.BinaryField(_("انتخاب‌های رمز شده"), null=True, blank=True)
    # Third channel: keyed hash of the 4-digit code the voter SMSes to the system number.
    inbound_code_digest = models.CharField(_("چکیده کد پیامک ورودی"), max_length=64, blank=True)
    # Third channel: wrong codes SMSed for the current code; at INBOUND_CODE_MAX_WRONG it is void.
    inbound_code_failures = models.PositiveSmallIntegerField(_("کدهای نادرست پیامک ورودی"), default=0)
    created_at = models.DateTimeField(_("زمان ایجاد"), default=timezone.now)
    expires_at = models.DateTimeField(_("زمان انقضا"))
    state_changed_at = models.DateTimeField(_("زمان آخرین تغییر وضعیت"), null=True, blank=True)

    class Meta:
        verbose_name = _("برگه رای در جریان")
        verbose_name_plural = _("برگه‌های رای در جریان")
        indexes = [
            models.Index(fields=["state", "expires_at"]),
            models.Index(fields=["election", "member"]),
        ]

    def __str__(self):
        return f"{self.election_id}/{self.pk} ({self.get_state_display()})"

    @property
    def purpose_ref(self) -> str:
        """What the one-time code is bound to (otp_delivery challenges)."""
        return f"ballot:{self.pk}"

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def has_code(self) -> bool:
        return self.state in CODE_STATES

    @property
    def is_code_received(self) -> bool:
        return self.state == BallotSessionState.CODE_RECEIVED

    @property
    def step(self) -> str:
        """The page of the journey this session is at: "channel" (V3), "ballot" (V4) or
        "review" (V5, V6); the voting URLs are named after them."""
        if self.state == BallotSessionState.DRAFT:
            return "ballot" if has_channel(self) else "channel"
        return "review"

    @property
    def is_inbound_code_void(self) -> bool:
        """Third channel: too many wrong codes arrived; the voter must ask for a new one."""
        return (
            self.channel == ConfirmChannel.INBOUND_SMS
            and self.state == BallotSessionState.CODE_SENT
            and self.inbound_code_failures >= settings.INBOUND_CODE_MAX_WRONG
        )

    def _touch(self) -> None:
        self.state_changed_at = timezone.now()

    @transition(
        field=state,
        source=LIVE_STATES,
        target=BallotSessionState.DRAFT,
        custom={"label": _("انتخاب روش دریافت کد")},
    )
    def choose_channel(self, *, channel: str) -> None:
        self.channel = channel
        self.inbound_code_digest = ""
        self._touch()

    @transition(
        field=state,
        source=[BallotSessionState.DRAFT, BallotSessionState.SELECTED],
        target=BallotSessionState.SELECTED,
        conditions=[has_channel],
        custom={"label": _("انتخاب نامزدها")},
    )
    def select(self, *, selections_sealed: bytes) -> None:
        self.selections_sealed = selections_sealed
        self._touch()

    # V6, going back after the code went out: the selections are replaced and the session
    # stays where it was, so the code already sent (or already received) stays valid.
    @transition(
        field=state,
        source=BallotSessionState.CODE_SENT,
        target=BallotSessionState.CODE_SENT,
        custom={"label": _("بازگشت و تغییر انتخاب‌ها")},
    )
    @transition(
        field=state,
        source=BallotSessionState.CODE_RECEIVED,
        target=BallotSessionState.CODE_RECEIVED,
        custom={"label": _("بازگشت و تغییر انتخاب‌ها")},
    )
    def reselect(self, *, selections_sealed: bytes) -> None:
        self.selections_sealed = selections_sealed
        self._touch()

    def _erase(self) -> None:
        """Nothing voter-linked outlives the session: choices and the inbound code go."""
        self.selections_sealed = None
        self.inbound_code_digest = ""
        self._touch()

    @transition(
        field=state,
        source=[BallotSessionState.SELECTED, BallotSessionState.CODE_SENT],
        target=BallotSessionState.CODE_SENT,
        custom={"label": _("ارسال کد تایید")},
    )
    def mark_code_sent(self, *, inbound_code_digest: str = "") -> None:
        if inbound_code_digest:
            self.inbound_code_digest = inbound_code_digest
        self._touch()

    @transition(
        field=state,
        source=BallotSessionState.CODE_SENT,
        target=BallotSessionState.CODE_RECEIVED,
        conditions=[is_inbound],
        custom={"label": _("کد پیامک ورودی دریافت شد")},
    )
    def receive_code(self) -> None:
        """The code is used once: its hash goes."""
        self.inbound_code_digest = ""
        self._touch()

    @transition(
        field=state,
        source=CODE_STATES,
        target=BallotSessionState.CODE_SENT,
        custom={"label": _("دریافت کد تایید از طریق پست الکترونیک")},
    )
    def switch_to_email(self) -> None:
        """V5: the code comes by email from now on; a third-channel code is dropped."""
        self.channel = ConfirmChannel.EMAIL
        self.inbound_code_digest = ""
        self._touch()

    @transition(
        field=state,
        source=BallotSessionState.CODE_SENT,
        target=BallotSessionState.CONFIRMED,
        custom={"label": _("ثبت رای")},
    )
    def confirm(self) -> None:
        """«ثبت رای» with the code from email or SMS."""
        self._erase()

    @transition(
        field=state,
        source=BallotSessionState.CODE_RECEIVED,
        target=BallotSessionState.CONFIRMED,
        custom={"label": _("ثبت رای")},
    )
    def confirm_received(self) -> None:
        """Third channel: the polling page seals once the SMS arrived."""
        self._erase()

    @transition(
        field=state,
        source=LIVE_STATES,
        target=BallotSessionState.EXPIRED,
        custom={"label": _("انقضا")},
    )
    def expire(self) -> None:
        self._erase()

    @transition(
        field=state,
        source=LIVE_STATES,
        target=BallotSessionState.ABANDONED,
        custom={"label": _("رها کردن")},
    )
    def abandon(self) -> None:
        self._erase()


class Participation(models.Model):
    """«This member voted in this election» — and nothing about how (V7)."""

    election = models.ForeignKey(
        "election_pages.Election", verbose_name=_("انتخابات"), on_delete=models.PROTECT, related_name="participations"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("عضو"), on_delete=models.PROTECT, related_name="participations"
    )
    created_at = models.DateTimeField(_("زمان رای"), default=timezone.now)

    class Meta:
        verbose_name = _("شرکت در رای‌گیری")
        verbose_name_plural = _("شرکت در رای‌گیری‌ها")
        constraints = [
            models.UniqueConstraint(fields=["election", "member"], name="voting_one_vote_per_member_per_election")
        ]

    def __str__(self):
        return f"{self.election_id}:{self.member_id}"


class CastBallot(models.Model):
    """The ballot box (issue 12): a sealed ballot and its tracker. The ciphertext opens only
    with the election's private key, which the server never holds; it is deleted once the
    results are published (the tracker stays, so voters can still find theirs)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    election = models.ForeignKey(
        "election_pages.Election", verbose_name=_("انتخابات"), on_delete=models.PROTECT, related_name="cast_ballots"
    )
    ciphertext = models.BinaryField(_("برگه رای رمز شده"), null=True)
    tracker = models.CharField(_("کد پیگیری برگه"), max_length=64)

    class Meta:
        verbose_name = _("برگه رای رمز شده")
        verbose_name_plural = _("صندوق رای")
        constraints = [models.UniqueConstraint(fields=["election", "tracker"], name="voting_one_tracker_per_ballot")]

    def __str__(self):
        return self.tracker


class AnonymousBallot(models.Model):
    """An unsealed anonymous ballot (V7). Deliberately nothing but: a random id, the
    election, the chosen candidate ids per position. tests/unit/test_voting_core.py fails if
    a field or relation that could lead back to the voter is added."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    election = models.ForeignKey(
        "election_pages.Election", verbose_name=_("انتخابات"), on_delete=models.PROTECT, related_name="anonymous_ballots"
    )
    # {"<position id>": [sorted candidate ids]}; every position of the ballot is present.
    choices = models.JSONField(_("آرای برگه"))

    class Meta:
        verbose_name = _("برگه رای گشوده (بی‌نام)")
        verbose_name_plural = _("برگه‌های رای گشوده (بی‌نام)")

    def __str__(self):
        return str(self.id)
