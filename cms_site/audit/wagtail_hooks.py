"""Registers the audit trail with the Wagtail admin."""

from wagtail import hooks

from .views import audit_entry_viewset


@hooks.register("register_admin_viewset")
def register_audit_viewset():
    return audit_entry_viewset
