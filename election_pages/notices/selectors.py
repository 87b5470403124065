"""Election notices to members (issue 6): reads — who is planned, which elections are due
for a reminder, the links in the messages, and the progress shown in the admin."""

import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone, translation

from election_pages.lifecycle.models import REMINDER_MAX_HOURS, Election, ElectionState
from member_workflow.models import Member, MembershipState

from .models import NotificationKind, NotificationRecipient, NotificationRun, RecipientOutcome

SENT_STATES = ("sent", "delivered")


def notification_eligible_member_ids(*, election: Election, kind: str) -> list[int]:
    """The members a run is planned for: active, approved members of the election's own
    association (never another's), by id. For a reminder, those who have voted by now are
    left out (the chunk checks again at send time)."""

    members = Member.objects.filter(
        is_active=True,
        memberships__association_id=election.association_id,
        memberships__state=MembershipState.APPROVED,
    )
    if kind == NotificationKind.REMINDER:
        members = members.exclude(participations__election=election)
    return list(members.order_by("pk").values_list("pk", flat=True).distinct())


def elections_due_for_reminder(*, now=None) -> list[int]:
    """Open elections with the reminder on, not yet reminded, whose close minus the lead
    time has been reached (and whose close has not)."""
    now = now or timezone.now()
    candidates = (
        Election.objects.filter(
            state=ElectionState.OPEN,
            has_reminder_notice=True,
            voting_ends_at__gt=now,
            voting_ends_at__lte=now + datetime.timedelta(hours=REMINDER_MAX_HOURS),
        )
        .exclude(notification_runs__kind=NotificationKind.REMINDER)
        .values_list("pk", "voting_ends_at", "reminder_hours_before_close")
    )
    return [pk for pk, ends_at, hours in candidates if ends_at - datetime.timedelta(hours=hours) <= now]


def election_notice_link(*, election: Election, kind: str) -> str:
    """Absolute link for a notice: the election's Persian page (its «شرکت در انتخابات» view
    for announcement and reminder), or the results page. `PORTAL_BASE_URL` is the origin."""
    base = settings.PORTAL_BASE_URL.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        if kind == NotificationKind.RESULTS:
            return base + reverse("election_results", args=[election.pk])
        # Through the reverse relation: notices never import the page types.
        pages = election.pages.live()
        page = pages.filter(locale__language_code=settings.LANGUAGE_CODE).first() or pages.first()
        if page is None:
            return base + "/"
        path = page.get_url_parts()[2] if page.get_url_parts() else page.url_path
        return base + path.rstrip("/") + "/participate/"


def notification_run_counts(*, run_ids) -> dict[int, dict[str, int]]:
    """Per run: members by outcome, and messages queued / sent / failed / waiting.
    Two queries whatever the number of runs."""
    counts: dict[int, dict[str, int]] = {pk: {} for pk in run_ids}
    rows = NotificationRecipient.objects.filter(run_id__in=run_ids).values("run_id", "outcome").annotate(n=Count("pk"))
    for row in rows:
        counts[row["run_id"]][row["outcome"]] = row["n"]
    messages = (
        NotificationRecipient.objects.filter(run_id__in=run_ids, outcome=RecipientOutcome.QUEUED)
        .values("run_id")
        .annotate(
            messages=Count("email_delivery") + Count("sms_delivery"),
            sent=Count("email_delivery", filter=Q(email_delivery__state__in=SENT_STATES))
            + Count("sms_delivery", filter=Q(sms_delivery__state__in=SENT_STATES)),
            failed=Count("email_delivery", filter=Q(email_delivery__state="failed"))
            + Count("sms_delivery", filter=Q(sms_delivery__state="failed")),
        )
    )
    for row in messages:
        entry = counts[row["run_id"]]
        entry.update(messages=row["messages"], sent=row["sent"], failed=row["failed"])
    for entry in counts.values():
        entry.setdefault("messages", 0)
        entry.setdefault("sent", 0)
        entry.setdefault("failed", 0)
        entry["waiting"] = entry["messages"] - entry["sent"] - entry["failed"]
        entry["processed"] = sum(entry.get(outcome, 0) for outcome in RecipientOutcome.values)
        entry["skipped"] = entry["processed"] - entry.get(RecipientOutcome.QUEUED, 0)
    return counts


def election_notification_progress(*, election: Election) -> list[dict]:
    """For the election's admin page: each kind, switched on or off, and its run's progress
    (members planned, processed, queued, skipped; messages sent, failed, waiting)."""
    runs = {run.kind: run for run in NotificationRun.objects.filter(election=election)}
    counts = notification_run_counts(run_ids=[run.pk for run in runs.values()])
    switches = {
        NotificationKind.ANNOUNCEMENT: election.has_announcement_notice,
        NotificationKind.REMINDER: election.has_reminder_notice,
        NotificationKind.RESULTS: election.has_results_notice,
    }
    rows = []
    for kind, label in NotificationKind.choices:
        run = runs.get(kind)
        rows.append(
            {
                "kind": kind,
                "label": label,
                "is_on": switches[kind],
                "run": run,
                "counts": counts.get(run.pk, {}) if run else {},
            }
        )
    return rows


def elections_notification_summaries(*, election_ids) -> dict[int, list[dict]]:
    """For the elections listing: per election, its runs as (label, processed, planned),
    in two queries for the whole page."""
    runs = list(NotificationRun.objects.filter(election_id__in=election_ids).order_by("pk"))
    counts = notification_run_counts(run_ids=[run.pk for run in runs])
    summaries: dict[int, list[dict]] = {}
    for run in runs:
        summaries.setdefault(run.election_id, []).append(
            {"run": run, "label": run.get_kind_display(), **counts.get(run.pk, {})}
        )
    return summaries
