"""The canonical form an audit entry's hash is computed over."""

import hashlib
import json


def entry_digest(*, seq, created_at, actor_id, action, target_type, target_id, payload, prev_hash) -> str:
    canonical = json.dumps(
        {
            "seq": seq,
            "created_at": created_at.isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "action": action,
            "target_type": target_type,
            "target_id": target_id,
            "payload": payload,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
