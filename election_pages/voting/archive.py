"""The voting concern's part of archiving (A3 published → archived, see
election_pages.lifecycle.archive): who started voting when, on which channel, their code
requests and the messages that carried the codes. Sealed ballots, receipts and
participations are kept."""

from otp_delivery.services import otp_records_purge

from .models import BallotSession


def ballot_sessions_erase(*, election, actor=None) -> dict:
    """The archive transition's effect (registered in ElectionPagesConfig.ready()), inside
    its transaction. Returns the counts erased under "erased" (they join the audit entry)."""
    sessions = BallotSession.objects.filter(election=election)
    refs = [f"ballot:{pk}" for pk in sessions.values_list("pk", flat=True)]
    erased = otp_records_purge(purpose_refs=refs)
    erased["ballot_sessions"] = sessions.delete()[0]
    return {"erased": erased}
