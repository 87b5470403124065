"""Public member forms: thin parsing and validation; the services do the writing."""

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from cms_site.common.captcha import CaptchaFormMixin, captcha_field
from cms_site.common.digits import normalize_digits

from .contact import normalize_email, normalize_mobile
from .errors import LoginThrottled
from .login_pages import login_guarded
from .models import Association
from .national_code import normalize_national_code, validate_national_code

NAME_MAX_LENGTH = 100


class BoundedIdsMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses an id longer than any database id as invalid before it reaches a query:
    SQLite raises OverflowError on `pk__in` with a number past 64 bits (a 500)."""

    max_id_length = 18

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else ():
            if len(str(pk)) > self.max_id_length:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class NationalCodeField(forms.CharField):
    """Accepts Persian/Arabic-Indic digits, spaces and dashes; cleans to 10 ASCII digits."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("کد ملی"))
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "error_messages", {"required": _("کد ملی را وارد کنید."), "max_length": _("کد ملی باید ۱۰ رقم باشد.")}
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "username", "dir": "ltr"})

    def clean(self, value):
        value = super().clean(value)
        code = normalize_national_code(value)
        validate_national_code(code)
        return code


class MobileField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("تلفن همراه"))
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("شماره تلفن همراه را وارد کنید."),
                "max_length": _("شماره تلفن همراه معتبر نیست؛ مانند ۰۹۱۲۳۴۵۶۷۸۹ وارد کنید."),
            },
        )
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "dir": "ltr", "autocomplete": "tel"})
        )
        super().__init__(**kwargs)

    def clean(self, value):
        return normalize_mobile(super().clean(value))


class EmailField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("پست الکترونیک"))
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("پست الکترونیک را وارد کنید."),
                "max_length": _("پست الکترونیک معتبر نیست؛ مانند name@example.com وارد کنید."),
            },
        )
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "email", "dir": "ltr", "autocomplete": "email"}))
        super().__init__(**kwargs)

    def clean(self, value):
        return normalize_email(super().clean(value))


class PasswordField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 128)
        kwargs.setdefault("strip", False)
        kwargs.setdefault(
            "error_messages",
            {"required": _("کلمه عبور را وارد کنید."), "max_length": _("کلمه عبور بیش از حد طولانی است.")},
        )
        kwargs.setdefault("widget", forms.PasswordInput(attrs={"dir": "ltr", "autocomplete": "current-password"}))
        super().__init__(**kwargs)


def _name_field(label):
    return forms.CharField(
        label=label,
        max_length=NAME_MAX_LENGTH,
        error_messages={"required": _("این بخش را پر کنید."), "max_length": _("حداکثر ۱۰۰ نویسه.")},
    )


class NationalCodeCheckForm(CaptchaFormMixin):
    """P4 «بررسی کد ملی»."""

    national_code = NationalCodeField()


class MembershipStatusForm(CaptchaFormMixin):
    """M8 «مشاهده وضعیت عضویت»."""

    national_code = NationalCodeField()


class RegistrationForm(CaptchaFormMixin):
    """M2 «ثبت نام عضو جدید در سامانه»."""

    national_code = NationalCodeField()
    first_name = _name_field(_("نام"))
    last_name = _name_field(_("نام خانوادگی"))
    mobile = MobileField()
    email = EmailField()
    password1 = PasswordField(
        label=_("کلمه عبور"), widget=forms.PasswordInput(attrs={"dir": "ltr", "autocomplete": "new-password"})
    )
    password2 = PasswordField(
        label=_("تکرار کلمه عبور"), widget=forms.PasswordInput(attrs={"dir": "ltr", "autocomplete": "new-password"})
    )
    associations = BoundedIdsMultipleChoiceField(
        label=_("انجمن(های) مورد نظر برای عضویت"),
        queryset=Association.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("دست کم یک انجمن را انتخاب کنید."),
            "invalid_choice": _("انجمن انتخاب شده معتبر نیست."),
            "invalid_pk_value": _("انجمن انتخاب شده معتبر نیست."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_validators_help_text_html()

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("دو کلمه عبور با هم یکسان نیستند."))
        elif p1:
            try:
                validate_password(p1)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class LoginForm(CaptchaFormMixin):
    username = NationalCodeField()
    password = PasswordField(label=_("کلمه عبور"))


class LoginSecondFactorForm(forms.Form):
    """The code sent to the member's mobile and email when the account is under attack."""

    code = forms.CharField(
        label=_("کد تایید"),
        max_length=20,
        error_messages={"required": _("کد تایید را وارد کنید."), "max_length": _("کد تایید درست نیست.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "dir": "ltr"}),
    )

    def clean_code(self):
        return normalize_digits(self.cleaned_data["code"]).strip()


class AdminLoginForm(WagtailLoginForm):
    """Wagtail's /admin/login/ form with the captcha and the login guard of every other
    password form. `refusal` holds the guard's refusal, which the view turns into its page."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["captcha"] = captcha_field()
        self.refusal = None

    def clean(self):
        if self.errors:
            return self.cleaned_data  # no password check without a solved captcha
        try:
            self.user_cache = login_guarded(
                self.request, national_code=self.cleaned_data["username"], password=self.cleaned_data["password"]
            )
        except LoginThrottled as exc:
            self.refusal = exc
            raise ValidationError(str(exc), code="login_throttled") from exc
        if self.user_cache is None:
            raise self.get_invalid_login_error()
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


FORGOT_OPTION_RANDOM = "random"
FORGOT_OPTION_SMS = "sms"


class ForgotPasswordForm(CaptchaFormMixin):
    """M4: national code + captcha, and one of the two options."""

    national_code = NationalCodeField()
    option = forms.ChoiceField(
        label=_("روش بازیابی"),
        choices=[
            (FORGOT_OPTION_RANDOM, _("دریافت کلمه عبور از طریق پیامک و پست الکترونیک")),
            (FORGOT_OPTION_SMS, _("ارسال کد تایید برای ریست شدن کلمه عبور")),
        ],
        initial=FORGOT_OPTION_RANDOM,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("یکی از دو روش را انتخاب کنید."),
            "invalid_choice": _("روش انتخاب شده معتبر نیست."),
        },
    )


class ContactForm(forms.Form):
    """M7: edit email and mobile."""

    email = EmailField()
    mobile = MobileField()


class PasswordChangeForm(forms.Form):
    """M5/M6: current password, then the new one twice."""

    old_password = PasswordField(label=_("کلمه عبور فعلی"))
    new_password1 = PasswordField(
        label=_("کلمه عبور جدید"), widget=forms.PasswordInput(attrs={"dir": "ltr", "autocomplete": "new-password"})
    )
    new_password2 = PasswordField(
        label=_("تکرار کلمه عبور جدید"),
        widget=forms.PasswordInput(attrs={"dir": "ltr", "autocomplete": "new-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = password_validators_help_text_html()

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise ValidationError(_("کلمه عبور فعلی درست نیست."), code="password_incorrect")
        return value

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("new_password1"), cleaned.get("new_password2")
        if p1 and p2 and p1 != p2:
            self.add_error("new_password2", _("دو کلمه عبور با هم یکسان نیستند."))
        elif p1:
            if p1 == self.user.national_code:
                self.add_error("new_password1", _("کلمه عبور نباید با کد ملی یکسان باشد."))
            else:
                try:
                    validate_password(p1, user=self.user)
                except ValidationError as exc:
                    self.add_error("new_password1", exc)
        return cleaned
