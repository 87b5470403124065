"""Members (the user model: username = national code, SPEC M1), associations, memberships."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

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

    def clean(self):
        super().clean()
        self.username = normalize_national_code(self.username)

    def save(self, *args, **kwargs):
        # Normalising the key on every save keeps Persian-digit input from ever reaching
        # the table; validation itself happens in forms and services.
        self.username = normalize_national_code(self.username)
        super().save(*args, **kwargs)


class Association(models.Model):
    """A scientific association. Its admins manage its memberships and nothing else."""

    name = models.CharField(_("نام انجمن"), max_length=200, unique=True)
    slug = models.SlugField(_("نامک"), max_length=80, unique=True, allow_unicode=False)
    admins = models.ManyToManyField(
        "Member", verbose_name=_("مسئولان انجمن"), related_name="administered_associations", blank=True
    )
    created_at = models.DateTimeField(_("زمان ایجاد"), auto_now_add=True)

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


def can_manage_membership(instance: "Membership", user) -> bool:
    """Only the association's own admins (or superusers) may move a membership."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return instance.association.admins.filter(pk=user.pk).exists()


class Membership(ConcurrentTransitionMixin, models.Model):
    """A member in an association (SPEC M10, A2). The state machine lives here, and only here.

    pending → approved | rejected; approved → suspended → approved; any → left.
    Transition bodies only record who and when; services do the audit and side effects.
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
        custom={"label": _("تایید")},
    )
    def approve(self, *, by) -> None:
        self._record(by)

    @transition(
        field=state,
        source=MembershipState.PENDING,
        target=MembershipState.REJECTED,
        permission=can_manage_membership,
        custom={"label": _("رد")},
    )
    def reject(self, *, by) -> None:
        self._record(by)

    @transition(
        field=state,
        source=MembershipState.APPROVED,
        target=MembershipState.SUSPENDED,
        permission=can_manage_membership,
        custom={"label": _("تعلیق")},
    )
    def suspend(self, *, by) -> None:
        self._record(by)

    @transition(
        field=state,
        source=MembershipState.SUSPENDED,
        target=MembershipState.APPROVED,
        permission=can_manage_membership,
        custom={"label": _("رفع تعلیق")},
    )
    def reinstate(self, *, by) -> None:
        self._record(by)

    @transition(
        field=state,
        source=[MembershipState.PENDING, MembershipState.APPROVED, MembershipState.REJECTED, MembershipState.SUSPENDED],
        target=MembershipState.LEFT,
        permission=can_manage_membership,
        custom={"label": _("خروج از انجمن")},
    )
    def leave(self, *, by) -> None:
        self._record(by)
