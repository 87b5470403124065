"""What every password form (the portal login, the voting door, `/admin/login/`) does with
the login guard (`services.logins`): the client's address, this browser's second-factor
state (kept in its session), and the page shown when the guard refuses a try."""

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from .errors import LoginSecondFactorRequired, LoginThrottled
from .models import Member
from .services import logins
from .throttling import client_ip

SESSION_KEY = "login_second_factor"  # {"national_code", "verified_until", "retry_at"}


def _state(request) -> dict:
    value = request.session.get(SESSION_KEY)
    return value if isinstance(value, dict) else {}


def _moment(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def second_factor_pending(request) -> tuple[str, datetime | None]:
    """The national code this browser must enter a code for ("" if none), and when a new
    try (and code) may be asked for, if it must wait."""
    state = _state(request)
    return state.get("national_code", ""), _moment(state.get("retry_at"))


def second_factor_is_verified(request, national_code: str) -> bool:
    state = _state(request)
    until = _moment(state.get("verified_until"))
    return (
        state.get("national_code") == logins.login_key(national_code) and until is not None and until > timezone.now()
    )


def second_factor_mark_verified(request) -> None:
    state = _state(request)
    until = timezone.now() + timedelta(seconds=settings.LOGIN_SECOND_FACTOR_SECONDS)
    request.session[SESSION_KEY] = {**state, "verified_until": until.isoformat(), "retry_at": None}


def login_guarded(request, *, national_code: str, password: str) -> Member | None:
    """`logins.login_authenticate` for this request: its client address and this browser's
    second factor. Returns the member or None (wrong national code or password); raises
    LoginDelayed or LoginSecondFactorRequired (after noting the account in the session,
    for the code page)."""
    code = logins.login_key(national_code)
    try:
        member = logins.login_authenticate(
            address=client_ip(request),
            national_code=code,
            password=password,
            is_second_factor_verified=second_factor_is_verified(request, code),
        )
    except LoginSecondFactorRequired as exc:
        retry_at = exc.retry_at.isoformat() if exc.retry_at else None
        request.session[SESSION_KEY] = {"national_code": code, "verified_until": None, "retry_at": retry_at}
        raise
    if member is not None:
        request.session.pop(SESSION_KEY, None)
    return member


def login_refused(request, exc: LoginThrottled, *, next_url: str):
    """The page for a try the guard refused: the code page for a held try, else the Persian
    «try again after …» page (429)."""
    if isinstance(exc, LoginSecondFactorRequired):
        return redirect(f"{reverse('accounts:login_verify')}?{urlencode({'next': next_url})}")
    return render(request, "member_workflow/rate_limited.html", {"retry_at": exc.retry_at}, status=429)


def login_next(request, default: str) -> str:
    """Where the code page goes back to: a path on this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
