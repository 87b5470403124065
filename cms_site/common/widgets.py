"""Widgets shared by public forms."""

from captcha.fields import CaptchaTextInput


class PersianCaptchaTextInput(CaptchaTextInput):
    """The image captcha, rendered by our template (image, refresh link, numeric input)."""

    template_name = "includes/captcha_field.html"
