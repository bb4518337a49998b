"""A process-wide request pacer per ActiveCampaign account, which slows down when refused."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

#: A refusal multiplies the pace by this (the multiplicative decrease of AIMD).
SLOWDOWN = 0.5
#: Seconds of answered requests it takes to climb back from nothing to the configured pace
#: (the additive increase: configured / RECOVERY_S requests/s more for each second of answers).
RECOVERY_S = 60.0
#: The pace never falls below configured / FLOOR_DIVISOR.
FLOOR_DIVISOR = 20.0


class RateLimiter:
    """Spaces requests evenly at `rate` per second, shared by every thread.

    Even spacing (rather than bursting a bucket) keeps us under the server's own bucket however
    the requests interleave, so we stay clear of 429s instead of recovering from them.
    `pause()` lets one caller who was told `Retry-After` hold everybody back.

    The account's limit is shared with every other integration of the account, so the pace we
    were configured with can be too fast through no fault of ours. `refused()` halves the pace
    (once per refusal: the refusals of requests sent before the last cut were sent at the old
    pace and say nothing new) and every answered request (`answered()`) gives some back, so the
    pace climbs back linearly to the configured one over about `RECOVERY_S` seconds. Refusals
    then stay a small fraction of the requests instead of a burst after every window.
    """

    def __init__(self, rate: float, clock=time.monotonic, sleep=time.sleep) -> None:
        if rate <= 0:
            raise ValueError("requests_per_second must be positive")
        self.configured = float(rate)
        self.rate = self.configured
        self._interval = 1.0 / self.rate
        self._next = 0.0
        self._cut_at = float("-inf")
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self.cuts = 0

    @property
    def floor(self) -> float:
        return self.configured / FLOOR_DIVISOR

    def _adopt(self, rate: float) -> None:
        self.rate = min(self.configured, max(self.floor, rate))
        self._interval = 1.0 / self.rate

    def set_rate(self, rate: float) -> None:
        """Adopt a new configured pace (a later plugin of the same run may ask for a lower one)."""
        if rate <= 0:
            raise ValueError("requests_per_second must be positive")
        with self._lock:
            self.configured = float(rate)
            self._adopt(min(self.rate, self.configured))

    def reserve(self) -> float:
        """Claim the next slot and return how long the caller must wait for it."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self._interval
            return slot - now

    def acquire(self) -> float:
        """Block until this caller may send one request; return the (clock) time it may."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return self._clock()

    def pause(self, seconds: float) -> None:
        """Hold every caller back for `seconds` from now (the server's Retry-After)."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)

    def refused(self, sent_at: float) -> bool:
        """The account refused a request sent at `sent_at`: slow down, unless already done.

        Returns whether the pace was cut.
        """
        with self._lock:
            if sent_at <= self._cut_at:
                return False
            self._cut_at = self._clock()
            self._adopt(self.rate * SLOWDOWN)
            self.cuts += 1
            return True

    def answered(self) -> None:
        """A request was answered (not refused): win back a little of the configured pace."""
        if self.rate >= self.configured:
            return
        with self._lock:
            self._adopt(self.rate + self.configured / (RECOVERY_S * self.rate))


_limiters: dict[str, RateLimiter] = {}
_registry_lock = threading.Lock()


def account_key(api_url: str) -> str:
    """The rate limit is per account, and the account is the host of the API URL."""
    return (urlsplit(api_url).netloc or api_url).lower()


def get_rate_limiter(api_url: str, requests_per_second: float = 5.0) -> RateLimiter:
    """Return the one limiter for this account in this process, slowing it if asked to."""
    key = account_key(api_url)
    with _registry_lock:
        limiter = _limiters.get(key)
        if limiter is None:
            limiter = _limiters[key] = RateLimiter(requests_per_second)
        elif requests_per_second < limiter.configured:
            limiter.set_rate(requests_per_second)
        return limiter
