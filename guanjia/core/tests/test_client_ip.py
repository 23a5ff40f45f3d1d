"""The client address behind reverse proxies (core/throttling.client_ip): X-Forwarded-For is believed
only as far as TRUSTED_PROXIES vouch for it, so a client cannot pick the address it is throttled by."""

import os
import subprocess
import sys

from django.conf import settings
from django.test import RequestFactory

from guanjia.core.throttling import client_ip


def request(peer, forwarded=None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_by_default_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request("198.51.100.7", "1.2.3.4")) == "198.51.100.7"


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_ip(request("198.51.100.7", "10.0.0.1, 1.2.3.4")) == "198.51.100.7"


def test_from_the_trusted_proxy_the_right_most_address_is_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_ip(request("10.0.0.1", "203.0.113.5")) == "203.0.113.5"
    # Whatever the client put in front is not believed: the proxy appended the address it saw.
    assert client_ip(request("10.0.0.1", "192.0.2.1, 192.0.2.2,203.0.113.5")) == "203.0.113.5"


def test_a_chain_of_trusted_proxies_given_as_networks_is_walked_back(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "172.16.0.5", "2001:db8::/32"]
    assert client_ip(request("10.1.2.3", "192.0.2.1, 203.0.113.5, 172.16.0.5, 10.9.9.9")) == "203.0.113.5"
    assert client_ip(request("2001:db8::1", "2001:db9::7")) == "2001:db9::7"
    assert client_ip(request("10.1.2.3", "[2001:db9::8]:4711")) == "2001:db9::8"


def test_a_garbled_hop_stops_the_walk_at_the_last_trusted_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request("10.0.0.1", "not-an-address")) == "10.0.0.1"
    assert client_ip(request("10.0.0.1", "203.0.113.5, junk, 10.0.0.2")) == "10.0.0.2"
    assert client_ip(request("10.0.0.1")) == "10.0.0.1"  # the proxy itself, e.g. a health check


def test_no_peer_address_gives_none(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_ip(request("")) is None


def test_a_bad_trusted_proxies_setting_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    env.update({"GUANJIA_TESTING": "1", "SQLITE_PATH": os.devnull, "TRUSTED_PROXIES": "10.0.0.1, proxy.example"})
    result = subprocess.run(
        [sys.executable, "-c", "import guanjia.settings"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "proxy.example" in result.stderr


def test_the_api_rate_limit_counts_the_client_address_not_a_spoofed_header(settings):
    from rest_framework.request import Request

    from guanjia.core.throttling import AddressRateThrottle

    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    ident = AddressRateThrottle().get_ident
    assert ident(Request(request("198.51.100.7", "1.2.3.4"))) == "198.51.100.7"
    assert ident(Request(request("10.0.0.1", "1.2.3.4, 203.0.113.5"))) == "203.0.113.5"
