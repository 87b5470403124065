"""Public results, receipts board and downloads (SPEC R1, R2, R3 summary).

Visible to everyone once results are published; staff see them from the tally on, so
they can review before release. Thin views: selectors do the reads.
"""

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _

from cms_site.common.captcha import CaptchaFormMixin
from cms_site.common.digits import normalize_digits
from election_pages.lifecycle.models import Election, ElectionState
from election_pages.secrecy.crypto import tracker_normalise

from .exports import election_ballots_file, election_minutes_pdf, election_results_csv, election_trackers_file
from .selectors import (
    TRACKER_MIN_DIGITS,
    election_audit_summary,
    election_results_visible,
    election_tracker_count,
    election_trackers_visible,
    result_for_display,
    tracker_is_cast,
)


def _visible_election(request, election_id: int) -> Election:
    election = get_object_or_404(Election.objects.select_related("association"), pk=election_id)
    if not election_results_visible(election=election, user=request.user):
        raise Http404
    return election


def _board_election(election_id: int) -> Election:
    election = get_object_or_404(Election.objects.select_related("association"), pk=election_id)
    if not election_trackers_visible(election=election):
        raise Http404
    return election


class TrackerCheckForm(CaptchaFormMixin, forms.Form):
    tracker = forms.CharField(label=_("کد پیگیری برگه رای"), max_length=200)

    def clean_tracker(self):
        value = tracker_normalise(normalize_digits(self.cleaned_data["tracker"]))
        if len(value) < TRACKER_MIN_DIGITS:
            raise forms.ValidationError(_("دست‌کم ۱۶ نویسه اول کد پیگیری را وارد کنید (فاصله و خط تیره لازم نیست)."))
        return value


def election_results(request, election_id: int):
    election = _visible_election(request, election_id)
    return render(
        request,
        "election_pages/results/election_results.html",
        {
            "election": election,
            "result": result_for_display(result=election.result),
            "is_preview": election.state == ElectionState.TALLIED,
            "audit": election_audit_summary(election=election),
        },
    )


def election_receipts(request, election_id: int):
    """The public trackers board (issue 12): from the opening of the vote on, anyone can
    check that a tracker is in the ballot box, and download the whole sorted list."""
    election = _board_election(election_id)
    outcome = None
    form = TrackerCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = tracker_is_cast(election=election, tracker=form.cleaned_data["tracker"])
    return render(
        request,
        "election_pages/results/election_receipts.html",
        {
            "election": election,
            "form": form,
            "outcome": outcome,
            "tracker_count": election_tracker_count(election=election),
            "has_results": election_results_visible(election=election, user=request.user),
        },
    )


def election_receipts_download(request, election_id: int):
    election = _board_election(election_id)
    response = HttpResponse(election_trackers_file(election=election), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="election-{election.pk}-trackers.txt"'
    return response


def election_ballots_download(request, election_id: int, fmt: str):
    if fmt not in ("json", "csv"):
        raise Http404
    election = _visible_election(request, election_id)
    content_type = "application/json" if fmt == "json" else "text/csv; charset=utf-8"
    response = HttpResponse(election_ballots_file(election=election, fmt=fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="election-{election.pk}-ballots.{fmt}"'
    return response


def _download(response: HttpResponse, *, election: Election, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="election-{election.pk}-{filename}"'
    if election.state == ElectionState.TALLIED:  # staff preview: never in a shared cache
        patch_cache_control(response, private=True, no_store=True)
    return response


def election_results_minutes(request, election_id: int):
    """The official minutes («صورتجلسه») as PDF, in the active language (R1, P6)."""
    election = _visible_election(request, election_id)
    pdf = election_minutes_pdf(election=election)
    return _download(HttpResponse(pdf, content_type="application/pdf"), election=election, filename="minutes.pdf")


def election_results_csv_download(request, election_id: int):
    """The results as CSV, one row per candidate (R1, P6)."""
    election = _visible_election(request, election_id)
    response = HttpResponse(election_results_csv(election=election), content_type="text/csv; charset=utf-8")
    return _download(response, election=election, filename="results.csv")
