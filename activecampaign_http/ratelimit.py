"""A process-wide request pacer per ActiveCampaign account, which slows down when refused."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from urllib.parse import urlsplit

#: A refusal multiplies the pace by this (the multiplicative decrease of AIMD).
SLOWDOWN = 0.5
#: Seconds of answered requests it takes to climb back from nothing to the configured pace
#: (the additive increase: configured / RECOVERY_S requests/s more for each second of answers).
RECOVERY_S = 60.0
#: The pace never falls below configured / FLOOR_DIVISOR.
FLOOR_DIVISOR = 20.0
#: Seconds of answers that tell the pace the account let through lately.
WINDOW_S = 10.0


class SharedPause:
    """A Retry-After told to one process of the account, seen by its others (tap and target).

    Meltano runs the tap and the target as separate processes on the same account. A small file
    in the temporary directory, named after the account (never the token) and the user, holds
    the wall-clock time until which the account was told to wait; each process looks at it
    (one `stat`) before every request and waits as well.
    """

    def __init__(self, account: str, directory: str | None = None) -> None:
        digest = hashlib.sha256(account.encode()).hexdigest()[:16]
        uid = getattr(os, "getuid", lambda: 0)()
        self.path = Path(directory or tempfile.gettempdir()) / (
            f"activecampaign-http-{uid}-{digest}.pause"
        )
        self._seen: tuple[int, int] | None = None

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_ino

    def publish(self, until: float) -> None:
        """Tell the account's other processes to wait until `until` (time.time())."""
        if (self._read() or 0.0) >= until:
            return  # another process already holds the account back longer
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            tmp.write_text(f"{until:.3f}")
            os.replace(tmp, self.path)
        except OSError:
            return  # an unwritable temp dir only costs the other processes one refusal
        self._seen = self._stamp()

    def news(self) -> float | None:
        """The wall-clock time to wait until, if another process published one since we looked."""
        stamp = self._stamp()
        if stamp is None or stamp == self._seen:
            return None
        self._seen = stamp
        return self._read()

    def _read(self) -> float | None:
        try:
            return float(self.path.read_text())
        except (OSError, ValueError):
            return None


class RateLimiter:
    """Spaces requests evenly at `rate` per second, shared by every thread.

    Even spacing (rather than bursting a bucket) keeps us under the server's own bucket however
    the requests interleave, so we stay clear of 429s instead of recovering from them.
    `pause()` lets one caller who was told `Retry-After` hold everybody back.

    The account's limit is shared with every other integration of the account, so the pace we
    were configured with can be too fast through no fault of ours. `refused()` lowers the pace
    and every answered request (`answered()`) gives some back, so the pace climbs back linearly
    to the configured one over about `RECOVERY_S` seconds (AIMD). Refusals then stay a small
    fraction of the requests instead of a burst after every window.

    A cut goes down to what the account let through over the last `WINDOW_S` (the answers a
    second), but never below half the pace: when we were faster than our share, that is the
    share; when we were answered at our own pace, the refusal came from another integration's
    burst and the pace stays about where it was. One cut per episode: a request sent before the
    last cut was sent at the old pace, and refusals with no answer since the cut mean the
    server still wants quiet (the pause was too short), not that the new pace is too fast.
    """

    def __init__(
        self,
        rate: float,
        clock=time.monotonic,
        sleep=time.sleep,
        shared: SharedPause | None = None,
    ) -> None:
        if rate <= 0:
            raise ValueError("requests_per_second must be positive")
        self.configured = float(rate)
        self.rate = self.configured
        self._interval = 1.0 / self.rate
        self._next = 0.0
        self._cut_at = float("-inf")
        self._answered_at = float("-inf")  # when the latest answered request was sent
        self.streak = 0  # refusals since the last answer, account-wide
        self._answer_times: deque[float] = deque()  # within the last WINDOW_S
        self._pauses = 0  # how many pauses so far: a slot taken before one is void
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self._shared = shared
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

    def _reserve(self) -> tuple[float, int]:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self._interval
            return slot - now, self._pauses

    def reserve(self) -> float:
        """Claim the next slot and return how long the caller must wait for it."""
        return self._reserve()[0]

    def acquire(self) -> float:
        """Block until this caller may send one request; return the (clock) time it may.

        A caller already waiting for its slot when somebody is told to pause takes a new slot
        after the pause: a Retry-After holds back every request, not only those to come.
        """
        self._follow_shared()
        while True:
            wait, pauses = self._reserve()
            if wait > 0:
                self._sleep(wait)
                self._follow_shared()
            with self._lock:
                if self._pauses == pauses:
                    return self._clock()

    def _hold(self, seconds: float) -> None:
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)
            self._pauses += 1

    def _follow_shared(self) -> None:
        if self._shared is None:
            return
        until = self._shared.news()
        if until is not None and until > time.time():
            self._hold(until - time.time())

    def pause(self, seconds: float) -> None:
        """Hold every caller back for `seconds` from now (the server's Retry-After), and the
        account's other processes too."""
        self._hold(seconds)
        if self._shared is not None and seconds > 0:
            self._shared.publish(time.time() + seconds)

    def refused(self, sent_at: float) -> int:
        """The account refused a request sent at `sent_at`: slow down, unless already done.

        Returns how many refusals in a row the account has had (for backing off when the
        server does not say how long to wait).
        """
        with self._lock:
            self.streak += 1
            if sent_at > self._cut_at and self._answered_at >= self._cut_at:
                self._cut_at = self._clock()
                self._adopt(max(self.rate * SLOWDOWN, min(self.rate, self._achieved())))
                self.cuts += 1
            return self.streak

    def _achieved(self) -> float:
        """Answers a second over the last WINDOW_S (0 while that is under a second long)."""
        if not self._answer_times:
            return 0.0
        span = self._clock() - self._answer_times[0]
        return len(self._answer_times) / span if span >= 1.0 else 0.0

    def answered(self, sent_at: float) -> None:
        """A request sent at `sent_at` was answered: win back a little of the configured pace."""
        with self._lock:
            self.streak = 0
            now = self._clock()
            self._answer_times.append(now)
            while self._answer_times[0] < now - WINDOW_S:
                self._answer_times.popleft()
            self._answered_at = max(self._answered_at, sent_at)
            if self.rate < self.configured:
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
            limiter = _limiters[key] = RateLimiter(requests_per_second, shared=SharedPause(key))
        elif requests_per_second < limiter.configured:
            limiter.set_rate(requests_per_second)
        return limiter
