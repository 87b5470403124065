"""Feed one inbound SMS to the dispatcher, as the gateway's webhook would (operators, demos):

manage.py sms_inbound --from 09121234567 --message "483920"
"""

from django.core.management.base import BaseCommand

from member_workflow.services.inbound_sms import inbound_sms_dispatch


class Command(BaseCommand):
    help = "Dispatch one inbound SMS (sender mobile and text) as if the gateway had posted it."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="sender", required=True, help="sender mobile, e.g. 09121234567")
        parser.add_argument("--message", required=True, help="the message text")

    def handle(self, *args, sender, message, **options):
        result = inbound_sms_dispatch(sender=sender, text=message)
        handler = result.handler or "-"
        self.stdout.write(f"handler={handler} outcome={result.outcome}")
