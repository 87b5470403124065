"""Header menus: read from the current site's home page, in the active language."""

from django import template

from election_pages.pages.selectors import portal_home_for_request

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_home(context):
    """The HomePage (in the active locale) whose menus the header shows, or None."""
    request = context.get("request")
    if request is None:
        return None
    cached = getattr(request, "_portal_home", None)
    if cached is None:
        cached = portal_home_for_request(request)
        request._portal_home = cached
    return cached
