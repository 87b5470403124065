"""Writing to the audit log. Other services call `audit_record` inside their transaction."""

import json
import re

from django.db import models, transaction
from django.utils import timezone

from .hashing import entry_digest
from .models import AuditEntry, AuditHead

MAX_PAYLOAD_BYTES = 4096

# The log must never hold a secret or a ballot choice: refuse keys that look like one.
_FORBIDDEN_KEY = re.compile(
    r"(^|_)(password|passwd|otp|token|secret|pin|code|captcha|choices?|selections?|ballot_content)($|_)",
    re.I,
)
# "national_code" identifies a person and is allowed; it is not a secret.
_ALLOWED_KEYS = {"national_code", "election_code", "receipt_count"}


class AuditPayloadError(ValueError):
    """The payload holds a forbidden key, a non-JSON value, or is too large."""


def _check_payload(payload, path="payload"):
    if isinstance(payload, dict):
        for key, value in payload.items():
            if not isinstance(key, str):
                raise AuditPayloadError(f"{path}: keys must be strings")
            if key not in _ALLOWED_KEYS and _FORBIDDEN_KEY.search(key):
                raise AuditPayloadError(f"{path}.{key}: secrets and ballot choices never go in the audit log")
            _check_payload(value, f"{path}.{key}")
    elif isinstance(payload, list):
        for index, value in enumerate(payload):
            _check_payload(value, f"{path}[{index}]")


def _target_parts(target) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        return target._meta.label_lower, str(target.pk)
    if isinstance(target, tuple) and len(target) == 2:
        return str(target[0]), str(target[1])
    raise AuditPayloadError("target must be a model instance, a (type, id) pair or None")


@transaction.atomic
def audit_record(*, actor=None, action: str, target=None, payload: dict | None = None) -> AuditEntry:
    """Append one entry to the chain. Call it inside the transaction of the change it
    records, so the entry and the change commit or roll back together."""
    payload = dict(payload or {})
    _check_payload(payload)
    try:
        size = len(json.dumps(payload, ensure_ascii=False).encode("utf-8"))
    except TypeError as exc:
        raise AuditPayloadError(f"payload is not JSON-serialisable: {exc}") from exc
    if size > MAX_PAYLOAD_BYTES:
        raise AuditPayloadError(f"payload is {size} bytes; the limit is {MAX_PAYLOAD_BYTES}")
    target_type, target_id = _target_parts(target)

    head, _ = AuditHead.objects.get_or_create(pk=1)
    head = AuditHead.objects.select_for_update().get(pk=1)
    fields = {
        "seq": head.seq + 1,
        "created_at": timezone.now(),
        "actor_id": getattr(actor, "pk", None),
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "payload": payload,
        "prev_hash": head.entry_hash,
    }
    entry = AuditEntry.objects.create(**fields, entry_hash=entry_digest(fields))
    AuditHead.objects.filter(pk=1).update(seq=entry.seq, entry_hash=entry.entry_hash)
    return entry
