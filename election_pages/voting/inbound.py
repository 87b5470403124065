"""The third channel's handler in the members app's inbound SMS dispatcher (V5): a 4-digit
code from the registered mobile of a voter whose ballot waits for it marks that ballot's
code as received; the voter's review page (polling) then seals it.
A code from any other number matches nothing and is ignored.
Registered with the dispatcher by `ElectionPagesConfig.ready()`."""

import re

from member_workflow.services.inbound_sms import InboundMessage, InboundResult

from .services import ballot_inbound_code_accept

_VOTE_CODE = re.compile(r"^\d{4}$")


def vote_confirmation_handler(message: InboundMessage) -> InboundResult | None:
    if not _VOTE_CODE.match(message.text):
        return None
    outcome = ballot_inbound_code_accept(sender_mobile=message.sender, code=message.text)
    if outcome is None:
        return None
    return InboundResult(handler="vote_confirmation", outcome=outcome)
