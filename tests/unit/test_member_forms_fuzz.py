"""No 500s: every public member form survives empty, huge, mixed-script and wrong-format
input — cleaning never raises, and every error is a message (property-based)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from member_workflow import forms

pytestmark = pytest.mark.django_db

TEXT = st.one_of(
    st.text(max_size=50),
    st.text(alphabet="۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩0123456789 -+@.abcالف", max_size=30),
    st.just("x" * 5000),
    st.just(""),
)

FORMS = {
    forms.RegistrationForm: ["national_code", "first_name", "last_name", "mobile", "email", "password1", "password2"],
    forms.LoginForm: ["username", "password"],
    forms.ForgotPasswordForm: ["national_code", "option"],
    forms.MembershipStatusForm: ["national_code"],
    forms.NationalCodeCheckForm: ["national_code"],
    forms.ContactForm: ["email", "mobile"],
}


@pytest.mark.parametrize("form_class", list(FORMS))
def test_forms_never_raise_on_arbitrary_input(form_class):
    fields = FORMS[form_class]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.fixed_dictionaries({name: TEXT for name in fields}))
    def check(data):
        form = form_class(data={**data, "captcha_0": "x", "captcha_1": "1"})
        assert form.is_valid() is False or form_class is forms.ContactForm
        for errors in form.errors.values():
            assert all(str(message).strip() for message in errors)

    check()
