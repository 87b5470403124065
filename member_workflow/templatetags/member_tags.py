"""Template helpers for the member partials."""

from django import template

register = template.Library()


@register.simple_tag
def national_code_check_form():
    """A fresh P4 form (with its captcha) for pages that include the check box."""
    from member_workflow.forms import NationalCodeCheckForm

    return NationalCodeCheckForm()
