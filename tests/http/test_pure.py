"""Unit tests of the shared HTTP discipline's pure parts (no network)."""

import itertools
import logging

import pytest

from activecampaign_http import (
    RateLimiter,
    RetryPolicy,
    get_rate_limiter,
    install_secret_filter,
    poll,
    redact,
)
from activecampaign_http.ratelimit import RECOVERY_S
from activecampaign_http.retry import FAILED, REFUSED, Retry
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


def test_a_refusal_halves_the_pace_once_and_answers_win_it_back_gradually():
    clock = FakeClock()
    limiter = RateLimiter(5, clock=clock, sleep=clock.sleep)
    in_flight = [limiter.acquire() for _ in range(3)]
    assert limiter.refused(in_flight[0]) == 1
    assert limiter.rate == pytest.approx(2.5)
    # the other requests sent before the cut were sent at the old pace: no second cut
    assert limiter.refused(in_flight[1]) == 2 and limiter.refused(in_flight[2]) == 3
    assert limiter.rate == pytest.approx(2.5) and limiter.cuts == 1
    clock.now += 1
    limiter.refused(limiter.acquire())  # refused again, but nothing answered since the cut:
    assert limiter.cuts == 1  # the server still wants quiet, the new pace is not to blame
    sent = limiter.acquire()
    limiter.answered(sent)
    assert limiter.streak == 0
    assert limiter.refused(limiter.acquire()) == 1
    assert limiter.cuts == 2  # refused at the new pace after an answer: slower again
    rate = limiter.rate
    assert rate == pytest.approx(1.25, rel=0.05)
    started = clock.now
    while limiter.rate < limiter.configured:
        limiter.answered(limiter.acquire())
    # linear recovery: 5/60 requests/s more per second of answers, from 1.25 back to 5
    assert clock.now - started == pytest.approx((5 - rate) / 5 * RECOVERY_S, rel=0.05)
    assert limiter.rate == 5


def test_a_cut_goes_to_what_the_account_let_through_but_at_most_halves():
    clock = FakeClock()
    limiter = RateLimiter(5, clock=clock, sleep=clock.sleep)
    for _ in range(50):  # answered at our own pace for 10 s: a neighbour's burst refused us
        limiter.answered(limiter.acquire())
    limiter.refused(limiter.acquire())
    assert limiter.rate == pytest.approx(5, rel=0.05)
    clock.now += 20
    for n in range(50):  # now 1 in 5 requests is refused: about 4/s is left for us
        sent = limiter.acquire()
        if n % 5 < 4:
            limiter.answered(sent)
    limiter.refused(limiter.acquire())
    assert limiter.rate == pytest.approx(4, rel=0.05)  # (with nothing let through: halved)


def test_a_pause_moves_the_slots_already_taken():
    clock = FakeClock()
    limiter = RateLimiter(5, clock=clock, sleep=clock.sleep)
    limiter.acquire()

    def sleep_and_get_paused(seconds: float) -> None:
        clock.sleep(seconds)
        if clock.now < 110:
            limiter.pause(10)  # someone else was told Retry-After while we waited

    limiter._sleep = sleep_and_get_paused
    sent = limiter.acquire()
    assert sent >= 110


def test_the_pace_has_a_floor_and_a_lower_configured_rate_caps_it():
    clock = FakeClock()
    limiter = RateLimiter(5, clock=clock, sleep=clock.sleep)
    for _ in range(10):  # refused again and again, with hardly anything answered
        clock.now += 0.01
        limiter.answered(clock.now)
        clock.now += 0.01
        limiter.refused(clock.now)
    assert 0 < limiter.floor <= limiter.rate < 2 * limiter.floor
    limiter.set_rate(2)
    assert limiter.configured == 2 and limiter.rate <= 2


def _waits(policy: RetryPolicy, outcomes: list[Retry]) -> list[float]:
    """Drive the policy's backoff wait generator as backoff does; stop where it gives up."""
    gen = policy.waits()
    gen.send(None)
    waits = []
    for outcome in outcomes:
        try:
            waits.append(gen.send(outcome))
        except StopIteration:
            break
    return waits


def test_policy_honours_retry_after_holds_everyone_and_has_a_budget_per_kind():
    clock = FakeClock()
    limiter = RateLimiter(5, clock=clock, sleep=clock.sleep)
    policy = RetryPolicy(limiter, max_retries=2, max_refusals=3, backoff_base=1, backoff_max=4)
    refused = Retry(REFUSED, status=429, body=None, reason="429", retry_after=30, sent_at=100)
    failed = Retry(FAILED, status=502, body=None, reason="HTTP 502")
    waits = _waits(policy, [refused, failed, failed, refused, refused, refused])
    assert waits[0] == 30  # as asked, not jittered
    assert limiter.reserve() == pytest.approx(30)  # and every caller of the account waits
    assert limiter.rate == pytest.approx(2.5)
    assert 0.5 <= waits[1] <= 1 and 1 <= waits[2] <= 2  # exponential, equal jitter
    assert waits[3:] == [30, 30]
    assert len(waits) == 5  # the 4th refusal is over the budget of 3
    assert refused.note == "still rate limited"
    assert len(_waits(policy, [failed] * 5)) == 2
    assert failed.note == "gave up after 3 attempts"


def test_policy_backs_off_a_refusal_that_names_no_wait():
    clock = FakeClock()
    limiter = RateLimiter(5, clock=clock, sleep=clock.sleep)
    policy = RetryPolicy(limiter, backoff_base=0.5, backoff_max=30)
    page = Retry(REFUSED, status=503, body="<html>", reason="503", sent_at=limiter.acquire())
    waits = _waits(policy, [page] * 4)
    waits += _waits(policy, [page] * 3)  # another request: the account's streak goes on
    ceilings = [1, 2, 4, 8, 16, 16, 16]
    assert all(c / 2 <= w <= c for w, c in zip(waits, ceilings, strict=True))


def test_poll_waits_longer_each_time_and_gives_the_last_answer_on_timeout():
    answers = iter(["pending", "pending", "done", "never"])
    assert (
        poll(
            lambda: next(answers),
            pending=lambda a: a == "pending",
            first=0.01,
            growth=1.5,
            ceiling=0.02,
            timeout=5,
        )
        == "done"
    )
    calls = []
    last = poll(
        lambda: calls.append(1) or "pending",
        pending=lambda a: a == "pending",
        first=0.01,
        growth=2,
        ceiling=0.05,
        timeout=0.2,
    )
    assert last == "pending" and 3 <= len(calls) <= 25
