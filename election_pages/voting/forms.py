"""Forms of the voting journey: thin parsing; the services check everything again."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cms_site.common.captcha import CaptchaFormMixin
from member_workflow.forms import NationalCodeField, PasswordField

from .models import ConfirmChannel


class VotingLoginForm(CaptchaFormMixin):
    """V2 «ورود به سامانه انتخابات»: national code, password, captcha."""

    username = NationalCodeField(label=_("نام کاربری (کد ملی)"))
    password = PasswordField(label=_("کلمه عبور"))


class ChannelForm(forms.Form):
    """V3 «انتخاب نوع دریافت کد تایید رای»."""

    channel = forms.ChoiceField(
        label=_("روش دریافت کد تایید"),
        choices=ConfirmChannel.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("یکی از روش‌های دریافت کد تایید را انتخاب کنید."),
            "invalid_choice": _("روش انتخاب شده معتبر نیست."),
        },
    )


class ConfirmForm(forms.Form):
    """V6: the code and «ثبت رای»."""

    code = forms.CharField(
        label=_("کد تایید را وارد کنید"),
        max_length=20,
        error_messages={"required": _("کد تایید را وارد کنید.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "dir": "ltr"}),
    )


def ballot_post_selections(data) -> dict:
    """The ballot form's checkboxes, named `position_<id>` with candidate ids as values.
    Anything odd (an unknown position, a non-number) is passed on for the service to refuse."""
    return {key.removeprefix("position_"): data.getlist(key) for key in data if key.startswith("position_")}
