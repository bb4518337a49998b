"""The one base stream: paging, concurrency, typing and incremental logic for every endpoint.

Streams are declarative (a path, a records key, maybe a replication key); everything that
touches HTTP or state lives here, so a fix in paging or retries reaches all 60-odd streams.
How an incremental run reads each stream (whole, tail, sideloaded, skipped) and which rows
are gone is the change-capture mixin's (``capture_stream``, decisions in ``changes``).

HTTP goes through the shared ``activecampaign_http.ApiClient`` owned by the tap (one rate
limiter per account, Retry-After, retries, token redaction). Pages are fetched concurrently on
the tap's thread pool, at most ``max_parallel_requests`` in flight, and their records are
emitted strictly in page order.
"""

from __future__ import annotations

import datetime as dt
import math
import typing as t
from collections import deque
from concurrent.futures import Future
from http import HTTPStatus
from zoneinfo import ZoneInfo

from singer_sdk import RESTStream, SchemaDirectory
from singer_sdk.helpers._catalog import pop_deselected_record_properties
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.pagination import OffsetPaginator, SinglePagePaginator
from singer_sdk.singerlib import RecordMessage
from singer_sdk.singerlib.catalog import REPLICATION_INCREMENTAL
from singer_sdk.streams.rest import HTTPRequest, PageContext

from activecampaign_http import ApiError
from tap_activecampaign import changes, schemas
from tap_activecampaign.capture_stream import CaptureSchema, ChangeCaptureMixin
from tap_activecampaign.conform import RecordConverter
from tap_activecampaign.paging import PAGE_SIZE, meta_total

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    import requests
    from singer_sdk.helpers.types import Context

    from tap_activecampaign.tap import TapActiveCampaign

#: Ranges sent before the highest id is known: they cover the probe's round trip at the
#: start; on a tiny account at most this many minus one come back empty.
SPECULATIVE_RANGES = 2
SCHEMA_DIR = SchemaDirectory(schemas)


#: First-page statuses meaning "this endpoint is not part of the account's plan".
UNAVAILABLE = frozenset({HTTPStatus.NOT_FOUND, HTTPStatus.FORBIDDEN})
PROGRESS_MARKERS = "progress_markers"
RESUME_KEY = "resume"


def parse_timestamp(value: t.Any) -> dt.datetime | None:
    """An aware datetime from an emitted (already conformed) timestamp string."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


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


class ActiveCampaignPaginator(OffsetPaginator):
    """Offset paging that stops on ``meta.total`` (no trailing empty page) or a short page.

    The next offset advances by the records actually received, so an endpoint that clamps
    ``limit`` below 100 is still read whole.
    """

    def __init__(self, records_key: str, page_size: int = PAGE_SIZE) -> None:
        super().__init__(start_value=0, page_size=page_size)
        self.records_key = records_key

    def _count(self, response: requests.Response) -> int:
        body = getattr(response, "ac_json", None)
        items = body.get(self.records_key) if isinstance(body, dict) else None
        return len(items) if isinstance(items, list) else 0

    def has_more(self, response: requests.Response) -> bool:
        """More pages exist while below ``meta.total``, or after full pages without meta."""
        received = self._count(response)
        if received == 0:
            return False
        total = meta_total(getattr(response, "ac_json", None))
        if total is not None:
            return self._value + received < total
        return received >= self.page_size

    def get_next(self, response: requests.Response) -> int | None:
        """The offset just past the records received."""
        return self._value + self._count(response)


class ActiveCampaignStream(ChangeCaptureMixin, RESTStream[t.Any]):
    """Base class: set ``name``, ``path`` and optionally the attributes below."""

    #: Endpoint path relative to the API URL; ``{placeholders}`` come from the context.
    path: str = ""
    #: JSON key holding the records; defaults to the last path segment.
    records_key: str | None = None
    primary_keys: t.ClassVar[list[str]] = ["id"]
    replication_key: str | None = None
    #: Query parameter the API filters on for incremental reads (server-side filtering).
    server_filter_param: str | None = None
    #: Timestamp used for client-side filtering when the replication key is still null.
    created_key: str | None = None
    #: Fixed query parameters.
    extra_params: t.ClassVar[dict[str, t.Any]] = {}
    #: Whether the endpoint pages with limit/offset.
    paginated: bool = True
    #: Contacts only: page by id ranges (id_greater/id_less + orders[id]=ASC).
    keyset: bool = False
    #: First-page statuses (beyond 404/403) on which the stream is skipped with a warning
    #: ending in ``skip_hint``, rather than failing the run.
    skip_statuses: t.ClassVar[frozenset[int]] = frozenset()
    skip_hint: str = ""
    schema = CaptureSchema(SCHEMA_DIR)

    # Our converter conforms records to the schema (one pass over typed fields), so the
    # SDK's generic recursive conformance would only repeat the work.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    _tap: TapActiveCampaign

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._converter: RecordConverter | None = None
        self._nested_selection = False
        self._client_since: dt.datetime | None = None
        self._max_rk: dt.datetime | None = None
        self._page_time = dt.datetime.now(dt.UTC)
        self._filter: dict[str, t.Any] = {}
        self._reported_unknown: set[str] = set()
        self._fast_map: bool | None = None

    # -- declarative helpers --------------------------------------------------------------

    @property
    def url_base(self) -> str:
        """The account's API URL (validated by the tap)."""
        return self._tap.api_url + "/"

    @property
    def data_key(self) -> str:
        """Key of the records in the response body."""
        return self.records_key or self.path.rsplit("/", 1)[-1]

    @property
    def server_side(self) -> bool:
        """True when the API itself filters by the replication key."""
        return bool(self.server_filter_param) and self.replication_method == (
            REPLICATION_INCREMENTAL
        )

    @property
    def max_parallel(self) -> int:
        """Pages in flight per stream."""
        return max(1, int(self.config.get("max_parallel_requests", 6)))

    def get_url(self, context: Context | None) -> str:
        """URL with ``{placeholders}`` from the context only (never from the config)."""
        path = self.path
        if context and "{" in path:
            for key, value in context.items():
                path = path.replace(f"{{{key}}}", str(value))
        return self.url_base + path

    # -- incremental ----------------------------------------------------------------------

    def lookback(self) -> dt.timedelta:
        """How far before the bookmark to re-read (clock skew, date-granular filters)."""
        return dt.timedelta(seconds=float(self.config.get("lookback_window", 0) or 0))

    def incremental_since(self, context: Context | None) -> dt.datetime | None:
        """Bookmark (or start_date) minus the lookback window; None means read everything."""
        if self.replication_method != REPLICATION_INCREMENTAL or not self.replication_key:
            return None
        start = self.get_starting_timestamp(context)
        if start is None:
            return None
        return start - self.lookback()

    def format_filter_value(self, value: dt.datetime) -> str:
        """The account's local time with its offset (``2026-12-03T02:18:41-05:00``).

        Date filters are typed only "string", and some accounts read them as wall time in the
        account's zone: local time with the offset is right whether the offset is honoured
        or ignored.
        """
        zone = ZoneInfo(self.config.get("account_timezone") or "UTC")
        return value.astimezone(zone).isoformat(timespec="seconds")

    def filter_params(self, context: Context | None) -> dict[str, t.Any]:
        """Server-side incremental filter parameters for this run."""
        if not self.server_side:
            return {}
        since = self.incremental_since(context)
        if since is None:
            return {}
        return {self.server_filter_param: self.format_filter_value(since)}  # type: ignore[dict-item]

    def _increment_stream_state(
        self, latest_record: dict[str, t.Any], *, context: Context | None = None
    ) -> None:
        """Track the newest replication key value as an instant, stored in UTC.

        The SDK compares bookmark strings; ActiveCampaign timestamps carry different
        offsets (and DST changes them), so compare parsed instants and store UTC, which also
        makes the SDK's signpost comparison at finalisation valid.
        """
        rk = self.replication_key
        if not rk or self.replication_method != REPLICATION_INCREMENTAL:
            return
        value = parse_timestamp(latest_record.get(rk))
        if value is None or (self._max_rk is not None and value <= self._max_rk):
            return
        self._max_rk = value
        state = self.get_context_state(context)
        markers = state.setdefault(
            PROGRESS_MARKERS, {"Note": "Progress is not resumable if interrupted."}
        )
        markers["replication_key"] = rk
        markers["replication_key_value"] = value.astimezone(dt.UTC).isoformat()

    # -- records --------------------------------------------------------------------------

    def get_replication_key_signpost(self, context: Context | None = None) -> dt.datetime | None:
        """The latest bookmark this run may store: one whole second before it started.

        ActiveCampaign timestamps have one-second resolution, and a row can change in the same
        second as the newest row this run read, after the run read it. Capping the bookmark a
        second before the start keeps such a row strictly newer than the bookmark, so the
        next run reads it; rows changed before the start were read in their new version.
        """
        if not self.is_timestamp_replication_key:
            return None
        started = int(self._initialized_at // 1000) - 1
        return dt.datetime.fromtimestamp(started, tz=dt.UTC)

    def _seed_bookmark(self, context: Context | None) -> None:
        """Start from the stored bookmark, so rows re-read in the lookback window (older than
        it) never move it backwards."""
        state = self.get_context_state(context)
        if self.replication_key and state.get("replication_key") == self.replication_key:
            stored = parse_timestamp(state.get("replication_key_value"))
            if stored is not None and (self._max_rk is None or stored > self._max_rk):
                self._max_rk = stored

    def _build_converter(self) -> RecordConverter:
        schema = self.effective_schema
        mask = self.mask
        props = schema.get("properties", {})
        selected = {
            name: prop for name, prop in props.items() if mask.get(("properties", name), True)
        }
        self._nested_selection = any(len(crumb) > 2 and not value for crumb, value in mask.items())
        return RecordConverter(
            {"properties": selected}, self.config.get("account_timezone") or "UTC"
        )

    def preprocess_record(self, record: dict[str, t.Any]) -> dict[str, t.Any]:
        """Hook for streams whose raw shape needs reshaping before conversion."""
        return record

    def post_process(
        self, row: dict[str, t.Any], context: Context | None = None
    ) -> dict[str, t.Any] | None:
        """Convert to schema types, then drop unchanged rows on client-side streams."""
        conv = self._converter
        if conv is None:
            conv = self._converter = self._build_converter()
        record = conv.convert(self.preprocess_record(row))
        capture = self._capture
        if capture is not None and capture.ids is not None:
            capture.ids.add(record["id"])
        since = self._client_since
        if since is not None:
            value = parse_timestamp(record.get(self.replication_key))  # type: ignore[arg-type]
            if value is None and self.created_key:
                value = parse_timestamp(record.get(self.created_key))
            if value is not None and value <= since:
                return None
        return record

    def _generate_record_messages(self, record: dict[str, t.Any]) -> Iterator[RecordMessage]:
        """Emit RECORD messages without re-doing what the converter already did.

        Property selection is applied by the converter (top level); nested deselection,
        rare, still goes through the SDK's generic path.
        """
        if self._nested_selection:
            pop_deselected_record_properties(record, self.schema, self.mask)
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(record)
            if mapped is not None:
                yield RecordMessage(
                    stream=stream_map.stream_alias,
                    record=mapped,
                    version=self._stream_version,
                    time_extracted=self._page_time,
                )

    def _write_record_message(self, record: dict[str, t.Any]) -> None:
        """Fast path: with the default (identity) stream map, hand the record straight to the
        tap's writer; anything else (aliases, filters, flattening) takes the SDK's path."""
        fast = self._fast_map
        if fast is None:
            maps = self.stream_maps
            writer = self._tap.message_writer
            fast = self._fast_map = (
                len(maps) == 1
                and type(maps[0]) is SameRecordTransform
                and not maps[0].flattening_enabled
                and not self._nested_selection
                and hasattr(writer, "write_record")
            )
        if fast:
            self._tap.message_writer.write_record(  # type: ignore[attr-defined]
                self.stream_maps[0].stream_alias, record, self._stream_version, self._page_time
            )
            self.state_manager.is_flushed = False
            return
        super()._write_record_message(record)

    def generate_child_contexts(
        self, record: dict[str, t.Any], context: Context | None
    ) -> Iterable[Context | None]:
        """No per-record child context (or copy) unless a child stream will be synced."""
        if not any(c.selected or c.has_selected_descendents for c in self.child_streams):
            return ()
        return super().generate_child_contexts(record, context)

    # -- HTTP -----------------------------------------------------------------------------

    def get_new_paginator(self) -> ActiveCampaignPaginator | SinglePagePaginator:
        """Offset paging at 100 per page, or a single page for unpaged endpoints."""
        if not self.paginated:
            return SinglePagePaginator()
        return ActiveCampaignPaginator(self.data_key)

    def get_url_params(self, context: Context | None, next_page_token: t.Any) -> dict[str, t.Any]:
        """Fixed params, the incremental filter and the page position."""
        params: dict[str, t.Any] = dict(self.extra_params)
        params.update(self._filter)
        if self.paginated:
            params["limit"] = PAGE_SIZE
            if isinstance(next_page_token, dict):
                params.update(next_page_token)
            else:
                params["offset"] = next_page_token or 0
        return params

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        """The request for one page (URL from the context, params from the page token)."""
        return HTTPRequest(
            url=self.get_url(page.stream_context),
            method="GET",
            params=self.get_url_params(page.stream_context, page.next_page_token),
        )

    def fetch(self, context: Context | None, token: t.Any) -> requests.Response:
        """Send one page request through the shared, rate-limited client."""
        request = self.get_http_request(page=PageContext(context, token))
        return self._tap.api_client.request(request.method, request.url, params=request.params)

    def parse_response(self, response: requests.Response) -> list[dict]:
        """The records of one page (a single object is a one-record page)."""
        body = getattr(response, "ac_json", None)
        if not isinstance(body, dict):
            return []
        items = body.get(self.data_key)
        if isinstance(items, dict):
            return [items]
        return items if isinstance(items, list) else []

    def ordered(self, tasks: Iterable[Callable[[], t.Any]]) -> Iterator[t.Any]:
        """Run tasks on the tap's pool, ``max_parallel`` in flight, yielding in task order."""
        pool = self._tap.executor
        window: deque[Future] = deque()
        limit = self.max_parallel
        try:
            for task in tasks:
                window.append(pool.submit(task))
                if len(window) >= limit:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        finally:
            for future in window:
                future.cancel()

    def _emit_page(self, response: requests.Response) -> list[dict]:
        self._page_time = dt.datetime.now(dt.UTC)
        page = self.parse_response(response)
        self._pages += 1
        if page:
            self._rows_seen += len(page)
            self._last_row_id = page[-1].get("id")
        return page

    def get_records(self, context: Context | None) -> Iterator[dict]:
        """All records; afterwards, say once which fields the API sent that the schema lacks."""
        yield from self.request_records(context)
        conv = self._converter
        if conv is not None and conv.unknown_seen - self._reported_unknown:
            new = sorted(conv.unknown_seen - self._reported_unknown)
            self._reported_unknown.update(new)
            self.logger.warning("'%s': fields not in the schema, left out: %s", self.name, new)

    def request_records(self, context: Context | None) -> Iterator[dict]:
        """This run's records: per the read plan, then any rows found deleted."""
        plan = self.read_plan(context)
        yield from self._sideloaded_deletions()
        if not plan.read:
            self.logger.info("'%s' not read in this run: %s", self.name, plan.why)
            return
        started = dt.datetime.now(dt.UTC)
        whole = plan.whole
        self._filter = {} if whole else self.filter_params(context)
        # Also applied on server-filtered streams: the API's bound is inclusive, so the
        # record that set the bookmark would otherwise come back on every run. Not on a
        # tail: every row past the boundary is new, whatever its timestamp.
        self._client_since = None if plan.tail else self.incremental_since(context)
        self._seed_bookmark(context)
        if plan.tail is not None:
            if (yield from self._tail_records(context, plan.tail)):
                return
            if self.mode == changes.CONTACTS:  # the rows come with contacts: only re-anchor
                self._anchor_tail(context)
                return
            whole = True
            self._client_since = self.incremental_since(context)
        if whole and self.track_deletions:
            self.capture.begin_whole()
        self._pages = self._rows_seen = 0
        self._last_row_id = None
        if self.keyset:
            yield from self._keyset_records(context)
            if self._resumed:
                self.capture.complete = False
        else:
            yield from self._offset_records(context)
        if whole:
            yield from self._finish_whole(started)

    def _offset_records(self, context: Context | None) -> Iterator[dict]:
        """All records of the endpoint, pages fetched concurrently once the total is known."""
        counter = self.get_http_request_counter()
        with counter:
            counter.with_context(context)
            paginator = self.get_new_paginator()
            try:
                first = self.fetch(context, paginator.current_value)
            except ApiError as exc:
                if exc.status in UNAVAILABLE:
                    # A feature the account's plan lacks answers 404 (or a lasting 403) on
                    # its first page: say so and go on with the other streams.
                    self.logger.warning(
                        "'%s' is not available on this account (HTTP %s): skipped",
                        self.name,
                        exc.status,
                    )
                    self.capture.complete = False
                    return
                if exc.status in self.skip_statuses:
                    self.logger.warning(
                        "'%s' was refused (HTTP %s: %s): skipped; %s",
                        self.name,
                        exc.status,
                        exc,
                        self.skip_hint,
                    )
                    self.capture.complete = False
                    return
                raise
            counter.increment()
            yield from self._emit_page(first)
            if not isinstance(paginator, ActiveCampaignPaginator):
                return
            paginator.advance(first)
            total = meta_total(first.ac_json)  # type: ignore[attr-defined]
            step = paginator.current_value
            if paginator.finished:
                return
            if total is None or self.max_parallel == 1:
                while not paginator.finished:  # no total: read until a short page
                    response = self.fetch(context, paginator.current_value)
                    counter.increment()
                    yield from self._emit_page(response)
                    paginator.advance(response)
                return
            offsets = range(step, total, step)
            tasks = ((lambda offset=offset: self.fetch(context, offset)) for offset in offsets)
            for response in self.ordered(tasks):
                counter.increment()
                yield from self._emit_page(response)

    # -- contacts: keyset paging by id ranges ---------------------------------------------

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
        # position is progress too. The state writer drops a STATE equal to the last one.
        self.state_manager.is_flushed = False
        self._write_state_message()

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
        pool = self._tap.executor
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
