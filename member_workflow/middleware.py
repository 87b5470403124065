"""SPEC M5: a member logged in with the national code as password goes nowhere but the
password-change page (and logout) until the password is changed."""

from django.shortcuts import redirect
from django.urls import reverse

SESSION_KEY = "must_change_password"
_ALWAYS_ALLOWED_PREFIXES = ("/static/", "/media/", "/captcha/", "/i18n/", "/healthz", "/sms/inbound/")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            getattr(request, "user", None) is not None
            and request.user.is_authenticated
            and request.session.get(SESSION_KEY)
        ):
            allowed = (reverse("accounts:password_change"), reverse("accounts:logout"))
            path = request.path_info
            if not path.startswith(_ALWAYS_ALLOWED_PREFIXES) and path not in allowed:
                return redirect(allowed[0])
        return self.get_response(request)
