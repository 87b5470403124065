"""The audit trail in the Wagtail admin (SPEC R3): read-only, filterable, chain verified on display."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet

from .models import AuditEntry
from .selectors import audit_chain_verify


class AuditEntryFilterSet(WagtailFilterSet):
    action = django_filters.CharFilter(label=_("رخداد"), lookup_expr="startswith")
    actor = django_filters.CharFilter(label=_("کد ملی انجام‌دهنده"), field_name="actor__username")
    election = django_filters.NumberFilter(label=_("شناسه انتخابات"), method="filter_election")
    target_type = django_filters.CharFilter(label=_("نوع هدف"))
    target_id = django_filters.CharFilter(label=_("شناسه هدف"))

    class Meta:
        model = AuditEntry
        fields = ["action", "actor", "election", "target_type", "target_id"]

    def filter_election(self, queryset, name, value):
        # Entries about the election itself, and entries about anything else that name it.
        return queryset.filter(
            Q(target_type="election_pages.election", target_id=str(int(value))) | Q(payload__election_id=int(value))
        )


class AuditEntryIndexView(IndexView):
    template_name = "audit/audit_entry_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["chain_report"] = audit_chain_verify()
        return context


class AuditEntryViewSet(ModelViewSet):
    """Listing and inspect only: entries are append-only, so there is nothing to add or edit."""

    model = AuditEntry
    icon = "list-ul"
    menu_label = _("گزارش رخدادها")
    add_to_admin_menu = True
    menu_order = 900
    index_view_class = AuditEntryIndexView
    inspect_view_class = InspectView
    inspect_view_enabled = True
    filterset_class = AuditEntryFilterSet
    # Never used (no add or edit views), but ModelViewSet insists on a form definition.
    form_fields = ["action"]
    list_display = ["seq", "created_at", "actor", "action", "target_type", "target_id"]
    list_per_page = 50
    ordering = ["-seq"]
    inspect_view_fields = [
        "seq",
        "created_at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "payload",
        "prev_hash",
        "entry_hash",
    ]

    def get_urlpatterns(self):
        allowed = {"index", "index_results", "inspect"}
        return [pattern for pattern in super().get_urlpatterns() if pattern.name in allowed]

    def get_index_view_kwargs(self, **kwargs):
        view_kwargs = super().get_index_view_kwargs(**kwargs)
        view_kwargs.update(add_url_name=None, edit_url_name=self.get_url_name("inspect"))
        return view_kwargs

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in (
            "add_url_name",
            "edit_url_name",
            "delete_url_name",
            "history_url_name",
            "usage_url_name",
            "copy_url_name",
        ):
            if name in view_kwargs:
                view_kwargs[name] = None
        view_kwargs["inspect_url_name"] = self.get_url_name("inspect")
        return view_kwargs


audit_entry_viewset = AuditEntryViewSet("audit")
