"""Security headers on every response (issue 13): a Content-Security-Policy chosen by path,
a Permissions-Policy, and the Secure and SameSite flags on every cookie.

The public site gets the strict policy of `CONTENT_SECURITY_POLICY` (django-csp): scripts
and styles from this origin only, no inline script, no inline style. Wagtail's admin still
writes inline scripts (date pickers, inline panels, choosers' modals) and inline styles,
so paths under `CSP_ADMIN_PATH_PREFIXES` get the relaxed `CONTENT_SECURITY_POLICY_ADMIN`
instead. A view may still set its own policy with django-csp's decorators, and a response
that already carries a policy (Wagtail's document downloads: `default-src 'none'`) keeps it.
"""

from dataclasses import replace

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


class PathScopedCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's policy for the admin's paths."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only or parts.config is not None:
            return parts  # a per-view policy (decorator) wins
        if request.path_info.startswith(tuple(settings.CSP_ADMIN_PATH_PREFIXES)):
            return replace(parts, config=settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        return parts


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": [], "fullscreen": ["self"]}` → `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in policy.items())


class PermissionsPolicyMiddleware:
    """Adds `Permissions-Policy` (settings.PERMISSIONS_POLICY) to every response that has none:
    the portal uses no camera, microphone, location, payment or sensor, so no page (nor any
    script that got in) may ask for them."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.header and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.header
        return response


class CookieFlagsMiddleware:
    """Every cookie a response sets gets SameSite (settings.SESSION_COOKIE_SAMESITE, when the
    code that set it gave none) and, where the session cookie is Secure (production),
    Secure. Django's own cookies already follow their settings; this catches the rest, such
    as the expired copy of the session cookie that logout sends, which Django never marks
    Secure."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for morsel in response.cookies.values():
            if not morsel["samesite"]:
                morsel["samesite"] = settings.SESSION_COOKIE_SAMESITE or "Lax"
            if settings.SESSION_COOKIE_SECURE:
                morsel["secure"] = True
        return response
