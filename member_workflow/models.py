"""The member is the user: the username is the national code (SPEC M1)."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

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
