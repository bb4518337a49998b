"""The retry policy the tap and the target share, expressed with `backoff`.

One attempt ends in an answer, an error the caller must handle (`ApiError`), or a `Retry`:

- a *refusal*: 429, or 503 (which clients meet at the rate limit). The account is over its
  limit, perhaps because another integration of the account spends it too. We wait what
  `Retry-After` asks (else exponential backoff), hold back every request of the account for
  that long (the shared limiter), and lower the account's pace (see `RateLimiter.refused`).
  A refused request was not processed, so it is always safe to send again. Budget:
  `MAX_REFUSALS` per request, since refusals are the server pacing us, not failures.
- a *failure*: 500, 502, 504, the 403 ActiveCampaign sends under load, timeouts, dropped
  connections, truncated bodies. Exponential backoff with jitter (so parallel callers do not
  retry in lockstep), or `Retry-After` if the server sent one. Budget: `max_retries`.

`RetryPolicy.waits` is the `backoff` wait generator: it gets each `Retry` and answers how long
to wait, or stops (backoff then re-raises the `Retry`) once the budget of its kind is spent.
"""

from __future__ import annotations

import random
import typing as t
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass

import backoff

from activecampaign_http.ratelimit import RateLimiter

REFUSED = "refused"
FAILED = "failed"
REFUSAL_STATUSES = frozenset({429, 503})
FAILURE_STATUSES = frozenset({500, 502, 504})
MAX_REFUSALS = 30


class Retry(Exception):
    """One attempt's retryable outcome; only ever raised inside the retry loop."""

    def __init__(
        self,
        kind: str,
        *,
        status: int | None,
        body: t.Any,
        reason: str,
        retry_after: float | None = None,
        sent_at: float = 0.0,
    ) -> None:
        super().__init__(reason)
        self.kind = kind
        self.status = status
        self.body = body
        self.reason = reason
        self.retry_after = retry_after
        self.sent_at = sent_at
        self.attempt = 0  # the n-th retry of its kind, set by the policy
        self.budget = 0
        self.note = ""  # why the policy gave up, once it has


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` in seconds when it is a number (ActiveCampaign sends whole seconds)."""
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def equal_jitter(ceiling: float) -> float:
    """Somewhere in the upper half of `ceiling`: spread out, but never much shorter."""
    return random.uniform(ceiling / 2, ceiling)


def exponential(n: int, first: float, ceiling: float) -> float:
    """The n-th wait (from 1) of an exponential schedule: first, 2 x first, ... up to ceiling."""
    return min(ceiling, first * 2 ** (n - 1))


@dataclass
class RetryPolicy:
    """Which outcomes are retried, how often and how long we wait: one place for tap and target."""

    limiter: RateLimiter
    max_retries: int = 8
    max_refusals: int = MAX_REFUSALS
    backoff_base: float = 0.5
    backoff_max: float = 30.0

    def waits(self) -> Generator[float, Retry, None]:
        """The backoff wait generator of one request (its budgets are that request's)."""
        spent = {FAILED: 0, REFUSED: 0}
        budget = {FAILED: self.max_retries, REFUSED: self.max_refusals}
        outcome = yield  # type: ignore[misc]
        while True:
            spent[outcome.kind] += 1
            outcome.attempt, outcome.budget = spent[outcome.kind], budget[outcome.kind]
            if outcome.attempt > outcome.budget:
                outcome.note = (
                    "still rate limited"
                    if outcome.kind == REFUSED
                    else f"gave up after {outcome.attempt} attempts"
                )
                return
            if outcome.kind == REFUSED:
                streak = self.limiter.refused(outcome.sent_at)
                wait = outcome.retry_after
                if wait is None:  # a 503 page: back off on the account's refusals in a row
                    first = self.backoff_base * 2
                    ceiling = min(self.backoff_max, self.backoff_base * 32)
                    wait = equal_jitter(exponential(streak, first, ceiling))
                self.limiter.pause(wait)  # every request of the account waits, not just this one
            else:
                first, ceiling = self.backoff_base, self.backoff_max
                wait = outcome.retry_after or equal_jitter(
                    exponential(outcome.attempt, first, ceiling)
                )
            outcome = yield wait

    def retrying(
        self, attempt: Callable[..., t.Any], on_retry: Callable[[dict[str, t.Any]], None]
    ) -> Callable[..., t.Any]:
        """`attempt`, called again after each `Retry` it raises for as long as the policy allows.

        Once a budget is spent the last `Retry` propagates, with `note` saying why.
        """
        return backoff.on_exception(
            self.waits,
            Retry,
            max_tries=None,
            jitter=None,  # the wait generator jitters failures; Retry-After is taken as given
            on_backoff=on_retry,
            logger=None,  # on_retry logs, without the arguments (a body may hold anything)
        )(attempt)


def poll(
    check: Callable[[], t.Any],
    *,
    pending: Callable[[t.Any], bool],
    first: float,
    growth: float,
    ceiling: float,
    timeout: float,
) -> t.Any:
    """Call `check` until `pending(result)` is false or `timeout` seconds have passed.

    The waits in between start at `first` and grow by `growth` up to `ceiling` (no jitter:
    one caller polls one job). Returns the last result, which is still pending on a timeout.
    """
    return backoff.on_predicate(
        backoff.expo,
        pending,
        max_tries=None,
        max_time=timeout,
        jitter=None,
        logger=None,
        base=growth,
        factor=first,
        max_value=ceiling,
    )(check)()
