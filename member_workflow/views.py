"""Public member pages (P4, M2, M4, M5, M7, M8) and the inbound SMS webhook. Thin: parse,
call one service or selector, render."""

import hmac
import json
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseForbidden, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from wagtail.admin.views.account import LoginView as WagtailLoginView

from cms_site.common.redirects import safe_next_url

from . import forms, selectors
from .contact import mask_email
from .errors import (
    DuplicateMobile,
    LoginDelayed,
    LoginSecondFactorWrong,
    LoginThrottled,
    MemberNotFound,
    MemberWorkflowError,
)
from .login_pages import (
    login_guarded,
    login_next,
    login_refused,
    second_factor_mark_verified,
    second_factor_pending,
)
from .middleware import SESSION_KEY as MUST_CHANGE_SESSION_KEY
from .services import logins, memberships, passwords, profile, registration
from .services.inbound_sms import inbound_sms_dispatch
from .throttling import RateLimited, client_ip, rate_limit_hit
from .voting_window import member_in_voting_window

logger = logging.getLogger(__name__)

REGISTER_PREFILL_KEY = "register_national_code"
# Set once the member has been shown their pending invitations in this login session.
INVITATIONS_SHOWN_KEY = "invitations_shown"


def _rate_limited(request, exc: RateLimited):
    return render(request, "member_workflow/rate_limited.html", {"retry_at": exc.retry_at}, status=429)


@require_http_methods(["GET", "POST"])
def national_code_check(request):
    """P4 «بررسی کد ملی»: an existing member is told so, with links to login and forgot
    password; otherwise the registration form opens with the code filled in."""
    form = forms.NationalCodeCheckForm(request.POST or None)
    found = False
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["national_code"]
        try:
            rate_limit_hit(scope="national_code_check", request=request, national_code=code)
        except RateLimited as exc:
            return _rate_limited(request, exc)
        if selectors.member_by_national_code(national_code=code) is None:
            request.session[REGISTER_PREFILL_KEY] = code
            messages.info(request, _("عضوی با این کد ملی ثبت نشده است؛ فرم ثبت نام را تکمیل کنید."))
            return redirect("accounts:register")
        found = True
        form = forms.NationalCodeCheckForm()
    return render(request, "member_workflow/national_code_check.html", {"form": form, "found": found})


@require_http_methods(["GET", "POST"])
def register(request):
    """M2: self-registration; each membership starts pending."""
    if request.method == "POST":
        form = forms.RegistrationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                rate_limit_hit(scope="registration", request=request, national_code=data["national_code"])
            except RateLimited as exc:
                return _rate_limited(request, exc)
            try:
                member = registration.member_register(
                    national_code=data["national_code"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    mobile=data["mobile"],
                    email=data["email"],
                    password=data["password1"],
                    associations=list(data["associations"]),
                )
            except DuplicateMobile as exc:
                form.add_error("mobile", str(exc.message))
            except MemberWorkflowError as exc:
                form.add_error("national_code", str(exc.message))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                request.session.pop(REGISTER_PREFILL_KEY, None)
                login(request, member, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(
                    request,
                    _("ثبت نام شما انجام شد. عضویت شما پس از تایید مسئول انجمن فعال می‌شود."),
                )
                return redirect("accounts:me")
    else:
        form = forms.RegistrationForm(initial={"national_code": request.session.get(REGISTER_PREFILL_KEY, "")})
    return render(request, "member_workflow/register.html", {"form": form})


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    return safe_next_url(request, target, default=reverse("accounts:me"))


@require_http_methods(["GET", "POST"])
def login_view(request):
    """Login with national code, password and captcha, through the login guard (failures
    per place and per address; an account under attack needs the code sent to the member
    first); M5 rules apply after the password is verified."""
    form = forms.LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = login_guarded(
                request, national_code=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except LoginThrottled as exc:
            return login_refused(request, exc, next_url=request.get_full_path())
        if user is None:
            form.add_error(None, _("کد ملی یا کلمه عبور درست نیست."))
        else:
            try:
                must_change = passwords.login_check(member=user, raw_password=form.cleaned_data["password"])
            except MemberWorkflowError as exc:
                form.add_error(None, str(exc.message))
            else:
                login(request, user)
                if must_change:
                    request.session[MUST_CHANGE_SESSION_KEY] = True
                    messages.warning(request, _("کلمه عبور شما برابر کد ملی است؛ برای ادامه باید آن را تغییر دهید."))
                    return redirect("accounts:password_change")
                return redirect(_safe_next(request))
    return render(request, "member_workflow/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_http_methods(["GET", "POST"])
def login_verify(request):
    """The code sent to the member's registered mobile and email when a try on an account
    under attack was held. Once it is right, this browser may try the password (back on the
    login form it came from)."""
    national_code, retry_at = second_factor_pending(request)
    back = login_next(request, reverse("accounts:login"))
    if not national_code:
        return redirect(back)
    form = forms.LoginSecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            logins.login_second_factor_verify(
                address=client_ip(request), national_code=national_code, token=form.cleaned_data["code"]
            )
        except LoginDelayed as exc:
            return login_refused(request, exc, next_url=back)
        except LoginSecondFactorWrong as exc:
            form.add_error("code", str(exc.message))
        else:
            second_factor_mark_verified(request)
            messages.success(request, _("کد تایید درست بود؛ اکنون با کد ملی و کلمه عبور خود وارد شوید."))
            return redirect(back)
    if retry_at is not None and retry_at <= timezone.now():
        retry_at = None
    return render(request, "member_workflow/login_verify.html", {"form": form, "next": back, "retry_at": retry_at})


class AdminLoginView(WagtailLoginView):
    """Wagtail's /admin/login/ with the captcha and the login guard of the portal login
    (`forms.AdminLoginForm`), and the same M5 rule: refused while an election of the
    member's associations is open, else the password change comes first."""

    def get_form_class(self):
        return forms.AdminLoginForm

    def form_invalid(self, form):
        if form.refusal is not None:
            return login_refused(self.request, form.refusal, next_url=self.request.get_full_path())
        return super().form_invalid(form)

    def form_valid(self, form):
        try:
            must_change = passwords.login_check(member=form.get_user(), raw_password=form.cleaned_data["password"])
        except MemberWorkflowError as exc:
            form.add_error(None, str(exc.message))
            return self.form_invalid(form)
        response = super().form_valid(form)
        if must_change:
            self.request.session[MUST_CHANGE_SESSION_KEY] = True
            return redirect("accounts:password_change")
        return response


@require_http_methods(["GET", "POST"])
def logout_view(request):
    if request.method == "POST":
        logout(request)
        messages.info(request, _("از سامانه خارج شدید."))
        return redirect("accounts:login")
    return render(request, "member_workflow/logout.html")


@require_http_methods(["GET", "POST"])
def password_forgot(request):
    """M4: option 1 (new random password by SMS and email, via Celery; never on screen) or
    option 2 (a code to SMS to the system number; password becomes the national code)."""
    form = forms.ForgotPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["national_code"]
        try:
            rate_limit_hit(scope="password_forgot", request=request, national_code=code)
        except RateLimited as exc:
            return _rate_limited(request, exc)
        if form.cleaned_data["option"] == forms.FORGOT_OPTION_RANDOM:
            passwords.password_random_request(national_code=code)
            # Same words whether or not the code is registered: nothing to harvest here.
            return render(request, "member_workflow/password_forgot_sent.html")
        try:
            reset_code = passwords.password_sms_reset_request(national_code=code)
        except MemberNotFound:
            # Same page, same words, a code that matches nothing: like option 1, option 2
            # does not tell an unknown national code from a registered one (issue 13).
            reset_code = passwords.password_sms_reset_decoy()
        except MemberWorkflowError as exc:
            form.add_error(None, str(exc.message))
            reset_code = ""
        if reset_code:
            return render(
                request,
                "member_workflow/password_forgot_code.html",
                {
                    "reset_code": reset_code,
                    "system_number": settings.SMS_SYSTEM_NUMBER,
                    "minutes": settings.PASSWORD_RESET_CODE_MINUTES,
                    "max_wrong": settings.INBOUND_CODE_MAX_WRONG,
                },
            )
    return render(request, "member_workflow/password_forgot.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def personal_page(request):
    """M7: memberships, email and mobile, password change; edits blocked during voting."""
    member = request.user
    invitations = list(selectors.member_invitations(member=member))
    if request.method == "GET" and invitations and not request.session.get(INVITATIONS_SHOWN_KEY):
        # Issue 13: after login, a member with pending invitations answers them first.
        return redirect("accounts:invitations")
    is_blocked = member_in_voting_window(member=member)
    contact_form = forms.ContactForm(
        request.POST if request.method == "POST" else None,
        initial={"email": member.email, "mobile": member.mobile or ""},
    )
    if request.method == "POST":
        if is_blocked:
            messages.error(
                request,
                _("در حال حاضر انتخابات یکی از انجمن‌های شما در جریان است؛ تا پایان زمان رای‌گیری امکان ویرایش نیست."),
            )
            return redirect("accounts:me")
        try:
            rate_limit_hit(scope="profile_change", request=request, national_code=member.national_code)
        except RateLimited as exc:
            return _rate_limited(request, exc)
        if contact_form.is_valid():
            try:
                profile.member_contact_update(
                    member=member, email=contact_form.cleaned_data["email"], mobile=contact_form.cleaned_data["mobile"]
                )
            except MemberWorkflowError as exc:
                contact_form.add_error("mobile", str(exc.message))
            else:
                messages.success(request, _("اطلاعات تماس شما ذخیره شد."))
                return redirect("accounts:me")
    return render(
        request,
        "member_workflow/personal_page.html",
        {
            "member": member,
            "memberships": selectors.member_memberships(member=member),
            "invitations": invitations,
            "contact_form": contact_form,
            "is_blocked": is_blocked,
        },
    )


@login_required
@require_http_methods(["GET"])
def invitations(request):
    """Issue 13: the memberships an association's admin offered this member, each with
    «پذیرفتن دعوت» and «رد دعوت». Shown after login until answered; the association sees
    none of the member's data until they accept."""
    request.session[INVITATIONS_SHOWN_KEY] = True
    return render(
        request,
        "member_workflow/invitations.html",
        {
            "invitations": selectors.member_invitations(member=request.user),
            "answers": selectors.membership_member_actions(),
        },
    )


@login_required
@require_http_methods(["POST"])
def invitation_answer(request, membership_id: int, action: str):
    """Accept or decline one invitation of the logged-in member (the FSM's `member`
    transitions; anyone else's invitation is a 404)."""
    if action not in dict(selectors.membership_member_actions()):
        raise Http404
    if not selectors.member_invitations(member=request.user).filter(pk=membership_id).exists():
        raise Http404
    try:
        membership = memberships.membership_transition(
            membership_id=membership_id, transition=action, actor=request.user
        )
    except MemberWorkflowError as exc:
        messages.error(request, str(exc.message))
    else:
        if action == "accept":
            messages.success(
                request, _("عضویت شما در %(association)s برقرار شد.") % {"association": membership.association.name}
            )
        else:
            messages.info(request, _("دعوت %(association)s رد شد.") % {"association": membership.association.name})
    if selectors.member_invitations(member=request.user).exists():
        return redirect("accounts:invitations")
    return redirect("accounts:me")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    """M5/M6/M7: change the password; the only page open while a change is required."""
    member = request.user
    is_blocked = member_in_voting_window(member=member)
    form = forms.PasswordChangeForm(request.POST or None, user=member)
    if request.method == "POST" and not is_blocked:
        try:
            rate_limit_hit(scope="profile_change", request=request, national_code=member.national_code)
        except RateLimited as exc:
            return _rate_limited(request, exc)
        if form.is_valid():
            try:
                passwords.password_change(member=member, new_password=form.cleaned_data["new_password1"])
            except MemberWorkflowError as exc:
                form.add_error(None, str(exc.message))
            except ValidationError as exc:
                form.add_error("new_password1", exc)
            else:
                member.refresh_from_db()
                update_session_auth_hash(request, member)
                request.session.pop(MUST_CHANGE_SESSION_KEY, None)
                messages.success(request, _("کلمه عبور شما تغییر کرد."))
                return redirect("accounts:me")
    return render(
        request,
        "member_workflow/password_change.html",
        {"form": form, "is_blocked": is_blocked, "must_change": request.session.get(MUST_CHANGE_SESSION_KEY, False)},
    )


@require_http_methods(["GET", "POST"])
def membership_status(request):
    """M8: each membership's state and the registered email, masked (domain plus the first
    and last characters of the local part). Nothing else."""
    form = forms.MembershipStatusForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["national_code"]
        try:
            rate_limit_hit(scope="membership_status", request=request, national_code=code)
        except RateLimited as exc:
            return _rate_limited(request, exc)
        member = selectors.member_by_national_code(national_code=code)
        result = {
            "found": member is not None,
            "memberships": list(selectors.member_memberships(member=member)) if member else [],
            "masked_email": mask_email(member.email) if member else "",
        }
        form = forms.MembershipStatusForm()
    return render(request, "member_workflow/membership_status.html", {"form": form, "result": result})


@csrf_exempt
def sms_inbound(request):
    """The SMS gateway posts what members send to the system number: fields `from`, `to`,
    `message` (form-encoded or JSON), authenticated by the `X-Inbound-Token` header.
    Answers `{"ok": true}` to every well-formed message, matched or not."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    expected = settings.SMS_INBOUND_TOKEN
    given = request.headers.get("X-Inbound-Token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return HttpResponseForbidden("forbidden")
    data = request.POST
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return JsonResponse({"ok": False, "error": "invalid json"}, status=400)
        if not isinstance(data, dict):
            return JsonResponse({"ok": False, "error": "invalid json"}, status=400)
    sender = str(data.get("from", ""))[:40]
    text = str(data.get("message", ""))
    if not sender or not text:
        return JsonResponse({"ok": False, "error": "from and message are required"}, status=400)
    # One answer whatever the message matched (the outcome is only logged): the gateway, or
    # whoever holds its token, learns nothing about codes, members or ballots (issue 13).
    inbound_sms_dispatch(sender=sender, text=text)
    return JsonResponse({"ok": True})
