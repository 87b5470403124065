"""Members (the user model: username = national code, SPEC M1), associations, memberships."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .contact import validate_mobile
from .national_code import normalize_national_code, validate_national_code


class MemberManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(**{self.model.USERNAME_FIELD: normalize_national_code(username)})

    def _create_user(self, username, email, password, **extra_fields):
        return super()._create_user(normalize_national_code(username), email, password, **extra_fields)


class Member(AbstractUser):
    """A registered person. `username` holds the normalised 10-digit national code."""

    username = models.CharField(
        _("کد ملی"),
        max_length=10,
        unique=True,
        validators=[validate_national_code],
        help_text=_("کد ملی ۱۰ رقمی؛ ارقام فارسی هم پذیرفته می‌شوند."),
        error_messages={"unique": _("عضوی با این کد ملی قبلاً ثبت نام کرده است.")},
    )

    # Stored as 09xxxxxxxxx (member_workflow.contact.normalize_mobile); NULL for staff
    # accounts without one. Unique: the registered mobile identifies the sender of an SMS.
    mobile = models.CharField(
        _("تلفن همراه"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_mobile],
        error_messages={"unique": _("این شماره تلفن همراه برای عضو دیگری ثبت شده است.")},
    )

    objects = MemberManager()

    class Meta:
        verbose_name = _("عضو")
        verbose_name_plural = _("اعضا")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(username__regex=r"^[0-9]{10}$"),
                name="member_username_is_ten_digits",
            ),
        ]

    @property
    def national_code(self) -> str:
        return self.username

    @property
    def is_association_admin(self) -> bool:
        """Staff and association admins: SPEC A4 keeps option 2 away from them."""
        return self.is_staff or self.is_superuser or self.administered_associations.exists()

    def clean(self):
        super().clean()
        self.username = normalize_national_code(self.username)

    def save(self, *args, **kwargs):
        # Normalising the key on every save keeps Persian-digit input from ever reaching
        # the table; validation itself happens in forms and services.
        self.username = normalize_national_code(self.username)
        super().save(*args, **kwargs)


class NotificationChannels(models.TextChoices):
    """How an association's members get election notices (issue 6: announcement,
    reminder, results). Chosen by the association's admins."""

    EMAIL = "email", _("فقط پست الکترونیک")
    SMS = "sms", _("فقط پیامک")
    BOTH = "both", _("پست الکترونیک و پیامک")


class Association(models.Model):
    """A scientific association. Its admins manage its memberships and nothing else."""

    name = models.CharField(_("نام انجمن"), max_length=200, unique=True)
    slug = models.SlugField(_("نامک"), max_length=80, unique=True, allow_unicode=False)
    admins = models.ManyToManyField(
        "Member", verbose_name=_("مسئولان انجمن"), related_name="administered_associations", blank=True
    )
    created_at = models.DateTimeField(_("زمان ایجاد"), auto_now_add=True)
    notification_channels = models.CharField(
        _("روش ارسال اطلاعیه‌های انتخابات"),
        max_length=10,
        choices=NotificationChannels.choices,
        default=NotificationChannels.EMAIL,
        help_text=_("اعلام شروع رای‌گیری، یادآوری پیش از پایان و اعلام نتایج با این روش به اعضا فرستاده می‌شود."),
    )
    # Issue 13: the association's documents and images (its candidates' photos, résumés and
    # programmes) live in its own Wagtail collection, which only its admins (and federation
    # editors) see in the choosers. Made by services.associations.association_collection_ensure.
    collection = models.OneToOneField(
        "wagtailcore.Collection",
        verbose_name=_("مجموعه پرونده‌ها"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="association",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("انجمن")
        verbose_name_plural = _("انجمن‌ها")

    def __str__(self):
        return self.name


class MembershipState(models.TextChoices):
    PENDING = "pending", _("در انتظار تایید")
    APPROVED = "approved", _("تایید شده")
    REJECTED = "rejected", _("رد شده")
    SUSPENDED = "suspended", _("تعلیق شده")
    LEFT = "left", _("خارج شده")
    # Issue 13: an association's admin added a member who already had an account. The
    # person decides; until they accept, the association sees no contact data.
    INVITED = "invited", _("دعوت شده، در انتظار پذیرش عضو")
    DECLINED = "declined", _("دعوت رد شده")


# The member has not agreed to join (issue 13): the association's admins see the national
# code they typed and the state, never names, mobile, email or password data, and cannot
# send a password.
CONTACT_HIDDEN_STATES = (MembershipState.INVITED, MembershipState.DECLINED)


def can_manage_membership(instance: "Membership", user) -> bool:
    """Only the association's own admins (or superusers) may move a membership."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return instance.association.admins.filter(pk=user.pk).exists()


def is_membership_owner(instance: "Membership", user) -> bool:
    """Only the invited member answers an invitation: not their association's admins, not
    superusers."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return instance.member_id == user.pk


class Membership(ConcurrentTransitionMixin, models.Model):
    """A member in an association (SPEC M10, A2). The state machine lives here, and only here.

    pending → approved | rejected; approved → suspended → approved; any → left.
    invited → approved | declined, by the member (issue 13: an admin who adds an existing
    member only invites them).
    Transition bodies only record who and when; services do the audit and side effects.
    Each transition's `custom` dict is the one place its admin data lives: its Persian
    `label`, whether the admins' area offers it as a button (`admin`) and whether the
    member answers with it on their invitations page (`member`); the admin's
    buttons, bulk actions and the service are built from it (`member_workflow.selectors`,
    `member_workflow.services.memberships.membership_transition`).
    """

    member = models.ForeignKey("Member", verbose_name=_("عضو"), on_delete=models.CASCADE, related_name="memberships")
    association = models.ForeignKey(
        Association, verbose_name=_("انجمن"), on_delete=models.PROTECT, related_name="memberships"
    )
    state = FSMField(
        _("وضعیت"), max_length=20, choices=MembershipState.choices, default=MembershipState.PENDING, protected=True
    )
    created_at = models.DateTimeField(_("زمان درخواست"), auto_now_add=True)
    state_changed_at = models.DateTimeField(_("زمان آخرین تغییر وضعیت"), null=True, blank=True)
    state_changed_by = models.ForeignKey(
        "Member",
        verbose_name=_("تغییر وضعیت توسط"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("عضویت")
        verbose_name_plural = _("عضویت‌ها")
        constraints = [
            models.UniqueConstraint(fields=["member", "association"], name="membership_unique_per_association")
        ]
        indexes = [models.Index(fields=["association", "state"])]

    def __str__(self):
        return f"{self.member} @ {self.association}"

    def _record(self, by) -> None:
        self.state_changed_by = by
        self.state_changed_at = timezone.now()

    @transition(
        field=state,
        source=MembershipState.PENDING,
        target=MembershipState.APPROVED,
        permission=can_manage_membership,
        custom={"label": _("تایید"), "admin": True},
    )
    def approve(self, *, by) -> None:
        self._record(by)

    @transition(
        field=state,
        source=MembershipState.PENDING,
        target=MembershipState.REJECTED,
        permission=can_manage_membership,
        custom={"label": _("رد"), "admin": True},
    )
    def reject(self, *, by) -> None:
        self._record(by)

    @transition(
        field=state,
        source=MembershipState.APPROVED,
        target=MembershipState.SUSPENDED,
        permission=can_manage_membership,
        custom={"label": _("تعلیق"), "admin": True},
    )
    def suspend(self, *, by) -> None:
        self._record(by)

    @transition(
        field=state,
        source=MembershipState.SUSPENDED,
        target=MembershipState.APPROVED,
        permission=can_manage_membership,
        custom={"label": _("رفع تعلیق"), "admin": True},
    )
    def reinstate(self, *, by) -> None:
        self._record(by)

    @transition(
        field=state,
        source=[MembershipState.PENDING, MembershipState.APPROVED, MembershipState.REJECTED, MembershipState.SUSPENDED],
        target=MembershipState.LEFT,
        permission=can_manage_membership,
        # A member leaves; the admins' area offers no button for it.
        custom={"label": _("خروج از انجمن"), "admin": False},
    )
    def leave(self, *, by) -> None:
        self._record(by)

    @transition(
        field=state,
        source=MembershipState.INVITED,
        target=MembershipState.APPROVED,
        permission=is_membership_owner,
        # The admin's invitation is the association's approval; the member's consent completes it.
        custom={"label": _("پذیرفتن دعوت"), "admin": False, "member": True},
    )
    def accept(self, *, by) -> None:
        self._record(by)

    @transition(
        field=state,
        source=MembershipState.INVITED,
        target=MembershipState.DECLINED,
        permission=is_membership_owner,
        custom={"label": _("رد دعوت"), "admin": False, "member": True},
    )
    def decline(self, *, by) -> None:
        self._record(by)


class PasswordState(models.TextChoices):
    SELF_SET = "self_set", _("کلمه عبور را خود عضو تعیین کرده است")
    RANDOM_UNREVEALED = "random_unrevealed", _("کلمه عبور تصادفی و اعلام نشده (ثبت توسط انجمن)")
    RANDOM_SENT = "random_sent", _("کلمه عبور تصادفی جدید ارسال شده است")
    SMS_RESET_PENDING = "sms_reset_pending", _("در انتظار پیامک کد بازنشانی")
    RESET_TO_NATIONAL_CODE = "reset_to_national_code", _("کلمه عبور برابر کد ملی است و باید تغییر کند")


def credential_owner_is_not_admin(instance: "MemberCredential") -> bool:
    """SPEC A4: option 2 is never offered to association admins or staff."""
    return not instance.member.is_association_admin


class MemberCredential(ConcurrentTransitionMixin, models.Model):
    """The password lifecycle of one member (SPEC M3, M4, M5). The state machine lives here.

    Any state → self_set (the member chose one), random_unrevealed (registered by the
    association), random_sent (M4 option 1). Any state → sms_reset_pending (M4 option 2,
    not for admins) → reset_to_national_code (the member's SMS arrived) → self_set.
    The option-2 code is stored only as a keyed hash, with its expiry.
    """

    member = models.OneToOneField(
        "Member", verbose_name=_("عضو"), on_delete=models.CASCADE, related_name="credential", primary_key=True
    )
    state = FSMField(
        _("وضعیت کلمه عبور"),
        max_length=30,
        choices=PasswordState.choices,
        default=PasswordState.SELF_SET,
        protected=True,
    )
    state_changed_at = models.DateTimeField(_("زمان آخرین تغییر"), default=timezone.now)
    reset_code_digest = models.CharField(max_length=64, blank=True, editable=False)
    reset_code_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Wrong option-2 codes SMSed for the pending reset; at INBOUND_CODE_MAX_WRONG it is void.
    reset_code_failures = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("وضعیت کلمه عبور")
        verbose_name_plural = _("وضعیت‌های کلمه عبور")
        indexes = [models.Index(fields=["state"])]

    def __str__(self):
        return f"{self.member}: {self.get_state_display()}"

    def _touch(self) -> None:
        self.state_changed_at = timezone.now()
        self.reset_code_digest = ""
        self.reset_code_expires_at = None
        self.reset_code_failures = 0

    @transition(field=state, source="*", target=PasswordState.SELF_SET, custom={"label": _("تعیین توسط عضو")})
    def set_by_member(self) -> None:
        self._touch()

    @transition(
        field=state, source="*", target=PasswordState.RANDOM_UNREVEALED, custom={"label": _("کلمه عبور تصادفی")}
    )
    def issue_unrevealed(self) -> None:
        self._touch()

    @transition(field=state, source="*", target=PasswordState.RANDOM_SENT, custom={"label": _("ارسال کلمه عبور جدید")})
    def send_random(self) -> None:
        self._touch()

    @transition(
        field=state,
        source="*",
        target=PasswordState.SMS_RESET_PENDING,
        conditions=[credential_owner_is_not_admin],
        custom={"label": _("درخواست بازنشانی با پیامک")},
    )
    def request_sms_reset(self, *, code_digest: str, expires_at) -> None:
        self._touch()
        self.reset_code_digest = code_digest
        self.reset_code_expires_at = expires_at

    @transition(
        field=state,
        source=PasswordState.SMS_RESET_PENDING,
        target=PasswordState.RESET_TO_NATIONAL_CODE,
        conditions=[credential_owner_is_not_admin],
        custom={"label": _("بازنشانی به کد ملی")},
    )
    def confirm_sms_reset(self) -> None:
        self._touch()


class LoginThrottle(models.Model):
    """What the login guard (`services.logins`, issue 13) remembers about password tries.

    One table, three kinds of row, told apart by which key is empty:
    - (address, national code): one place trying one account. Its failures slow only that
      place down; a success there makes it a trusted place of the account's owner.
    - (address, ""): everyone behind one address (a hospital's NAT). Successes from it
      offset its failures.
    - ("", national code): the account. Holds the second factor of an account under attack
      from many addresses (the code's keyed hash, never the code) and the tries held for it.
    Failures older than `LOGIN_WINDOW_SECONDS` are forgotten.
    """

    address = models.CharField(_("نشانی"), max_length=45, blank=True)
    national_code = models.CharField(_("کد ملی"), max_length=40, blank=True)
    failures = models.PositiveIntegerField(_("تلاش ناموفق"), default=0)
    successes = models.PositiveIntegerField(_("ورود موفق"), default=0)
    last_failure_at = models.DateTimeField(_("آخرین تلاش ناموفق"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("آخرین ورود موفق"), null=True, blank=True)
    # Account rows only: tries held for the second factor, and the code sent for it.
    held_tries = models.PositiveIntegerField(_("تلاش نیازمند کد تایید"), default=0)
    last_held_at = models.DateTimeField(_("آخرین تلاش نیازمند کد تایید"), null=True, blank=True)
    code_digest = models.CharField(max_length=64, blank=True, editable=False)
    code_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("شمارنده ورود")
        verbose_name_plural = _("شمارنده‌های ورود")
        constraints = [
            models.UniqueConstraint(fields=["address", "national_code"], name="login_throttle_one_row_per_key"),
        ]
        indexes = [models.Index(fields=["national_code", "last_failure_at"])]

    def __str__(self):
        return f"{self.address or '*'} / {self.national_code or '*'}"
