"""Archive and retention (A3 published → archived, issue 6).

What archiving keeps: the stored result (`ElectionResult`), the sealed ballots with their
receipts (so the receipts board, the anonymous-ballot exports and `manage.py recount` keep
working), the participations (the register of who voted, as on paper) and the audit trail.

What it erases, in the same transaction as the transition, through the effects the archive
transition declares (each concern erases its own: election_pages.voting.archive and
election_pages.notices.services): the election's ballot sessions (who started voting when,
on which channel), their one-time-code requests, the records of the messages that carried
the codes, and who was sent which notice (the notice runs keep their plan; the audit entry
of the archive keeps the counts). Selections were already erased at confirmation or expiry.

When: an election can be archived once `ELECTION_RETENTION_DAYS` have passed since the end
of voting (the guard `retention_passed`), by an editor («بایگانی») or by the daily
retention sweep, which also erases every finished message record (codes, password messages,
notices) and code request older than `DELIVERY_RETENTION_DAYS`, and expired web sessions.
"""

import datetime
import logging
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition

from cms_site.audit.services import audit_record
from otp_delivery.services import otp_records_purge

from .models import Election, ElectionState
from .services import ElectionTransitionError, election_transition

logger = logging.getLogger(__name__)


def retention_sweep(*, now=None) -> dict:
    """The daily job (CELERY_BEAT_SCHEDULE): archive published elections whose retention
    period has passed, then erase old message records and expired web sessions. Safe to run
    twice or concurrently: each archive locks and re-checks the election."""
    now = now or timezone.now()
    ended_before = now - datetime.timedelta(days=settings.ELECTION_RETENTION_DAYS)
    archived = []
    due = Election.objects.filter(state=ElectionState.PUBLISHED, voting_ends_at__lte=ended_before)
    for election_id in list(due.values_list("pk", flat=True)):
        try:
            election_transition(election_id=election_id, transition="archive", actor=None)
        except (ElectionTransitionError, ConcurrentTransition) as error:
            logger.warning("election.archive_refused", extra={"election_id": election_id, "why": str(error)})
            continue
        archived.append(election_id)
    before = now - datetime.timedelta(days=settings.DELIVERY_RETENTION_DAYS)
    with transaction.atomic():
        erased = otp_records_purge(before=before)
        if any(erased.values()):
            audit_record(actor=None, action="retention.sweep", target=None, payload=dict(erased))
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return {"archived": archived, **erased}
