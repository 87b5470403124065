"""WSGI entry point (gunicorn cms_site.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from cms_site.common.charset import CharsetGuard

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms_site.settings.dev")

# Before Django builds the request: a body charset that is not UTF-8 is refused (a 400),
# never decoded (cms_site.common.charset).
application = CharsetGuard(get_wsgi_application())
