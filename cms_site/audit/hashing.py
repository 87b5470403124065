"""The canonical form an audit entry's hash is computed over."""

import hashlib
import json

# The entry fields covered by its hash, in the order they are read back for verification.
HASHED_FIELDS = ("seq", "created_at", "actor_id", "action", "target_type", "target_id", "payload", "prev_hash")


def entry_digest(fields: dict) -> str:
    """SHA-256 over the canonical JSON of the hashed fields (`created_at` as ISO 8601)."""
    canonical = {name: fields[name] for name in HASHED_FIELDS}
    canonical["created_at"] = fields["created_at"].isoformat(timespec="microseconds")
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
