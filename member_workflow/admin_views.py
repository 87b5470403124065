"""The association admins' members area in the Wagtail admin (SPEC A2, A4, M3).

Every view starts from `memberships_visible_to(user)` / `associations_administered_by(user)`,
so an admin of association A cannot list, open, export or move B's members by any URL or
ID: anything outside their scope is a 404 (or refused by the service). A member who has
only been invited (issue 13) shows as their national code and state: no names, mobile,
email or password data, in the listing, the search, the export or the detail page.
"""

import csv

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cms_site.common.digits import normalize_digits
from cms_site.common.redirects import safe_next_url

from . import selectors
from .errors import MemberWorkflowError
from .forms import EmailField, MobileField, NationalCodeField
from .models import MembershipState, NotificationChannels
from .services import associations as association_services
from .services import memberships as membership_services
from .services import passwords, registration
from .services.importing import ImportFileError, members_import, rows_from_file

PAGE_SIZE = 50
MAX_IMPORT_BYTES = 30 * 1024 * 1024


def _scope(request):
    associations = selectors.associations_administered_by(user=request.user)
    if not associations.exists():
        raise DjangoPermissionDenied
    return associations


def _filtered(request):
    associations = _scope(request)
    queryset = selectors.memberships_visible_to(user=request.user).order_by("-created_at", "-pk")
    query = (request.GET.get("q") or "").strip()[:100]
    if query:
        query = normalize_digits(query)
        # Contact fields only match members whose contact data the admin may see: a search
        # must not confirm an invited member's mobile or email either.
        queryset = queryset.filter(
            Q(member__username__startswith=query)
            | Q(is_contact_visible=True)
            & (
                Q(member__mobile__contains=query)
                | Q(member__email__icontains=query)
                | Q(member__first_name__icontains=query)
                | Q(member__last_name__icontains=query)
            )
        )
    association = request.GET.get("association") or ""
    if association:
        queryset = queryset.filter(association__slug=association)
    state = request.GET.get("state") or ""
    if state in MembershipState.values:
        queryset = queryset.filter(state=state)
    return associations, queryset, {"q": query, "association": association, "state": state}


def members_index(request):
    associations, queryset, filters = _filtered(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("p"))
    rows = [{"membership": m, "actions": selectors.membership_admin_actions(membership=m)} for m in page.object_list]
    return render(
        request,
        "member_workflow/admin/index.html",
        {
            "page_title": _("اعضای انجمن"),
            "header_icon": "group",
            "rows": rows,
            "page": page,
            "filters": filters,
            "associations": associations,
            "states": MembershipState.choices,
            "bulk_actions": selectors.membership_bulk_actions(),
            "query_string": request.GET.urlencode(),
        },
    )


def members_export(request):
    """CSV of the filtered listing (own associations only); no password data, and only the
    national code of a member who has not accepted an invitation."""
    _associations, queryset, _filters = _filtered(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="members.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["national_code", "first_name", "last_name", "mobile", "email", "association", "state"])
    for m in queryset.iterator(chunk_size=2000):
        if m.is_contact_visible:
            names_and_contact = [m.member.first_name, m.member.last_name, m.member.mobile or "", m.member.email]
        else:
            names_and_contact = ["", "", "", ""]
        writer.writerow([m.member.username, *names_and_contact, m.association.slug, m.state])
    return response


@require_POST
def membership_transition(request, membership_id: int, action: str):
    _scope(request)
    if not _is_admin_action(action):
        raise Http404
    if not selectors.memberships_visible_to(user=request.user).filter(pk=membership_id).exists():
        raise Http404
    try:
        membership_services.membership_transition(membership_id=membership_id, transition=action, actor=request.user)
    except MemberWorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("وضعیت عضویت تغییر کرد."))
    return redirect(_back(request))


@require_POST
def memberships_bulk(request):
    _scope(request)
    action = request.POST.get("action", "")
    if not _is_admin_action(action):
        messages.error(request, _("یک عمل گروهی را انتخاب کنید."))
        return redirect(_back(request))
    # isdecimal, not isdigit ("²" is a digit int() refuses); 18 digits fit any database's id.
    ids = [int(value) for value in request.POST.getlist("ids") if value.isdecimal() and len(value) <= 18][:1000]
    # Only ids inside the admin's scope reach the service; others count as refused.
    visible = set(selectors.memberships_visible_to(user=request.user).filter(pk__in=ids).values_list("pk", flat=True))
    result = membership_services.memberships_bulk_transition(
        membership_ids=[i for i in ids if i in visible], actor=request.user, transition=action
    )
    refused = len(result.refused) + len(set(ids) - visible)
    messages.success(
        request,
        _("%(done)d عضویت تغییر کرد؛ %(refused)d مورد تغییر نکرد.") % {"done": len(result.done), "refused": refused},
    )
    return redirect(_back(request))


def _is_admin_action(action: str) -> bool:
    """Is `action` a transition the FSM offers to the admins' area (not, e.g., leaving)?"""
    return action in dict(selectors.membership_bulk_actions())


def _back(request) -> str:
    return safe_next_url(request, request.POST.get("next"), default=reverse("member_admin:index"))


def membership_detail(request, membership_id: int):
    """Support lookup: states within the admin's scope, password-lifecycle state, recent
    deliveries (masked). Never a password or a code."""
    _scope(request)
    membership = selectors.memberships_visible_to(user=request.user).filter(pk=membership_id).first()
    if membership is None:
        raise Http404
    member = membership.member
    if not membership.is_contact_visible:
        # Issue 13: an invitation the member has not accepted shows nothing of theirs.
        return render(
            request,
            "member_workflow/admin/detail.html",
            {"page_title": member.username, "header_icon": "user", "membership": membership, "member": member},
        )
    summary = selectors.member_support_summary(member=member)
    scope_ids = set(selectors.associations_administered_by(user=request.user).values_list("pk", flat=True))
    summary["memberships"] = [m for m in summary["memberships"] if m.association_id in scope_ids]
    return render(
        request,
        "member_workflow/admin/detail.html",
        {
            "page_title": member.get_full_name() or member.username,
            "header_icon": "user",
            "membership": membership,
            "member": member,
            "summary": summary,
            "actions": selectors.membership_admin_actions(membership=membership),
        },
    )


@require_POST
def membership_send_password(request, membership_id: int):
    """A4: staff and association admins may send option 1 (a new random password by SMS
    and email) to a member in their scope — never option 2, and never to a member who has
    not accepted their invitation (issue 13)."""
    _scope(request)
    membership = selectors.memberships_visible_to(user=request.user).filter(pk=membership_id).first()
    if membership is None or not membership.is_contact_visible:
        raise Http404
    passwords.password_random_request(national_code=membership.member.username, actor=request.user)
    messages.success(request, _("کلمه عبور جدید به تلفن همراه و پست الکترونیک عضو فرستاده می‌شود."))
    return redirect("member_admin:detail", membership_id=membership_id)


class AddMemberForm(forms.Form):
    association = forms.ModelChoiceField(label=gettext_lazy("انجمن"), queryset=None)
    national_code = NationalCodeField()
    first_name = forms.CharField(label=gettext_lazy("نام"), max_length=100)
    last_name = forms.CharField(label=gettext_lazy("نام خانوادگی"), max_length=100)
    mobile = MobileField()
    email = EmailField()
    is_approved = forms.BooleanField(label=gettext_lazy("عضویت تایید شده باشد"), required=False, initial=True)

    def __init__(self, *args, associations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["association"].queryset = associations


@require_http_methods(["GET", "POST"])
def member_add(request):
    associations = _scope(request)
    form = AddMemberForm(request.POST or None, associations=associations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = registration.member_add_by_admin(
                actor=request.user,
                association=data["association"],
                national_code=data["national_code"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                mobile=data["mobile"],
                email=data["email"],
                is_approved=data["is_approved"],
            )
        except MemberWorkflowError as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if membership.state == MembershipState.INVITED:
                messages.success(
                    request,
                    _(
                        "این کد ملی از پیش در سامانه حساب دارد؛ دعوت عضویت برای او ثبت شد. "
                        "پس از آنکه عضو در ورود بعدی دعوت را بپذیرد، عضو انجمن می‌شود و اطلاعات او نمایش داده می‌شود."
                    ),
                )
            else:
                messages.success(request, _("عضو ثبت شد. کلمه عبور او تصادفی و اعلام نشده است."))
            return redirect("member_admin:detail", membership_id=membership.pk)
    return render(
        request,
        "member_workflow/admin/form.html",
        {"page_title": _("ثبت عضو جدید"), "header_icon": "plus", "form": form, "multipart": False},
    )


class ImportForm(forms.Form):
    association = forms.ModelChoiceField(label=gettext_lazy("انجمن"), queryset=None)
    file = forms.FileField(
        label=gettext_lazy("فایل اعضا (CSV یا XLSX)"),
        help_text=gettext_lazy(
            "سطر اول: national_code, first_name, last_name, mobile, email (یا کد ملی، نام، نام خانوادگی، تلفن همراه، پست الکترونیک)."
        ),
    )
    is_approved = forms.BooleanField(label=gettext_lazy("عضویت‌ها تایید شده باشند"), required=False, initial=True)

    def __init__(self, *args, associations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["association"].queryset = associations

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError(_("حجم فایل بیش از ۳۰ مگابایت است."))
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise ValidationError(_("فقط فایل‌های CSV و XLSX پذیرفته می‌شوند."))
        return upload


@require_http_methods(["GET", "POST"])
def members_import_view(request):
    associations = _scope(request)
    form = ImportForm(request.POST or None, request.FILES or None, associations=associations)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = members_import(
                association=form.cleaned_data["association"],
                rows=rows_from_file(name=upload.name, content=upload.read()),
                actor=request.user,
                is_approved=form.cleaned_data["is_approved"],
            )
        except ImportFileError as exc:
            form.add_error("file", exc.message)
        except MemberWorkflowError as exc:
            form.add_error(None, exc.message)
    return render(
        request,
        "member_workflow/admin/form.html",
        {
            "page_title": _("ورود اعضا از فایل"),
            "header_icon": "upload",
            "form": form,
            "multipart": True,
            "report": report,
        },
    )


# --- Association settings (issue 6): how members get election notices.


class AssociationSettingsForm(forms.Form):
    notification_channels = forms.ChoiceField(
        label=gettext_lazy("روش ارسال اطلاعیه‌های انتخابات"),
        choices=NotificationChannels.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "اعلام شروع رای‌گیری، یادآوری پیش از پایان و اعلام نتایج با این روش به اعضای تأیید شده فرستاده می‌شود. "
            "اعضایی که نشانی آن روش را ندارند، رد می‌شوند."
        ),
    )


def association_settings_index(request):
    """The admin's own associations (all of them for superusers) with their settings."""
    associations = _scope(request)
    return render(
        request,
        "member_workflow/admin/association_settings_index.html",
        {"page_title": _("تنظیمات انجمن"), "header_icon": "cog", "associations": associations},
    )


@require_http_methods(["GET", "POST"])
def association_settings(request, association_id: int):
    association = _scope(request).filter(pk=association_id).first()
    if association is None:
        raise Http404  # another association's settings: not even their existence
    form = AssociationSettingsForm(
        request.POST or None, initial={"notification_channels": association.notification_channels}
    )
    if request.method == "POST" and form.is_valid():
        try:
            association_services.association_notification_channels_set(
                association_id=association.pk,
                channels=form.cleaned_data["notification_channels"],
                actor=request.user,
            )
        except MemberWorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("تنظیمات انجمن ذخیره شد."))
            return redirect("member_admin:association_settings_index")
    return render(
        request,
        "member_workflow/admin/form.html",
        {
            "page_title": _("تنظیمات انجمن: %(name)s") % {"name": association.name},
            "header_icon": "cog",
            "form": form,
            "multipart": False,
        },
    )
