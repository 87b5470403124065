"""The members area in the Wagtail admin, shown to association admins and superusers."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views, selectors

admin_urls = (
    [
        path("", admin_views.members_index, name="index"),
        path("export/", admin_views.members_export, name="export"),
        path("bulk/", admin_views.memberships_bulk, name="bulk"),
        path("add/", admin_views.member_add, name="add"),
        path("import/", admin_views.members_import_view, name="import"),
        path("associations/", admin_views.association_settings_index, name="association_settings_index"),
        path(
            "associations/<int:association_id>/settings/",
            admin_views.association_settings,
            name="association_settings",
        ),
        path("<int:membership_id>/", admin_views.membership_detail, name="detail"),
        path(
            "<int:membership_id>/send-password/",
            admin_views.membership_send_password,
            name="send_password",
        ),
        path("<int:membership_id>/<str:action>/", admin_views.membership_transition, name="transition"),
    ],
    "member_admin",
)


@hooks.register("register_admin_urls")
def register_member_admin_urls():
    return [path("members/", include(admin_urls))]


class MembersMenuItem(MenuItem):
    def is_shown(self, request):
        return selectors.associations_administered_by(user=request.user).exists()


@hooks.register("register_admin_menu_item")
def register_members_menu_item():
    return MembersMenuItem(_("اعضای انجمن"), reverse("member_admin:index"), icon_name="group", order=150)
