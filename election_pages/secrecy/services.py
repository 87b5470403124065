"""Supervisors, their personal keys and the key ceremony (issue 12).

The ceremony makes the election's X25519 key pair, splits the private half k-of-n into
SLIP-39 phrases, seals each phrase to one supervisor's personal public key, stores those
sealed shares and the public key, and drops the private key and the phrases. From then on
the server holds no readable share and no private key anywhere: not in the database, the
cache, the broker, the logs or a file. Changing the supervisors or the threshold before the
election opens clears the old shares and runs the ceremony again.
"""

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from cms_site.audit.services import audit_record
from cms_site.common.digits import persian_digits
from election_pages.lifecycle.models import Election, ElectionState
from otp_delivery.services import message_queue

from . import crypto
from .errors import CeremonyError
from .models import ElectionSupervisor, SupervisorKey

logger = logging.getLogger(__name__)

# The states in which the supervisors and the key may still change: before the vote.
CEREMONY_STATES = (ElectionState.DRAFT, ElectionState.ANNOUNCED)
MAX_SUPERVISORS = 16  # SLIP-39's limit for one group


@transaction.atomic
def supervisor_key_register(*, user, public_key: str) -> SupervisorKey:
    """Record (or replace) a person's personal public key. Elections not yet open whose
    ceremony sealed a share to their old key run the ceremony again."""
    try:
        raw = crypto.public_key_parse(public_key)
    except ValueError as exc:
        raise CeremonyError(CeremonyError.BAD_PUBLIC_KEY) from exc
    key, _created = SupervisorKey.objects.update_or_create(
        user=user,
        defaults={
            "public_key": crypto.b64(raw),
            "fingerprint": crypto.fingerprint(raw),
            "registered_at": timezone.now(),
        },
    )
    audit_record(actor=user, action="supervisor.key_register", target=key, payload={"fingerprint": key.fingerprint})
    for election_id in ElectionSupervisor.objects.filter(user=user, election__state__in=CEREMONY_STATES).values_list(
        "election_id", flat=True
    ):
        _ceremony_reset(election_id=election_id, actor=user)
        if _all_keys_registered(election_id):
            key_ceremony_run(election_id=election_id, actor=user)
    return key


@transaction.atomic
def election_supervisors_set(*, election_id: int, usernames: list[str], threshold: int, actor) -> Election:
    """Name the election's supervisors (by username, i.e. national code for members) and
    the threshold k. Before the vote only. Clears any earlier ceremony, and runs it at once
    when every supervisor has a personal key."""
    election = Election.objects.select_for_update().get(pk=election_id)
    if election.state not in CEREMONY_STATES:
        raise CeremonyError(CeremonyError.TOO_LATE)
    names = list(dict.fromkeys(u.strip() for u in usernames if u.strip()))
    users = list(get_user_model().objects.filter(username__in=names))
    missing = sorted(set(names) - {u.username for u in users})
    if missing:
        raise CeremonyError(CeremonyError.UNKNOWN_USER, detail=", ".join(missing))
    if not users or len(users) > MAX_SUPERVISORS:
        raise CeremonyError(CeremonyError.BAD_COUNT)
    if not 1 <= threshold <= len(users):
        raise CeremonyError(CeremonyError.BAD_THRESHOLD)
    ElectionSupervisor.objects.filter(election=election).exclude(user__in=users).delete()
    for user in users:
        ElectionSupervisor.objects.get_or_create(election=election, user=user)
    Election.objects.filter(pk=election.pk).update(supervisor_threshold=threshold)
    audit_record(
        actor=actor,
        action="election.supervisors_set",
        target=election,
        payload={"supervisors": sorted(u.username for u in users), "threshold": threshold},
    )
    _ceremony_reset(election_id=election.pk, actor=actor)
    if _all_keys_registered(election.pk):
        key_ceremony_run(election_id=election.pk, actor=actor)
    election.refresh_from_db()
    return election


def _all_keys_registered(election_id: int) -> bool:
    supervisors = ElectionSupervisor.objects.filter(election_id=election_id)
    return supervisors.exists() and not supervisors.filter(user__supervisor_key__isnull=True).exists()


def _ceremony_reset(*, election_id: int, actor) -> None:
    """Forget an earlier ceremony: shares and public key (only before the vote)."""
    changed = Election.objects.filter(pk=election_id, state__in=CEREMONY_STATES).exclude(public_key="")
    if changed.update(public_key="", key_fingerprint="", key_share_set=None, key_ceremony_at=None):
        audit_record(actor=actor, action="election.key_reset", target=Election(pk=election_id), payload={})
    ElectionSupervisor.objects.filter(election_id=election_id).update(sealed_share=None, share_key_fingerprint="")


@sensitive_variables()  # error reports never show the private key or a phrase
@transaction.atomic
def key_ceremony_run(*, election_id: int, actor) -> Election:
    """Make the election key, split and seal it to the supervisors, forget it."""
    election = Election.objects.select_for_update().get(pk=election_id)
    if election.state not in CEREMONY_STATES:
        raise CeremonyError(CeremonyError.TOO_LATE)
    supervisors = list(ElectionSupervisor.objects.select_for_update().filter(election=election).select_related("user"))
    keys = {k.user_id: k for k in SupervisorKey.objects.filter(user__in=[s.user_id for s in supervisors])}
    if not supervisors or any(s.user_id not in keys for s in supervisors):
        raise CeremonyError(CeremonyError.KEYS_MISSING)
    if not 1 <= election.supervisor_threshold <= len(supervisors):
        raise CeremonyError(CeremonyError.BAD_THRESHOLD)
    private, public = crypto.keypair_new()
    share_set, phrases = crypto.key_split(private, threshold=election.supervisor_threshold, shares=len(supervisors))
    del private
    for supervisor, phrase in zip(supervisors, phrases, strict=True):
        key = keys[supervisor.user_id]
        supervisor.sealed_share = crypto.share_seal(phrase, supervisor_public=crypto.unb64(key.public_key))
        supervisor.share_key_fingerprint = key.fingerprint
        supervisor.save(update_fields=["sealed_share", "share_key_fingerprint"])
    del phrases
    election.public_key = crypto.b64(public)
    election.key_fingerprint = crypto.fingerprint(public)
    election.key_share_set = share_set
    election.key_ceremony_at = timezone.now()
    election.save(update_fields=["public_key", "key_fingerprint", "key_share_set", "key_ceremony_at"])
    audit_record(
        actor=actor,
        action="election.key_ceremony",
        target=election,
        payload={
            "fingerprint": election.key_fingerprint,
            "threshold": election.supervisor_threshold,
            "supervisors": len(supervisors),
        },
    )
    logger.info("key ceremony done", extra={"election_id": election.pk})
    return election


def key_ceremony_warnings_send(*, now=None) -> list[int]:
    """Beat (every minute, from the scheduler's run): tell the association's admins, once
    per election, when an election starts within `KEY_CEREMONY_WARNING_DAYS` and its key
    ceremony is still incomplete (the election cannot open without it). By email to each
    admin with an address; audited. Returns the election ids warned."""
    now = now or timezone.now()
    horizon = now + datetime.timedelta(days=settings.KEY_CEREMONY_WARNING_DAYS)
    due = Election.objects.filter(
        state__in=CEREMONY_STATES, public_key="", key_warning_at__isnull=True, voting_starts_at__lte=horizon
    ).values_list("pk", flat=True)
    warned = []
    for election_id in due:
        try:
            if _key_warning_send(election_id=election_id, now=now):
                warned.append(election_id)
        except DatabaseError:
            logger.exception("key_ceremony.warning_failed", extra={"election_id": election_id})
    return warned


@transaction.atomic
def _key_warning_send(*, election_id: int, now) -> bool:
    election = Election.objects.select_for_update().select_related("association").get(pk=election_id)
    if election.public_key or election.key_warning_at is not None:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("کلید انتخابات «%(title)s» هنوز ساخته نشده است") % {"title": election.title}
        text = _(
            "رای‌گیری «%(title)s» از %(starts)s آغاز می‌شود، اما کلید انتخابات هنوز ساخته نشده است و بدون آن "
            "رای‌گیری آغاز نمی‌شود. در بخش مدیریت، صفحه «هیئت نظارت، کلید و گشودن آرا» را ببینید: هیئت نظارت "
            "را تعیین کنید و از ناظرانی که کلید شخصی ثبت نکرده‌اند بخواهید آن را ثبت کنند."
        ) % {
            "title": election.title,
            "starts": persian_digits(f"{timezone.localtime(election.voting_starts_at):%Y-%m-%d %H:%M}"),
        }
    admins = [a for a in election.association.admins.all() if (a.email or "").strip()]
    for admin in admins:
        message_queue(
            channel="email",
            recipient=admin.email,
            subject=subject,
            text=text,
            member=admin,
            action="election.key_warning",
        )
    election.key_warning_at = now
    election.save(update_fields=["key_warning_at"])
    audit_record(actor=None, action="election.key_warning", target=election, payload={"admins": len(admins)})
    return True
