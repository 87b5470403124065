"""The third channel's handler in the members app's inbound SMS dispatcher (V5): a 4-digit
code from the registered mobile of a voter whose ballot waits for it marks that ballot's
code as received; the voter's review page (polling) then seals it.
A code from any other number matches nothing and is ignored."""

import re

from member_workflow.services.inbound_sms import InboundMessage, InboundResult, inbound_sms_handler_register

_VOTE_CODE = re.compile(r"^\d{4}$")


def vote_confirmation_handler(message: InboundMessage) -> InboundResult | None:
    if not _VOTE_CODE.match(message.text):
        return None
    from .services import ballot_inbound_code_accept

    outcome = ballot_inbound_code_accept(sender_mobile=message.sender, code=message.text)
    if outcome is None:
        return None
    return InboundResult(handler="vote_confirmation", outcome=outcome)


inbound_sms_handler_register(name="vote_confirmation", handler=vote_confirmation_handler)
