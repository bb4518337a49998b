"""Validation of the account's API URL."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def is_loopback_host(host: str) -> bool:
    """Plain HTTP is only acceptable when the traffic never leaves the machine."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_api_url(url: str) -> str:
    """Return the API URL without a trailing slash, or raise ValueError saying what is wrong.

    The token travels in a header on every request, so anything but loopback must use https.
    """
    if not isinstance(url, str) or not url.strip():
        raise ValueError(
            "api_url is required: the account's whole API URL, "
            "e.g. https://<account>.api-us1.com/api/3 (Settings > Developer)"
        )
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(
            f"api_url {url!r} is not an http(s) URL; expected e.g. "
            "https://<account>.api-us1.com/api/3"
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ValueError(
            f"api_url {url!r} uses plain http; https is required except for loopback "
            "addresses (the local sandbox)"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"api_url {url!r} must not carry a query string or fragment")
    return url
