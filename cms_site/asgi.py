"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

from cms_site.common.charset import AsgiCharsetGuard

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms_site.settings.dev")

# Before Django builds the request: a body charset that is not UTF-8 is refused (a 400),
# never decoded (cms_site.common.charset).
application = AsgiCharsetGuard(get_asgi_application())
