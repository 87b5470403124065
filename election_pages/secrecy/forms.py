"""Forms of the supervisors' pages and the admin's supervision page (issue 12)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cms_site.common.digits import normalize_digits


class SupervisorKeyForm(forms.Form):
    public_key = forms.CharField(
        label=_("کلید عمومی شخصی (خروجی ابزار ناظر)"),
        max_length=200,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off", "spellcheck": "false"}),
    )


class SupervisorsForm(forms.Form):
    usernames = forms.CharField(
        label=_("اعضای هیئت نظارت (کد ملی یا نام کاربری، هر کدام در یک سطر)"),
        widget=forms.Textarea(attrs={"rows": 4, "dir": "ltr"}),
    )
    threshold = forms.IntegerField(label=_("حد نصاب برای گشودن آرا (k از n)"), min_value=1, max_value=16, initial=2)

    def clean_usernames(self):
        return [normalize_digits(line).strip() for line in self.cleaned_data["usernames"].splitlines() if line.strip()]


class UnsealForm(forms.Form):
    """One field per supervisor seat; the phrases are never stored or logged."""

    def __init__(self, *args, seats: int, **kwargs):
        super().__init__(*args, **kwargs)
        for index in range(seats):
            self.fields[f"share_{index}"] = forms.CharField(
                label=_("سهم ناظر %(n)s") % {"n": index + 1},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr", "autocomplete": "off", "spellcheck": "false"}),
            )

    def phrases(self) -> list[str]:
        return [v for k, v in sorted(self.cleaned_data.items()) if k.startswith("share_") and v.strip()]
