"""Operational endpoints."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health_report


@never_cache
@require_GET
def healthz(request):
    report = health_report()
    healthy = all(state == "ok" for state in report.values())
    return JsonResponse({"status": "ok" if healthy else "down", **report}, status=200 if healthy else 503)
