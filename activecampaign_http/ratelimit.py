"""A process-wide request pacer per ActiveCampaign account."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit


class RateLimiter:
    """Spaces requests evenly at `rate` per second, shared by every thread.

    Even spacing (rather than bursting a bucket) keeps us under the server's own bucket however
    the requests interleave, so we stay clear of 429s instead of recovering from them.
    `pause()` lets one caller who was told `Retry-After` hold everybody back.
    """

    def __init__(self, rate: float, clock=time.monotonic, sleep=time.sleep) -> None:
        if rate <= 0:
            raise ValueError("requests_per_second must be positive")
        self.rate = float(rate)
        self._interval = 1.0 / self.rate
        self._next = 0.0
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def set_rate(self, rate: float) -> None:
        """Adopt a new pace (a later plugin of the same run may ask for a lower one)."""
        with self._lock:
            self.rate = float(rate)
            self._interval = 1.0 / self.rate

    def reserve(self) -> float:
        """Claim the next slot and return how long the caller must wait for it."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self._interval
            return slot - now

    def acquire(self) -> None:
        """Block until this caller may send one request."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)

    def pause(self, seconds: float) -> None:
        """Hold every caller back for `seconds` from now (the server's Retry-After)."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)


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
        elif requests_per_second < limiter.rate:
            limiter.set_rate(requests_per_second)
        return limiter
