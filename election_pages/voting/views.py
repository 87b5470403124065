"""The voting journey's pages (V1–V6). Thin: parse, call one service or selector, render.
Every page opens this browser's ballot session through `services.ballot_session_resume`
(GET and POST alike) and every step goes through a service; both re-check the window (V1),
the membership (M10) and the session in one order. The views only map each error class to
what the page does next, with the error's own Persian message (`_refused`)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from election_pages.lifecycle.models import PUBLIC_STATES, Election
from election_pages.lifecycle.selectors import election_is_in_voting_window
from election_pages.secrecy import crypto
from member_workflow.errors import LoginThrottled
from member_workflow.login_pages import login_guarded, login_refused
from member_workflow.throttling import RateLimited, rate_limit_hit
from otp_delivery.exceptions import OtpError
from otp_delivery.selectors import otp_challenge_deliveries, otp_code_delivery

from . import selectors, services
from .errors import (
    AlreadyVoted,
    BallotNotStarted,
    ChannelUnavailable,
    InvalidBallot,
    NotAMember,
    PasswordIsNationalCode,
    SelectionsUnreadable,
    SessionExpired,
    SessionNotFound,
    SessionWrongStep,
    VotingError,
    VotingNotOpen,
)
from .forms import ChannelForm, ConfirmForm, VotingLoginForm, ballot_post_selections
from .models import is_inbound

SESSION_KEY = "voting_sessions"  # {election id: ballot session id} of this browser
RECEIPT_SALT = "voting-receipt"
INBOUND_SALT = "voting-inbound-code"


def receipt_cookie_name(election_id: int) -> str:
    return f"voting_receipt_{election_id}"


def inbound_cookie_name(election_id: int) -> str:
    return f"voting_inbound_{election_id}"


def selections_cookie_name(election_id: int) -> str:
    return f"voting_key_{election_id}"


def _selections_key(request, election) -> bytes | None:
    """Issue 12: the key that encrypts this browser's selections between «انتخاب» and
    «ثبت رای». It lives only in an HttpOnly cookie, never in the session or the database."""
    try:
        key = crypto.unb64(request.COOKIES.get(selections_cookie_name(election.pk), ""))
    except ValueError:
        return None
    return key if len(key) == 32 else None


def _selections_key_keep(request, response, election, key: bytes):
    response.set_cookie(
        selections_cookie_name(election.pk),
        crypto.b64(key),
        max_age=settings.VOTING_SESSION_MINUTES * 60,
        httponly=True,
        samesite="Strict",
        secure=request.is_secure(),
    )
    return response


def _selections(request, election, session) -> dict:
    """The session's selections as this browser can open them ({} if it cannot)."""
    try:
        return services.ballot_selections(session=session, key=_selections_key(request, election))
    except SelectionsUnreadable:
        return {}


def _inbound_code_keep(request, response, election, session, code: str):
    """The third channel's 4-digit code to show lives only in this browser (a signed cookie,
    like the receipt); the server keeps just its digest, so it never sits in the database."""
    if code:
        response.set_signed_cookie(
            inbound_cookie_name(election.pk),
            f"{session.pk}:{code}",
            salt=INBOUND_SALT,
            max_age=settings.VOTING_SESSION_MINUTES * 60,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def _inbound_code(request, election, session) -> str:
    value = request.get_signed_cookie(
        inbound_cookie_name(election.pk), default="", salt=INBOUND_SALT, max_age=settings.VOTING_SESSION_MINUTES * 60
    )
    session_id, _sep, code = value.partition(":")
    return code if session_id == str(session.pk) else ""


def _election(election_id: int) -> Election:
    return get_object_or_404(Election.objects.select_related("association"), pk=election_id, state__in=PUBLIC_STATES)


def _render(request, election, template, **context):
    page = selectors.election_page_for_voting(election=election)
    if page is None:
        raise Http404
    response = render(
        request,
        f"election_pages/voting/{template}",
        {"page": page, "election": election, "election_view": "participate", **context},
    )
    response["Cache-Control"] = "no-store"
    return response


def _session_id(request, election) -> str | None:
    """The ballot session this browser opened for the election (at the voting login)."""
    if not request.user.is_authenticated:
        return None
    return request.session.get(SESSION_KEY, {}).get(str(election.pk))


def _session(request, election):
    """This browser's ballot session for the election as it is, or None (no checks)."""
    return selectors.ballot_session_for(session_id=_session_id(request, election), member=request.user)


def _resume(request, election):
    """This browser's live ballot session, after every check a step makes (raises a
    VotingError, which the caller hands to `_refused`)."""
    return services.ballot_session_resume(
        election_id=election.pk, member=request.user, session_id=_session_id(request, election)
    )


def _forget(request, election) -> None:
    """This browser leaves the ballot session. A third-channel code cookie left behind
    names that session only, so it shows nothing for a later one, and expires with it."""
    sessions = dict(request.session.get(SESSION_KEY, {}))
    sessions.pop(str(election.pk), None)
    request.session[SESSION_KEY] = sessions


def _inbound_code_drop(response, election):
    response.delete_cookie(inbound_cookie_name(election.pk), samesite="Lax")
    return response


def _step_url(election, session) -> str:
    return reverse(f"voting:{session.step}", args=[election.pk])


def _refused(request, election, exc: VotingError):
    """What a page does after each refusal of the services, by error class, always with the
    error's own Persian message. A dead session's selections are erased at once."""
    session_id = _session_id(request, election)
    if isinstance(exc, AlreadyVoted):
        _forget(request, election)
        return _already_voted(election)
    if isinstance(exc, SessionWrongStep) and (session := _session(request, election)) is not None:
        messages.warning(request, str(exc))
        return redirect(_step_url(election, session))
    if isinstance(exc, BallotNotStarted):
        messages.info(request, str(exc))
        return redirect("voting:start", election.pk)
    if isinstance(exc, VotingNotOpen | SessionExpired) and session_id:
        services.ballot_session_expire(session_id=session_id)
    if isinstance(exc, NotAMember) and session_id:
        services.ballot_abandon(session_id=session_id, member=request.user)
    if isinstance(exc, VotingNotOpen | SessionExpired | NotAMember | SessionNotFound):
        _forget(request, election)
    messages.error(request, str(exc))
    return redirect("voting:start", election.pk)


def _already_voted(election):
    return redirect(reverse("voting:done", args=[election.pk]) + "?again=1")


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def voting_login(request, election_id: int):
    """V2 «ورود به سامانه انتخابات» (national code, password, captcha), open only in the
    window (V1); `ballot_session_start` checks M10 and M5 before a ballot session opens."""
    election = _election(election_id)
    if not election_is_in_voting_window(election=election):
        return _render(request, election, "closed.html", now=timezone.now())
    session = _session(request, election)
    if session is not None and session.is_live:
        return redirect(_step_url(election, session))
    form = VotingLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:  # the login guard of every password form (member_workflow.services.logins)
            user = login_guarded(
                request, national_code=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except LoginThrottled as exc:
            return login_refused(request, exc, next_url=request.get_full_path())
        if user is None:
            form.add_error(None, _("کد ملی یا کلمه عبور درست نیست."))
        else:
            try:
                session = services.ballot_session_start(
                    election_id=election.pk, member=user, raw_password=form.cleaned_data["password"]
                )
            except AlreadyVoted:
                login(request, user)
                return _already_voted(election)
            except VotingNotOpen:
                return _render(request, election, "closed.html", now=timezone.now())
            except (NotAMember, PasswordIsNationalCode) as exc:
                form.add_error(None, str(exc))
            else:
                login(request, user)
                request.session[SESSION_KEY] = {
                    **request.session.get(SESSION_KEY, {}),
                    str(election.pk): str(session.pk),
                }
                return redirect(_step_url(election, session))
    return _render(request, election, "login.html", form=form)


@never_cache
@require_http_methods(["GET", "POST"])
def voting_channel(request, election_id: int):
    """V3 «انتخاب نوع دریافت کد تایید رای», with the seed's warning; unusable channels
    are shown disabled with the reason."""
    election = _election(election_id)
    try:
        session = _resume(request, election)
    except VotingError as exc:
        return _refused(request, election, exc)
    form = ChannelForm(request.POST or None, initial={"channel": session.channel or None})
    if request.method == "POST" and form.is_valid():
        try:
            services.ballot_channel_choose(
                session_id=session.pk, member=request.user, channel=form.cleaned_data["channel"]
            )
        except ChannelUnavailable as exc:
            form.add_error("channel", str(exc))
        except VotingError as exc:
            return _refused(request, election, exc)
        else:
            return redirect("voting:ballot", election.pk)
    options = selectors.channel_options(member=request.user)
    return _render(request, election, "channel.html", form=form, options=options, session=session)


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def voting_ballot(request, election_id: int):
    """V4 the ballot: checkboxes per position, its limit in the heading, «انتخاب»."""
    election = _election(election_id)
    try:
        session = _resume(request, election)
    except VotingError as exc:
        return _refused(request, election, exc)
    if session.step == "channel":
        return redirect(_step_url(election, session))
    error = ""
    chosen = {k: {int(i) for i in v} for k, v in _selections(request, election, session).items()}
    if request.method == "POST":
        key = _selections_key(request, election) or crypto.selections_key_new()
        try:
            shown = services.ballot_submit(
                session_id=session.pk, member=request.user, selections=ballot_post_selections(request.POST), key=key
            )
        except InvalidBallot as exc:
            error = str(exc)
        except OtpError as exc:
            messages.error(request, str(exc))
            return redirect("voting:review", election.pk)
        except VotingError as exc:
            return _refused(request, election, exc)
        else:
            response = _inbound_code_keep(request, redirect("voting:review", election.pk), election, session, shown)
            return _selections_key_keep(request, response, election, key)
    positions = selectors.ballot_positions(election=election)
    for position in positions:
        position.chosen_ids = chosen.get(str(position.pk), set())
    return _render(request, election, "ballot.html", positions=positions, error=error, session=session)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def voting_review(request, election_id: int):
    """V5 review and V6 «ثبت رای»: the chosen candidates, how the code travels, the code."""
    election = _election(election_id)
    try:
        session = _resume(request, election)
    except VotingError as exc:  # a second click (or tab) after the vote: AlreadyVoted
        return _refused(request, election, exc)
    if session.step != "review":
        return redirect(_step_url(election, session))
    try:
        selections = services.ballot_selections(session=session, key=_selections_key(request, election))
    except SelectionsUnreadable as exc:
        messages.warning(request, str(exc))
        return redirect("voting:ballot", election.pk)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rate_limit_hit(scope="voting_confirm", request=request, national_code=request.user.username)
        except RateLimited as exc:
            return render(request, "member_workflow/rate_limited.html", {"retry_at": exc.retry_at}, status=429)
        try:
            receipt = services.ballot_confirm(
                session_id=session.pk,
                member=request.user,
                code=form.cleaned_data["code"],
                key=_selections_key(request, election),
            )
        except OtpError as exc:
            form.add_error("code", str(exc))
        except SelectionsUnreadable as exc:
            messages.warning(request, str(exc))
            return redirect("voting:ballot", election.pk)
        except VotingError as exc:
            return _refused(request, election, exc)
        else:
            return _voted(request, election, receipt)
    context = {
        "form": form,
        "session": session,
        "summary": selectors.ballot_selection_summary(election=election, selections=selections),
        "deliveries": otp_challenge_deliveries(member=request.user, purpose_ref=session.purpose_ref),
        # "sent" only once a gateway accepted the code; "sending" while it waits (polled).
        "code_delivery": otp_code_delivery(member=request.user, purpose_ref=session.purpose_ref),
        "inbound_code": _inbound_code(request, election, session),
        "system_number": settings.SMS_SYSTEM_NUMBER,
        "is_inbound": is_inbound(session),
        "has_email": bool((request.user.email or "").strip()),
        "max_wrong": settings.INBOUND_CODE_MAX_WRONG,
    }
    return _render(request, election, "review.html", **context)


def _voted(request, election, receipt: str):
    """After the seal: forget the session, keep the receipt only in this browser (a signed
    cookie; the server stores nothing that links the voter to it), show the thanks."""
    _forget(request, election)
    response = _inbound_code_drop(redirect("voting:done", election.pk), election)
    response.delete_cookie(selections_cookie_name(election.pk), samesite="Strict")
    response.set_signed_cookie(
        receipt_cookie_name(election.pk),
        receipt,
        salt=RECEIPT_SALT,
        max_age=60 * 60 * 24 * 30,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


def _code_action(request, election_id: int, send, done_message):
    """The review page's code buttons: `send(session)` asks the service for a code (it
    returns the third channel's code to show, or ""); its Persian refusal or `done_message`
    is shown back on the review page."""
    election = _election(election_id)
    review = redirect("voting:review", election.pk)
    try:
        session = _resume(request, election)
        shown = send(session)
    except OtpError as exc:
        messages.error(request, str(exc))
        return review
    except VotingError as exc:
        return _refused(request, election, exc)
    if shown:  # the third channel's new code is on the page: nothing was sent
        done_message = _("کد تازه‌ای ساخته شد؛ آن را از تلفن همراه ثبت شده خود به شماره سامانه پیامک کنید.")
    messages.success(request, done_message)
    return _inbound_code_keep(request, review, election, session, shown)


@never_cache
@require_POST
def voting_code_email(request, election_id: int):
    """«دریافت کد تایید از طریق پست الکترونیک»: a code by email at once."""

    def send(session):
        services.ballot_code_switch_to_email(session_id=session.pk, member=request.user)
        return ""

    return _code_action(request, election_id, send, _("کد تایید تازه در حال ارسال به پست الکترونیک ثبت شده شماست."))


@never_cache
@require_POST
def voting_code_resend(request, election_id: int):
    """Send the code again on the chosen channel (after the cooldown)."""
    return _code_action(
        request,
        election_id,
        lambda session: services.ballot_code_request(session_id=session.pk, member=request.user),
        _("کد تایید تازه در حال ارسال است."),
    )


@never_cache
@require_GET
def voting_status(request, election_id: int):
    """Polled by the review page: has the third channel's SMS arrived; has a gateway taken
    the code message yet (`code_delivery`: sending, sent, late, failed)?"""
    election = _election(election_id)
    return JsonResponse(selectors.ballot_session_status(election=election, session=_session(request, election)))


@never_cache
@require_POST
def voting_confirm_received(request, election_id: int):
    """Third channel: the polling page seals the ballot once the SMS has arrived."""
    election = _election(election_id)
    session = _session(request, election)
    if session is None:
        return redirect("voting:done" if request.user.is_authenticated else "voting:start", election.pk)
    try:
        receipt = services.ballot_confirm_received(
            session_id=session.pk, member=request.user, key=_selections_key(request, election)
        )
    except SelectionsUnreadable as exc:
        messages.warning(request, str(exc))
        return redirect("voting:ballot", election.pk)
    except VotingError as exc:
        return _refused(request, election, exc)
    return _voted(request, election, receipt)


@never_cache
@require_GET
def voting_done(request, election_id: int):
    """«با تشکر از توجه شما، رای شما با موفقیت ثبت شد.» with the receipt (from this
    browser's cookie), or «already voted» for a later visit."""
    election = _election(election_id)
    receipt = request.get_signed_cookie(receipt_cookie_name(election.pk), default="", salt=RECEIPT_SALT)
    voted_at = (
        selectors.member_voted_at(election_id=election.pk, member=request.user)
        if request.user.is_authenticated
        else None
    )
    if not receipt and voted_at is None:
        return redirect("voting:start", election.pk)
    is_again = request.GET.get("again") == "1" or not receipt
    return _render(
        request,
        election,
        "done.html",
        receipt=receipt,
        receipt_display=crypto.tracker_display(receipt),
        has_voted=voted_at is not None,
        voted_at=voted_at,
        is_again=is_again,
    )


@never_cache
@require_POST
def voting_leave(request, election_id: int):
    """«انصراف»: leave the ballot; its selections are erased at once."""
    election = _election(election_id)
    session = _session(request, election)
    if session is not None:
        services.ballot_abandon(session_id=session.pk, member=request.user)
    messages.info(request, _("از برگه رای خارج شدید؛ انتخاب‌های شما پاک شد."))
    _forget(request, election)
    response = _inbound_code_drop(redirect("voting:start", election.pk), election)
    response.delete_cookie(selections_cookie_name(election.pk), samesite="Strict")
    return response
