"""Keyset paging by id ranges, for the one endpoint that offers it: ``GET /contacts``.

Offset paging over a large, changing table is slow (the API's cost grows with the offset) and
shifts when rows are added or deleted between pages. Contacts accept ``id_greater`` /
``id_less`` with ``orders[id]=ASC``, so a read splits the id space into ranges that each hold
about one page, fetches them concurrently, and emits them in id order; a one-row probe for
the highest id says where to stop. Each page's STATE records the last id emitted, so a killed
run resumes there. Every id is seen, so ids missing afterwards are deleted without checking
them one by one (``confirm_deletions`` off).
"""

from __future__ import annotations

import datetime as dt
import math
import typing as t
from collections import deque

from tap_activecampaign.client import ActiveCampaignStream
from tap_activecampaign.paging import PAGE_SIZE, meta_total

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from concurrent.futures import Future

    from singer_sdk.helpers.types import Context

#: Ranges sent before the highest id is known: they cover the probe's round trip at the
#: start; on a tiny account at most this many minus one come back empty.
SPECULATIVE_RANGES = 2
#: The stream-state key of a keyset read's position (the last id emitted, and its filter).
RESUME_KEY = "resume"


class _Probe:
    """A request sent at most once, when first needed; cancellable if never awaited."""

    def __init__(self, send: Callable[[], Future]) -> None:
        self._send = send
        self._future: Future | None = None

    def submit(self) -> Future:
        if self._future is None:
            self._future = self._send()
        return self._future

    def done(self) -> bool:
        return self._future is not None and self._future.done()

    def cancel(self) -> None:
        if self._future is not None:
            self._future.cancel()


class KeysetStream(ActiveCampaignStream):
    """A stream read in ascending id order by id ranges (see the module docstring)."""

    confirm_deletions = False

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._resumed = False  # this read continued a killed run's

    def _keyset_params(self, greater: int | None, less: int | None = None) -> dict[str, t.Any]:
        token: dict[str, t.Any] = {"orders[id]": "ASC"}
        if greater:
            token["id_greater"] = greater
        if less is not None:
            token["id_less"] = less
        return token

    def after_page(self, body: t.Any) -> None:
        """Hook run after a keyset page's records are emitted, before its STATE."""

    def _save_resume(self, context: Context | None, last_id: int) -> None:
        """Record the id emitted so far and flush state, so a killed run resumes here."""
        state = self.get_context_state(context)
        state[RESUME_KEY] = {"id_greater": last_id, "filter": self._filter or None}
        # Also when the page emitted nothing (a whole read filtered on the client): the
        # position is progress too.
        self.write_state_now()

    def read_pages(self, context: Context | None) -> Iterator[dict]:
        """All records by id ranges; a read that resumed a killed run's is not complete (the
        rows before the resume point were seen by that run, not this one)."""
        yield from self._keyset_records(context)
        if self._resumed:
            self.capture.complete = False

    def _keyset_records(self, context: Context | None) -> Iterator[dict]:
        """Contacts in ascending id order, resumable from the last page emitted.

        A full read splits the id space into ranges sized (from the observed id density) to
        hold about one page each, fetched concurrently from the first request on and emitted
        in order; a probe for the highest id, sent alongside, says where to stop. A read from
        a bookmark is usually small and sparse in ids: it pages sequentially by
        ``id_greater``, exactly ceil(n/100) requests, unless it turns out large.
        """
        state = self.get_context_state(context)
        resume = state.get(RESUME_KEY)
        start = 0
        if isinstance(resume, dict) and resume.get("filter") == (self._filter or None):
            start = int(resume.get("id_greater") or 0)
        self._resumed = start > 0
        if self._resumed:
            self.logger.info("Resuming '%s' after id %d", self.name, start)
        counter = self.get_http_request_counter()
        pool = self.tap.executor
        with counter:
            counter.with_context(context)
            probe = _Probe(
                lambda: pool.submit(
                    self.fetch,
                    context,
                    {**self._keyset_params(start), "orders[id]": "DESC", "limit": 1},
                )
            )
            # No bookmark yet (a full read, or a first run bounded by start_date): expect
            # many pages and go parallel from the first request. With a bookmark, expect few.
            first_run = not state.get("replication_key_value")
            if (not self._filter or first_run) and self.max_parallel > 1:
                yield from self._ranged(context, counter, start, probe)
                state.pop(RESUME_KEY, None)
                return
            yield from self._sequential(context, counter, start, probe)
            state.pop(RESUME_KEY, None)

    def _sequential(
        self, context: Context | None, counter: t.Any, start: int, probe: _Probe
    ) -> Iterator[dict]:
        """Keyset pages one after another (no probe); switch to ranges if many pages remain."""
        first = self.fetch(context, self._keyset_params(start))
        counter.increment()
        page = self._emit_page(first)
        total = meta_total(first.ac_json)  # type: ignore[attr-defined]
        yield from page
        self.after_page(first.ac_json)  # type: ignore[attr-defined]
        last = int(page[-1]["id"]) if page else start
        if page:
            self._save_resume(context, last)
        remaining = (total - len(page)) if total is not None else None
        if not page or len(page) < PAGE_SIZE or (remaining is not None and remaining <= 0):
            return
        if remaining is not None and remaining > 10 * PAGE_SIZE and self.max_parallel > 1:
            # Larger than expected: find the highest id and go parallel.
            yield from self._ranged(context, counter, last, probe, remaining, speculate=False)
            return
        while remaining is None or remaining > 0:
            response = self.fetch(context, self._keyset_params(last))
            counter.increment()
            page = self._emit_page(response)
            yield from page
            self.after_page(response.ac_json)  # type: ignore[attr-defined]
            if not page:
                return
            last = int(page[-1]["id"])
            self._save_resume(context, last)
            if remaining is not None:
                remaining -= len(page)
            if len(page) < PAGE_SIZE:
                return

    def _fetch_range(
        self, context: Context | None, greater: int, less: int | None
    ) -> tuple[list[tuple[list[dict], t.Any]], int]:
        """All pages of ids in (greater, less) with their bodies, continuing by keyset past
        full pages."""
        pages: list[tuple[list[dict], t.Any]] = []
        requests_made = 0
        cursor = greater
        expected: int | None = None
        got = 0
        while True:
            response = self.fetch(context, self._keyset_params(cursor, less))
            requests_made += 1
            page = self.parse_response(response)
            if expected is None:
                expected = meta_total(response.ac_json)  # type: ignore[attr-defined]
            pages.append((page, response.ac_json))  # type: ignore[attr-defined]
            got += len(page)
            if len(page) < PAGE_SIZE or (expected is not None and got >= expected):
                return pages, requests_made
            cursor = int(page[-1]["id"])

    def _ranged(
        self,
        context: Context | None,
        counter: t.Any,
        last: int,
        probe: _Probe,
        remaining: int | None = None,
        *,
        speculate: bool = True,
    ) -> Iterator[dict]:
        """Concurrent id-range reads after id ``last``, emitted in id order, state per page.

        Until the probe answers, ranges assume dense ids (100 ids per page: never more than
        one page each) unless ``speculate`` is off; then the density of the whole span, and
        soon that of recently read ranges, sizes them. The last range is open-ended, so
        contacts created meanwhile are read too.
        """
        known: dict[str, float] = {}
        recent: deque[tuple[int, int]] = deque(maxlen=8)
        counted = {"probe": False}

        def learn() -> None:
            """Take the highest id and the total from the probe once it has answered."""
            if "max_id" in known:
                return
            response = probe.submit().result()
            if not counted["probe"]:
                counted["probe"] = True
                counter.increment()
            top = self.parse_response(response)
            total = meta_total(response.ac_json)  # type: ignore[attr-defined]
            known["max_id"] = float(int(top[0]["id"]) if top else last)
            span = max(1.0, known["max_id"] - last)
            found = remaining if remaining is not None else (total if total is not None else span)
            known["density"] = max(float(found) / span, 1e-6)

        def density() -> float:
            ids = sum(w for w, _ in recent)
            found = sum(c for _, c in recent)
            if found >= 2 * PAGE_SIZE and ids:
                return max(found / ids, 1e-6)
            return known.get("density", 1.0)

        def width() -> int:
            d = min(density(), 1.0)
            # Expected count m with m + 2 sd <= one page (binomial spread of deletions).
            sd_factor = 2.0 * math.sqrt(max(0.0, 1.0 - d))
            m = ((-sd_factor + math.sqrt(sd_factor**2 + 4 * PAGE_SIZE)) / 2) ** 2
            return max(1, int(m / d))

        bounds: deque[tuple[int, int | None]] = deque()

        def tasks() -> Iterator[Callable[[], t.Any]]:
            lo = last
            issued = 0
            while True:
                # Guess dense ids for the first window; after that, wait for the probe,
                # which goes out right after the first range (first records come sooner).
                if issued == 1:
                    probe.submit()
                if (
                    not speculate
                    or probe.done()
                    or issued >= min(SPECULATIVE_RANGES, self.max_parallel - 1)
                ):
                    learn()
                max_id = known.get("max_id")
                if max_id is not None and lo >= max_id:
                    return
                hi = lo + width()
                final = max_id is not None and hi >= max_id
                less = None if final else hi + 1
                bounds.append((lo, less))
                yield lambda lo=lo, less=less: self._fetch_range(context, lo, less)
                issued += 1
                if final:
                    return
                lo = hi

        for pages, made in self.ordered(tasks()):
            lo, less = bounds.popleft()
            for _ in range(made):
                counter.increment()
            count = sum(len(p) for p, _ in pages)
            if less is not None:
                recent.append((less - 1 - lo, count))
            for page, body in pages:
                self._page_time = dt.datetime.now(dt.UTC)
                yield from page
                self.after_page(body)
                if page:
                    self._save_resume(context, int(page[-1]["id"]))
            if not count and less is not None:
                self._save_resume(context, less - 1)
        if not counted["probe"]:
            probe.cancel()
