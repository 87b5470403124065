"""Operational endpoints."""

from django.conf import settings
from django.http import JsonResponse
from django.utils import translation
from django.views import i18n as i18n_views
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health_report
from .middleware import bad_input_response


@never_cache
@require_GET
def healthz(request):
    report = health_report()
    healthy = all(state == "ok" for state in report.values())
    return JsonResponse({"status": "ok" if healthy else "down", **report}, status=200 if healthy else 503)


def set_language(request):
    """Django's set_language, resolving `next` in the language its own path is in.

    With Persian unprefixed at the root, Django would resolve "/en/..." as a Persian
    path and send the visitor back to English; resolving in the path's language fixes it.
    """
    next_url = request.POST.get("next", request.GET.get("next", "")) or "/"
    source_language = translation.get_language_from_path(next_url) or settings.LANGUAGE_CODE
    with translation.override(source_language):
        return i18n_views.set_language(request)


def bad_request(request, exception=None):
    """handler400. Django's own re-runs the CSRF check (`requires_csrf_token`), which reads
    the body again; when the body was the problem (a non-UTF-8 charset, too many fields)
    that second read raised inside the error page and the 400 became a 500."""
    return bad_input_response(request)
