"""Admin forms for elections and candidates: the A3 lock (no change after voting opens)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

LOCKED_MESSAGE = _(
    "رای‌گیری این انتخابات آغاز شده است؛ سمت‌ها، سقف انتخاب و فهرست نامزدها دیگر قابل تغییر نیستند "
    "تا برگه رای همان باشد که رای‌دهندگان دیده‌اند."
)


class ElectionAdminForm(WagtailAdminModelForm):
    """Positions are edited inline; once the election is open nothing on the ballot changes."""

    def clean(self):
        cleaned = super().clean()
        election = self.instance
        if election.pk and election.is_locked:
            changed_fields = set(self.changed_data) & {"association", "voting_starts_at", "voting_ends_at"}
            positions_changed = any(formset.has_changed() for formset in self.formsets.values())
            if changed_fields or positions_changed:
                raise ValidationError(LOCKED_MESSAGE)
        return cleaned


class CandidateAdminForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        positions = [self.cleaned_data.get("position")]
        if self.instance.pk and self.instance.position_id:
            positions.append(self.instance.position)
        for position in positions:
            if position is not None and position.election.is_locked:
                raise ValidationError(LOCKED_MESSAGE)
        return cleaned


class ElectionTransitionForm(forms.Form):
    """The confirmation step of an admin transition; some transitions need a reason."""

    reason = forms.CharField(label=_("دلیل"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, needs_reason: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = needs_reason
