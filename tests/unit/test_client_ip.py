"""Rate limits and the login guard see the real client behind the documented proxy
(docs/operations.md «Proxy»; the journey benchmark found every voter sharing the proxy's
address before this)."""

import pytest
from django.test import RequestFactory, override_settings

from member_workflow.throttling import client_ip


def _request(remote="10.0.0.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_without_a_proxy_the_socket_peer_is_the_client_and_the_header_is_ignored():
    assert client_ip(_request(remote="5.6.7.8", forwarded="1.2.3.4")) == "5.6.7.8"


@override_settings(TRUSTED_PROXY_COUNT=1)
@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),  # nginx appended the client
        ("6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the client's own claim before it is ignored
        ("2001:db8::1", "2001:db8::1"),
        ("not-an-address", "10.0.0.1"),  # malformed: fall back to the socket peer
        (None, "10.0.0.1"),  # no header: the socket peer
    ],
)
def test_behind_one_proxy_the_last_forwarded_entry_is_the_client(forwarded, expected):
    assert client_ip(_request(forwarded=forwarded)) == expected


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_behind_two_proxies_the_second_entry_from_the_end_is_the_client():
    assert client_ip(_request(forwarded="6.6.6.6, 198.51.100.9, 10.1.1.1")) == "198.51.100.9"


@pytest.mark.django_db
def test_the_login_guard_uses_the_same_address(settings):
    from member_workflow.login_pages import login_guarded
    from member_workflow.models import LoginThrottle

    settings.TRUSTED_PROXY_COUNT = 1
    request = _request(forwarded="6.6.6.6, 203.0.113.7")
    request.session = {}
    assert login_guarded(request, national_code="0012345679", password="wrong") is None
    assert LoginThrottle.objects.get(address="203.0.113.7", national_code="0012345679").failures == 1
    assert not LoginThrottle.objects.filter(address__in=["6.6.6.6", "10.0.0.1"]).exists()
