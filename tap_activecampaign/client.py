"""The one base stream: paging, concurrency, typing and incremental logic for every endpoint.

Streams are declarative (a path, a records key, maybe a replication key); everything that
touches HTTP or state lives here, so a fix in paging or retries reaches all 60-odd streams.
How an incremental run reads each stream (whole, tail, sideloaded, skipped) and which rows
are gone is the change-capture mixin's (``capture_stream``, decisions in ``changes``).

HTTP goes through the shared ``activecampaign_http.ApiClient`` owned by the tap (one rate
limiter per account, Retry-After, retries, token redaction). Pages are fetched concurrently on
the tap's thread pool, at most ``max_parallel_requests`` in flight, and their records are
emitted strictly in page order. Paging here is by offset, which every endpoint accepts;
contacts page by id ranges instead (``keyset``). What the stream overrides of the SDK's
private hooks (the per-record write path, bookmark tracking) is ``sdk_compat``'s.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from collections import deque
from http import HTTPStatus
from zoneinfo import ZoneInfo

from singer_sdk import RESTStream, SchemaDirectory
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.pagination import OffsetPaginator, SinglePagePaginator
from singer_sdk.singerlib.catalog import REPLICATION_INCREMENTAL
from singer_sdk.streams.rest import HTTPRequest, PageContext

from activecampaign_http import ApiError
from tap_activecampaign import changes, schemas
from tap_activecampaign.capture_stream import CaptureSchema, ChangeCaptureMixin
from tap_activecampaign.conform import RecordConverter, parse_timestamp
from tap_activecampaign.paging import PAGE_SIZE, meta_total
from tap_activecampaign.sdk_compat import StreamSdkEdges

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from concurrent.futures import Future

    import requests
    from singer_sdk.helpers.types import Context

SCHEMA_DIR = SchemaDirectory(schemas)


#: First-page statuses meaning "this endpoint is not part of the account's plan".
UNAVAILABLE = frozenset({HTTPStatus.NOT_FOUND, HTTPStatus.FORBIDDEN})


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
            return self.current_value + received < total
        return received >= self.page_size

    def get_next(self, response: requests.Response) -> int | None:
        """The offset just past the records received."""
        return self.current_value + self._count(response)


class ActiveCampaignStream(StreamSdkEdges, ChangeCaptureMixin, RESTStream[t.Any]):
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
    #: Whether ids missing after a whole read are checked one by one before they count as
    #: deleted: an offset-paged read can miss a row that moved between two pages. A read
    #: by id ranges (``keyset.KeysetStream``) sees every row and needs no check.
    confirm_deletions: bool = True
    #: First-page statuses (beyond 404/403) on which the stream is skipped with a warning
    #: ending in ``skip_hint``, rather than failing the run.
    skip_statuses: t.ClassVar[frozenset[int]] = frozenset()
    skip_hint: str = ""
    schema = CaptureSchema(SCHEMA_DIR)

    # Our converter conforms records to the schema (one pass over typed fields), so the
    # SDK's generic recursive conformance would only repeat the work.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

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
        return self.tap.api_url + "/"

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

    def get_replication_key_signpost(self, context: Context | None = None) -> dt.datetime | None:
        """The latest bookmark this run may store: one whole second before it started.

        ActiveCampaign timestamps have one-second resolution, and a row can change in the same
        second as the newest row this run read, after the run read it. Capping the bookmark a
        second before the start keeps such a row strictly newer than the bookmark, so the
        next run reads it; rows changed before the start were read in their new version.
        """
        if not self.is_timestamp_replication_key:
            return None
        started = int(self.started_at_ms // 1000) - 1
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
        return self.tap.api_client.request(request.method, request.url, params=request.params)

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
        pool = self.tap.executor
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
        yield from self.read_pages(context)
        if whole:
            yield from self._finish_whole(started)

    def read_pages(self, context: Context | None) -> Iterator[dict]:
        """All records of the endpoint, pages fetched concurrently once the total is known.

        Offset paging; ``keyset.KeysetStream`` reads by id ranges instead."""
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
