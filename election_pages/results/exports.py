"""Downloadable results (SPEC R1, P6): the official minutes («صورتجلسه») as a PDF and the
results as CSV. Who may download them is decided by `election_results_visible`, in the views.

The PDF is HTML rendered by WeasyPrint (Pango + HarfBuzz shape the Persian text and lay it
out right to left) with the vendored Vazirmatn font; it never fetches anything but local
files. Rendering takes about half a second, so the bytes are cached per stored result,
language and publication state: a stored result never changes (the tally is idempotent).
"""

import csv
import io
import json

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from election_pages.lifecycle.models import Election

from .selectors import election_minutes
from .services import anonymous_ballots_export

FONTS_DIR = settings.BASE_DIR / "static" / "fonts" / "vazirmatn"
MINUTES_TEMPLATE = "election_pages/results/election_minutes.html"
# Bump when the minutes template changes, so cached PDFs are rendered again.
MINUTES_VERSION = 1
MINUTES_CACHE_SECONDS = 24 * 60 * 60


def _minutes_cache_key(*, election: Election, is_preview: bool) -> str:
    result = election.result
    language = translation.get_language() or settings.LANGUAGE_CODE
    stamp = result.tallied_at.isoformat()
    return f"election-minutes:v{MINUTES_VERSION}:{election.pk}:{result.pk}:{stamp}:{language}:{int(is_preview)}"


def election_minutes_pdf(*, election: Election) -> bytes:
    """The minutes in the active language (Persian by default), as PDF bytes."""
    # Imported on use: WeasyPrint loads Pango and HarfBuzz at import, which only this
    # export needs (every other process starts without them).
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    context = election_minutes(election=election)
    key = _minutes_cache_key(election=election, is_preview=context["is_preview"])
    pdf = cache.get(key)
    if pdf is None:
        html = render_to_string(MINUTES_TEMPLATE, context)
        fetcher = URLFetcher(allowed_protocols=["file"])  # the font only; never the network
        pdf = HTML(string=html, base_url=f"{FONTS_DIR.as_uri()}/", url_fetcher=fetcher).write_pdf()
        cache.set(key, pdf, MINUTES_CACHE_SECONDS)
    return pdf


def election_results_csv(*, election: Election) -> str:
    """One row per candidate: position, candidate, election code, votes, elected, tied.
    Starts with a byte-order mark so Excel reads the Persian as UTF-8."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([_("سمت"), _("نامزد"), _("کد انتخاباتی"), _("آرا"), _("منتخب"), _("تساوی در مرز کرسی")])
    yes, no = _("بله"), _("خیر")
    for position in election_minutes(election=election)["positions"]:
        for c in position["candidates"]:
            writer.writerow(
                [
                    position["name"],
                    c["name"],
                    c["election_code"],
                    c["votes"],
                    yes if c["is_elected"] else no,
                    yes if c["is_tied"] else no,
                ]
            )
    return buffer.getvalue()


def _stored_file(*, election: Election, name: str, build) -> bytes:
    """A public file that only depends on the stored result (the anonymous ballots): built once per result and kept in the media storage, so a download never
    re-reads every ballot. A concurrent first build only writes a spare copy."""
    result = election.result
    path = f"results/{election.pk}/{result.pk}-{result.tallied_at:%Y%m%d%H%M%S%f}/{name}"
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(build()))
    with default_storage.open(path, "rb") as stored:
        return stored.read()


def election_trackers_file(*, election: Election) -> bytes:
    """Every cast ballot's tracker, sorted by value (never in the order cast), one per line
    (R2, issue 12). Built live: during the vote the list grows."""
    trackers = election.cast_ballots.order_by("tracker").values_list("tracker", flat=True)
    return "".join(f"{t}\n" for t in trackers).encode()


def election_ballots_file(*, election: Election, fmt: str) -> bytes:
    """The anonymous sealed ballots in a random order (R2), as JSON (what `manage.py
    recount` reads) or CSV (one row per ballot and position)."""

    def build() -> bytes:
        data = anonymous_ballots_export(election_id=election.pk)
        if fmt == "json":
            return json.dumps(data, ensure_ascii=False).encode()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["position_id", "candidate_ids"])
        for number, ballot in enumerate(data["ballots"], start=1):
            for position_id, chosen in sorted(ballot.items()):
                writer.writerow([f"{number}:{position_id}", " ".join(str(c) for c in chosen)])
        return buffer.getvalue().encode()

    return _stored_file(election=election, name=f"ballots.{fmt}", build=build)
