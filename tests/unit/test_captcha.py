"""The «کد امنیتی» field: image backend offline (default), reCAPTCHA failing safely."""

import socket

import pytest
from django import forms

from cms_site.common.captcha import CAPTCHA_UNAVAILABLE, CaptchaFormMixin
from tests.conftest import captcha_answer

pytestmark = pytest.mark.django_db

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


class NationalCodeCheckForm(CaptchaFormMixin, forms.Form):
    national_code = forms.CharField()


def _image_form_data(answer_transform=lambda a: a):
    html = NationalCodeCheckForm().as_p()
    key, answer = captcha_answer(html)
    return {"national_code": "0012345679", "captcha_0": key, "captcha_1": answer_transform(answer)}, answer


def test_image_backend_is_the_default_with_a_five_digit_numeric_challenge(settings):
    assert settings.CAPTCHA_BACKEND == "image"
    _, answer = _image_form_data()
    assert len(answer) == 5 and answer.isdigit()


def test_image_captcha_renders_an_image_and_a_persian_label():
    html = NationalCodeCheckForm().as_p()
    assert "کد امنیتی" in html
    assert '<img src="/captcha/image/' in html


def test_image_captcha_accepts_the_right_answer():
    data, _ = _image_form_data()
    assert NationalCodeCheckForm(data=data).is_valid()


def test_image_captcha_accepts_persian_digits():
    data, _ = _image_form_data(lambda a: a.translate(PERSIAN))
    assert NationalCodeCheckForm(data=data).is_valid()


def test_image_captcha_rejects_a_wrong_answer_with_a_persian_message():
    data, answer = _image_form_data(lambda a: "00000" if a != "00000" else "11111")
    form = NationalCodeCheckForm(data=data)
    assert not form.is_valid()
    assert "کد امنیتی درست نیست" in form.errors["captcha"][0]


def test_image_captcha_cannot_be_reused():
    data, _ = _image_form_data()
    assert NationalCodeCheckForm(data=data).is_valid()
    assert not NationalCodeCheckForm(data=data).is_valid()


def test_image_captcha_image_is_served(client):
    html = NationalCodeCheckForm().as_p()
    key, _ = captcha_answer(html)
    response = client.get(f"/captcha/image/{key}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def recaptcha_offline(settings):
    settings.CAPTCHA_BACKEND = "recaptcha"
    settings.RECAPTCHA_PUBLIC_KEY = "public-key-for-tests"
    settings.RECAPTCHA_PRIVATE_KEY = "private-key-for-tests"
    # Nothing listens there: the same failure as a machine with no route to Google.
    settings.RECAPTCHA_DOMAIN = f"127.0.0.1:{_closed_port()}"
    settings.RECAPTCHA_VERIFY_REQUEST_TIMEOUT = 2


def test_recaptcha_backend_is_chosen_by_the_setting(recaptcha_offline):
    html = NationalCodeCheckForm().as_p()
    assert "g-recaptcha" in html
    assert "captcha_0" not in html


def test_recaptcha_network_failure_is_a_form_error_not_a_500(recaptcha_offline):
    form = NationalCodeCheckForm(data={"national_code": "0012345679", "g-recaptcha-response": "token"})
    assert not form.is_valid()
    assert form.errors["captcha"] == [str(CAPTCHA_UNAVAILABLE)]


def test_recaptcha_without_keys_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.CAPTCHA_BACKEND = "recaptcha"
    settings.RECAPTCHA_PUBLIC_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        NationalCodeCheckForm()
