"""Demo of the voting journey: demo voters get a mobile (so all three channels work) and
the command prints where to vote and where the codes arrive. Idempotent."""

from member_workflow.models import Member


def demo_voting_prepare(*, national_codes: list[str]) -> list[str]:
    """Give each demo voter without a mobile a demo number (09120009000 + n). Returns the
    mobiles, in the order of `national_codes`."""
    mobiles = []
    for index, code in enumerate(national_codes):
        member = Member.objects.filter(username=code).first()
        if member is None:
            continue
        if not member.mobile:
            mobile = f"0912000{9000 + index:04d}"
            if not Member.objects.filter(mobile=mobile).exclude(pk=member.pk).exists():
                Member.objects.filter(pk=member.pk).update(mobile=mobile)
                member.mobile = mobile
        mobiles.append(member.mobile or "")
    return mobiles
