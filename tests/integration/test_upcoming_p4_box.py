"""SPEC P3 + P4: the upcoming-elections page carries the «بررسی کد ملی» box, and it works."""

import pytest

from tests.conftest import captcha_answer
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _upcoming_url():
    from election_pages.pages.models import ElectionIndexPage

    return ElectionIndexPage.objects.get(locale__language_code="fa").url


def test_p4_box_is_on_the_upcoming_elections_page_with_a_fresh_captcha(client, portal):
    first = client.get(_upcoming_url()).content.decode()
    assert "بررسی کد ملی" in first and 'action="/accounts/check/"' in first
    second = client.get(_upcoming_url()).content.decode()
    assert captcha_answer(first)[0] != captcha_answer(second)[0]  # never served from a cache


def test_p4_box_posts_to_the_check_and_finds_an_existing_member(client, portal):
    member = MemberFactory()
    key, answer = captcha_answer(client.get(_upcoming_url()).content.decode())
    response = client.post(
        "/accounts/check/", {"national_code": member.national_code, "captcha_0": key, "captcha_1": answer}, follow=True
    )
    assert response.status_code == 200
    assert "کلمه عبور خود را فراموش کرده ام" in response.content.decode()
