"""The stored result of a tally (SPEC R1). One row per election, written only by
`election_pages.results.election_tally`; publishing reveals it, archiving keeps it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ElectionResult(models.Model):
    election = models.OneToOneField(
        "election_pages.Election", verbose_name=_("انتخابات"), on_delete=models.PROTECT, related_name="result"
    )
    tallied_at = models.DateTimeField(_("زمان شمارش"))
    ballots = models.PositiveIntegerField(_("تعداد آرا"))
    approved_members = models.PositiveIntegerField(_("اعضای تأیید شده هنگام شمارش"))
    # {"<position id>": {"name", "seats", "blank", "candidates": [{"id", "name", "election_code",
    #   "votes", "is_elected", "is_tied"}], "tied_seats"}} — names frozen as they were at the tally.
    positions = models.JSONField(_("نتایج سمت‌ها"))
    has_ties = models.BooleanField(_("تساوی در مرز کرسی"), default=False)
    audit_head_hash = models.CharField(_("هش آخرین رخداد گزارش هنگام شمارش"), max_length=64)

    class Meta:
        verbose_name = _("نتیجه انتخابات")
        verbose_name_plural = _("نتایج انتخابات")

    def __str__(self):
        return f"{self.election} — {self.ballots}"
