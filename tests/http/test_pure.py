"""Unit tests of the shared HTTP discipline's pure parts (no network)."""

import itertools
import logging

import pytest

from activecampaign_http import RateLimiter, get_rate_limiter, install_secret_filter, redact
from activecampaign_http.urls import validate_api_url


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_limiter_spaces_requests_evenly():
    clock = FakeClock()
    limiter = RateLimiter(5, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(11):
        limiter.acquire()
        starts.append(clock.now)
    assert starts[-1] - starts[0] == pytest.approx(2.0)
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(starts)}
    assert gaps == {0.2}


def test_limiter_pause_holds_everyone_back():
    clock = FakeClock()
    limiter = RateLimiter(5, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.pause(3)
    assert limiter.reserve() == pytest.approx(3.0)


def test_one_limiter_per_account_and_the_slowest_rate_wins():
    first = get_rate_limiter("https://acme.api-us1.com/api/3", 5)
    second = get_rate_limiter("https://ACME.api-us1.com/api/3/", 2)
    assert first is second
    assert first.rate == 2
    assert get_rate_limiter("https://other.api-us1.com/api/3", 5) is not first


@pytest.mark.parametrize(
    "url",
    ["http://acme.api-us1.com/api/3", "ftp://x/api/3", "", "https://acme.api-us1.com/api/3?x=1"],
)
def test_api_url_rejects_insecure_or_malformed(url):
    with pytest.raises(ValueError, match="api_url"):
        validate_api_url(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://acme.api-us1.com/api/3/", "https://acme.api-us1.com/api/3"),
        ("http://127.0.0.1:8080/api/3", "http://127.0.0.1:8080/api/3"),
        ("http://localhost:1/api/3", "http://localhost:1/api/3"),
        ("http://[::1]:1/api/3", "http://[::1]:1/api/3"),
    ],
)
def test_api_url_accepts_https_and_loopback(url, expected):
    assert validate_api_url(url) == expected


def test_secret_never_reaches_a_log_line(caplog):
    secret = "tok-" + "9" * 30
    install_secret_filter(secret)
    logger = logging.getLogger("some.library")
    with caplog.at_level(logging.DEBUG):
        logger.debug("headers: %s", {"Api-Token": secret})
        try:
            raise RuntimeError(f"boom {secret}")
        except RuntimeError:
            logger.exception("failed with %s", secret)
    assert caplog.records
    assert secret not in caplog.text
    assert "***" in caplog.text
    assert redact(f"x{secret}y", {secret}) == "x***y"
