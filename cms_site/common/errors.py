"""The base of the portal's domain errors: each carries the Persian message shown at the edge."""

from django.utils.translation import gettext_lazy as _


class PortalError(Exception):
    """Subclasses set `message`; an instance may override it. `str(error)` is the message."""

    message = _("درخواست انجام نشد.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))

    def __str__(self):
        return str(self.message)


class ServiceUnavailable(PortalError):
    """A dependency a security rule needs (the rate-limit store) cannot be reached: the
    request is refused, not let through (fail closed), and shown as a 503 page by
    `cms_site.common.middleware.ServiceUnavailableMiddleware`."""

    message = _("سامانه موقتا در دسترس نیست؛ چند دقیقه بعد دوباره تلاش کنید.")
