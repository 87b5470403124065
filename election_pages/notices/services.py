"""Election notices to members (issue 6, «Notifications»): writes.

Three kinds, each switchable per election (`Election.has_*_notice`):
- announcement, when voting opens (scheduled or manual `open`);
- reminder, `reminder_hours_before_close` hours before the end, to approved members who
  have not voted (started by the beat scheduler, `elections_schedule_run`);
- results notice, when the results are published.

A run is planned once per (election, kind) — a unique constraint — with the association's
approved members at that moment, then sent in chunks of `NOTIFICATION_CHUNK_SIZE` member ids
through Celery. For each member one transaction inserts the recipient row (unique per run
and member) and queues the messages (`otp_delivery.services.message_queue`): a retried or
duplicated chunk meets the row and skips the member, so nobody gets a notice twice. The
voter check happens there, at send time, not when the run is planned. Messages go by email
and/or SMS as the association chose (`Association.notification_channels`). Texts hold the
election's title, Jalali dates and a link; never a secret. Audit entries carry kind and
counts only.
"""

import logging

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cms_site.audit.services import audit_record
from cms_site.common.jalali import format_date, format_time
from cms_site.common.queueing import task_enqueue
from election_pages.lifecycle.models import Election, ElectionState
from election_pages.voting.models import Participation
from member_workflow.models import Member
from member_workflow.selectors import membership_is_approved
from otp_delivery.services import message_queue, otp_records_purge

from .models import NotificationKind, NotificationRecipient, NotificationRun, NotificationRunState, RecipientOutcome
from .selectors import (
    election_notice_link,
    elections_due_for_reminder,
    notification_eligible_member_ids,
    notification_run_counts,
)

logger = logging.getLogger(__name__)

SWITCHES = {
    NotificationKind.ANNOUNCEMENT: "has_announcement_notice",
    NotificationKind.REMINDER: "has_reminder_notice",
    NotificationKind.RESULTS: "has_results_notice",
}


def notice_is_due(*, election: Election, kind: str, now=None) -> bool:
    """Is this notice still meaningful now? An announcement or a reminder only while
    voting is open; a results notice once the results are public."""
    now = now or timezone.now()
    if not getattr(election, SWITCHES[kind]):
        return False
    if kind == NotificationKind.RESULTS:
        return election.state in (ElectionState.PUBLISHED, ElectionState.ARCHIVED)
    return election.state == ElectionState.OPEN and now < election.voting_ends_at


# ------------------------------------------------------------------ triggers


def notice_announcement_start(*, election_id: int) -> None:
    """The `open` transition's after-commit effect (election_pages.hooks): plan the
    announcement. The lifecycle service runs it once the transition has committed."""
    _run_start_enqueue(election_id, NotificationKind.ANNOUNCEMENT)


def notice_results_start(*, election_id: int) -> None:
    """The `publish_results` transition's after-commit effect: plan the results notice."""
    _run_start_enqueue(election_id, NotificationKind.RESULTS)


# Tasks are queued by name: the tasks module imports this one, never the reverse.
def _run_start_enqueue(election_id: int, kind: str) -> None:
    task_enqueue("election_pages.notices.tasks.notification_run_start_task", election_id, kind)


def _chunk_enqueue(run_id: int, member_ids: list[int]) -> None:
    task_enqueue("election_pages.notices.tasks.notification_chunk_send_task", run_id, member_ids)


# ------------------------------------------------------------------ planning


def notice_recipients_erase(*, election: Election, actor=None) -> dict:
    """The archive transition's effect (registered in ElectionPagesConfig.ready()), inside
    its transaction: erase who was sent which notice of `election` (a reminder's recipients
    are who had not voted yet) and the records of those messages. The runs keep their plan.
    Returns the counts erased under "erased" (they join the audit entry)."""
    recipients = NotificationRecipient.objects.filter(run__election=election)
    notices = [
        pk for pair in recipients.values_list("email_delivery_id", "sms_delivery_id") for pk in pair if pk is not None
    ]
    erased = otp_records_purge(delivery_ids=notices)
    erased["notice_recipients"] = recipients.delete()[0]
    return {"erased": erased}


@transaction.atomic
def notification_run_start(*, election_id: int, kind: str, now=None) -> NotificationRun | None:
    """Plan the notice `kind` of the election and queue its chunks. Idempotent: a second
    call (retry, double trigger, two workers at once) finds the run and does nothing.
    Returns the run, or None when the notice is switched off or no longer due."""
    if kind not in SWITCHES:
        raise ValueError(f"unknown notification kind {kind!r}")
    now = now or timezone.now()
    election = Election.objects.select_for_update().select_related("association").get(pk=election_id)
    existing = NotificationRun.objects.filter(election=election, kind=kind).first()
    if existing is not None:
        return existing
    if not notice_is_due(election=election, kind=kind, now=now):
        return None
    member_ids = notification_eligible_member_ids(election=election, kind=kind)
    size = max(1, int(settings.NOTIFICATION_CHUNK_SIZE))
    chunks = [member_ids[i : i + size] for i in range(0, len(member_ids), size)]
    try:
        with transaction.atomic():
            run = NotificationRun.objects.create(
                election=election,
                kind=kind,
                channels=election.association.notification_channels,
                planned=len(member_ids),
                chunks=len(chunks),
            )
    except IntegrityError:
        # Another planner won the race (possible where the election lock is not enough).
        return NotificationRun.objects.get(election=election, kind=kind)
    audit_record(
        actor=None,
        action="notification.run_start",
        target=election,
        payload={
            "run_id": run.pk,
            "kind": kind,
            "planned": run.planned,
            "chunks": run.chunks,
            "channels": run.channels,
        },
    )
    if not member_ids:
        _run_finish(run=run, now=now)
        return run
    # The chunks join the task outbox in this transaction: published once it commits.
    for chunk in chunks:
        _chunk_enqueue(run.pk, chunk)
    return run


def notifications_reminders_start(*, now=None) -> list[int]:
    """Beat (every minute, from `elections_schedule_run`): start the reminder of each open
    election whose close minus its lead time has been reached. Returns the election ids."""
    now = now or timezone.now()
    started = []
    for election_id in elections_due_for_reminder(now=now):
        try:
            run = notification_run_start(election_id=election_id, kind=NotificationKind.REMINDER, now=now)
        except DatabaseError:
            # One election's trouble must not stop the others; the next minute tries again.
            logger.exception("notification.reminder_start_failed", extra={"election_id": election_id})
            continue
        if run is not None:
            started.append(election_id)
    return started


# ------------------------------------------------------------------ sending


def notification_chunk_send(*, run_id: int, member_ids: list[int], now=None) -> dict:
    """Send one chunk of a run. Each member in their own transaction: insert the recipient
    row (unique per run and member), decide, queue the messages. A member who already has
    a row (retry, duplicate chunk, concurrent worker) is skipped. Returns counts."""
    run = NotificationRun.objects.select_related("election__association").get(pk=run_id)
    done = {"processed": 0, "already": 0}
    for member_id in member_ids:
        if _member_notify(run=run, member_id=member_id, now=now):
            done["processed"] += 1
        else:
            done["already"] += 1
    notification_run_finish_if_complete(run_id=run_id)
    return done


def _member_notify(*, run: NotificationRun, member_id: int, now=None) -> bool:
    """False when the member already had a row for this run (nothing done)."""

    with transaction.atomic():
        try:
            with transaction.atomic():  # only the duplicate insert is "already done"
                recipient = NotificationRecipient.objects.create(
                    run=run, member_id=member_id, outcome=RecipientOutcome.SKIPPED_OFF
                )
        except IntegrityError:
            return False
        # The election as it is now (switched off? closed?), read inside this transaction.
        election = Election.objects.select_related("association").get(pk=run.election_id)
        member = Member.objects.get(pk=member_id)
        recipient.outcome = _outcome(run=run, election=election, member=member, now=now)
        if recipient.outcome == RecipientOutcome.QUEUED:
            _messages_queue(recipient=recipient, run=run, election=election, member=member)
            if recipient.email_delivery_id is None and recipient.sms_delivery_id is None:
                recipient.outcome = RecipientOutcome.SKIPPED_NO_CHANNEL
        recipient.save(update_fields=["outcome", "email_delivery", "sms_delivery"])
    return True


def _outcome(*, run: NotificationRun, election: Election, member, now=None) -> str:

    if not notice_is_due(election=election, kind=run.kind, now=now):
        return RecipientOutcome.SKIPPED_OFF
    if not member.is_active or not membership_is_approved(member=member, association=election.association):
        return RecipientOutcome.SKIPPED_INELIGIBLE
    # Checked here, at send time: someone who voted after the run was planned is spared.
    if (
        run.kind == NotificationKind.REMINDER
        and Participation.objects.filter(election=election, member=member).exists()
    ):
        return RecipientOutcome.SKIPPED_VOTED
    return RecipientOutcome.QUEUED


def _channels(run: NotificationRun) -> tuple[str, ...]:
    return {"email": ("email",), "sms": ("sms",), "both": ("email", "sms")}.get(run.channels, ("email",))


def _messages_queue(*, recipient: NotificationRecipient, run: NotificationRun, election: Election, member) -> None:
    for channel in _channels(run):
        address = (member.email or "").strip() if channel == "email" else (member.mobile or "").strip()
        if not address:
            continue
        subject, text = notice_text(election=election, kind=run.kind, channel=channel)
        delivery = message_queue(
            channel=channel,
            recipient=address,
            text=text,
            subject=subject,
            member=member,
            action="notification.message_queue",
        )
        setattr(recipient, f"{channel}_delivery", delivery)


def notice_text(*, election: Election, kind: str, channel: str) -> tuple[str, str]:
    """(subject, body) of a notice, in Persian (the project keeps no member language).
    Election title, Jalali date and time of the end, and the link; never a secret."""
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "title": election.title,
            "association": election.association.name,
            "end_date": format_date(election.voting_ends_at),
            "end_time": format_time(election.voting_ends_at),
            "link": election_notice_link(election=election, kind=kind),
        }
        if kind == NotificationKind.ANNOUNCEMENT:
            subject = _("آغاز رای‌گیری: %(title)s") % values
            body = (
                _(
                    "رای‌گیری «%(title)s» (%(association)s) آغاز شد و تا %(end_date)s ساعت %(end_time)s ادامه دارد. "
                    "برای شرکت در انتخابات: %(link)s"
                )
                % values
            )
        elif kind == NotificationKind.REMINDER:
            subject = _("یادآوری: رای‌گیری «%(title)s» به زودی پایان می‌یابد") % values
            body = (
                _(
                    "یادآوری: رای‌گیری «%(title)s» (%(association)s) در %(end_date)s ساعت %(end_time)s پایان می‌یابد "
                    "و رای شما هنوز ثبت نشده است. برای شرکت در انتخابات: %(link)s"
                )
                % values
            )
        else:
            subject = _("اعلام نتایج: %(title)s") % values
            body = _("نتایج انتخابات «%(title)s» (%(association)s) اعلام شد: %(link)s") % values
    if channel == "email":
        body = body + "\n\n" + _("این پیام به طور خودکار از سامانه انتخابات فرستاده شده است؛ به آن پاسخ ندهید.")
    return subject, body


@transaction.atomic
def notification_run_finish_if_complete(*, run_id: int) -> NotificationRun:
    """Mark the run done once every planned member has a row, and audit its counts once."""
    run = NotificationRun.objects.select_for_update().get(pk=run_id)
    if run.state != NotificationRunState.SENDING:
        return run
    if run.recipients.count() >= run.planned:
        _run_finish(run=run, now=timezone.now())
    return run


def _run_finish(*, run: NotificationRun, now) -> None:
    run.finish(at=now)
    run.save()
    counts = notification_run_counts(run_ids=[run.pk]).get(run.pk, {})
    audit_record(
        actor=None,
        action="notification.run_done",
        target=run.election,
        payload={
            "run_id": run.pk,
            "kind": run.kind,
            "planned": run.planned,
            **{key: counts.get(key, 0) for key in (*RecipientOutcome.values, "messages")},
        },
    )
