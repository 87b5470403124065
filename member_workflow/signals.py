"""SPEC M5 at every login, including Wagtail's own /admin/login/: a member whose password is
the national code must change it first, and cannot log in at all while an election of one
of their associations is open. The portal's own login forms check this themselves (they
know the typed password, so no second hash) and mark the request `m5_checked`."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

M5_CHECKED = "m5_checked"


def m5_checked_mark(request) -> None:
    setattr(request, M5_CHECKED, True)


@receiver(user_logged_in)
def m5_on_other_logins(sender, request, user, **kwargs):
    if request is None or getattr(request, M5_CHECKED, False):
        return
    from .errors import LoginRefusedDuringElection
    from .middleware import SESSION_KEY
    from .services import passwords

    try:
        must_change = passwords.login_check(member=user)
    except LoginRefusedDuringElection as exc:
        logout(request)
        messages.error(request, str(exc.message))
        return
    if must_change:
        request.session[SESSION_KEY] = True
