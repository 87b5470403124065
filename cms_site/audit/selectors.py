"""Reading the audit log, including verification of the hash chain."""

from dataclasses import dataclass

from .hashing import HASHED_FIELDS, entry_digest
from .models import GENESIS_HASH, AuditEntry, AuditHead


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_hash: str
    first_break: ChainBreak | None

    @property
    def is_intact(self) -> bool:
        return self.first_break is None


def audit_chain_verify(*, batch_size: int = 2000) -> ChainReport:
    """Walk the chain in order and report the first entry that is missing, altered or
    not linked to its predecessor. Also checks the stored head against the last entry."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    entries = AuditEntry.objects.order_by("seq").values(*HASHED_FIELDS, "entry_hash")
    for fields in entries.iterator(chunk_size=batch_size):
        seq = fields["seq"]
        if seq != expected_seq:
            return ChainReport(checked, expected_prev, ChainBreak(expected_seq, f"entry #{expected_seq} is missing"))
        if fields["prev_hash"] != expected_prev:
            return ChainReport(checked, expected_prev, ChainBreak(seq, "does not link to the previous entry"))
        if entry_digest(fields) != fields["entry_hash"]:
            return ChainReport(checked, expected_prev, ChainBreak(seq, "content was modified after it was written"))
        expected_prev, expected_seq, checked = fields["entry_hash"], seq + 1, checked + 1

    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != checked or head.entry_hash != expected_prev):
        return ChainReport(checked, expected_prev, ChainBreak(checked + 1, "entries after the last one were removed"))
    return ChainReport(checked, expected_prev, None)
