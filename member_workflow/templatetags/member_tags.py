"""Template helpers for the member partials."""

from django import template

from member_workflow.forms import NationalCodeCheckForm

register = template.Library()


@register.simple_tag
def national_code_check_form():
    """A fresh P4 form (with its captcha) for pages that include the check box."""
    return NationalCodeCheckForm()
