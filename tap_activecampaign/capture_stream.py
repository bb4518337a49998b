"""The change-capture side of every stream: read plans, tails, sideloaded rows, deletions.

A mixin of the base stream (``client.ActiveCampaignStream``), so the base stream keeps to
paging and records; the decisions themselves are pure functions in ``changes``.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from functools import cached_property
from http import HTTPStatus

from singer_sdk import StreamSchema

from activecampaign_http import ApiError
from tap_activecampaign import changes
from tap_activecampaign.changes import Plan, StreamCapture
from tap_activecampaign.paging import PAGE_SIZE, meta_total

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from singer_sdk.helpers.types import Context


class CaptureSchema(StreamSchema):
    """The stream's JSON schema, plus ``_sdc_deleted_at`` where deletions are signalled."""

    def get_stream_schema(self, stream: t.Any, stream_class: t.Any) -> t.Any:
        schema = super().get_stream_schema(stream, stream_class)
        if not getattr(stream, "track_deletions", False):
            return schema
        props = schema.get("properties", {})
        if changes.DELETED_AT in props:
            return schema
        return {**schema, "properties": {**props, changes.DELETED_AT: changes.DELETED_AT_SCHEMA}}


class ChangeCaptureMixin:
    """How a stream's changes are found and its deleted rows signalled (see ``changes``)."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._capture: StreamCapture | None = None
        self._pages = 0  # pages of this run's read, rows in them, the last row's id
        self._rows_seen = 0
        self._last_row_id: t.Any = None
        self._schema_sent_early = False
        self._tail_total: int | None = None  # meta.total of a tail read that found no boundary

    #: How an incremental run finds this stream's changes (see ``changes``): ``server`` where
    #: ``server_filter_param`` is set, else ``reread``; ``tail`` for append-only logs;
    #: ``contacts`` for children sideloaded on the contacts pages (``sideload_key``).
    change_mode: str = ""
    #: The contacts ``include=`` value (and response key) that carries this stream's rows.
    sideload_key: str = ""
    #: Whether whole reads look for deleted rows (integer ``id`` keys only).
    scan_deletions: bool = True
    #: A sideloaded stream whose rows are only ever added or removed: also read the rows
    #: added past the end of its own endpoint since the last run (those written without
    #: touching their contact's ``udate`` are seen at once, not at the next re-read).
    tail_with_sideload: bool = False

    @property
    def mode(self) -> str:
        """This stream's change-capture mode."""
        if self.change_mode:
            return self.change_mode
        return changes.SERVER if self.server_filter_param else changes.REREAD

    @cached_property
    def track_deletions(self) -> bool:
        """Whole reads signal missing rows as deleted (integer ``id`` keys only)."""
        return self.scan_deletions and self.primary_keys == ["id"]

    @property
    def capture(self) -> StreamCapture:
        """This run's change-capture state of the stream."""
        if self._capture is None:
            self._capture = StreamCapture(self.get_context_state(None), self.logger, self.name)
        return self._capture

    def read_plan(self, context: Context | None) -> Plan:
        """How this run reads the stream (whole, tail, server filter, or not at all)."""
        sideloads = self.tap.sideloads
        plan = changes.plan_read(
            self.mode,
            self.capture.stored,
            interval=float(self.config.get("reread_interval", changes.DEFAULT_REREAD_INTERVAL)),
            now=dt.datetime.now(dt.UTC),
            sideloaded=bool(
                self.sideload_key and sideloads and sideloads.served(self.sideload_key)
            ),
        )
        if plan.whole and self.mode == changes.SERVER and not self.track_deletions:
            return Plan(read=True, whole=False, why="server filter")
        if not plan.read and self.tail_with_sideload and plan.why == changes.SIDELOADED:
            tail = self.capture.stored.get("tail")
            return Plan(read=True, whole=False, tail=tail or {}, why="rows added at the end")
        return plan

    def _finish_whole(self, started: dt.datetime) -> Iterator[dict]:
        """Store the whole read's outcome and yield a record for every row found gone."""
        tail = None
        if self.mode == changes.TAIL:
            last = self._last_row_id
            tail = {"offset": self._rows_seen, "last_id": None if last is None else str(last)}
        gone = self.capture.finish_whole(
            started=started,
            pages=self._pages,
            max_fraction=self.max_deleted_fraction,
            track_ids=self.track_deletions,
            tail=tail,
        )
        if gone and self.confirm_deletions:
            gone = self.confirm_gone(gone)
        yield from self._deletion_records(gone)

    @property
    def max_deleted_fraction(self) -> float:
        """The mass-deletion guard's threshold, as a fraction."""
        return (
            float(self.config.get("max_deleted_percent", changes.DEFAULT_MAX_DELETED_PERCENT)) / 100
        )

    def _deletion_records(self, gone: list[int]) -> Iterator[dict]:
        if not gone:
            return
        when = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.logger.info("'%s': %d rows deleted since the last whole read", self.name, len(gone))
        self._client_since = None
        self._page_time = dt.datetime.now(dt.UTC)
        # Every column present (null), so stream maps and targets see the usual shape.
        columns = list(self.schema.get("properties", {}))
        for ident in gone:
            yield changes.deletion_record("id", ident, when, columns)

    def confirm_gone(self, candidates: list[int]) -> list[int]:
        """Ids whose own URL answers 404: an offset-paged read can miss a row that moved
        between two pages (a row deleted meanwhile shifts the rest), so a missing id is
        only believed once the API says it is gone."""
        client = self.tap.api_client
        base = self.get_url(None)

        def gone(ident: int) -> bool:
            try:
                response = client.request("GET", f"{base}/{ident}", ok_statuses=(404,))
            except ApiError:
                return False
            return response.status_code == HTTPStatus.NOT_FOUND

        tasks = ((lambda ident=ident: gone(ident)) for ident in candidates)
        return [ident for ident, ok in zip(candidates, self.ordered(tasks), strict=True) if ok]

    def _sideloaded_deletions(self) -> Iterator[dict]:
        """A sideloaded child after a complete whole contacts read: its deleted rows."""
        sideloads = self.tap.sideloads
        if not (self.sideload_key and sideloads and sideloads.served(self.sideload_key)):
            return
        if self.capture.ids is None or not sideloads.whole_complete:
            return
        gone = self.capture.finish_whole(
            started=sideloads.started,
            pages=0,
            max_fraction=self.max_deleted_fraction,
            track_ids=self.track_deletions,
        )
        yield from self._deletion_records(gone)

    def emit_sideloaded(self, rows: list[dict], *, whole: bool) -> None:
        """Write rows of this stream that came with another stream's pages (contacts'
        ``include=``), before that stream's STATE vouches for them.

        Rows of changed contacts are all written (the contact changed, whatever their own
        timestamps say) and leave the bookmark alone; a whole read is filtered by this
        stream's bookmark and moves it, as this stream's own whole read would.
        """
        if not self._schema_sent_early:
            self._schema_sent_early = True
            self.write_schema_now()
            if whole:
                self.write_starting_value(None)
                self._client_since = self.incremental_since(None)
                self._seed_bookmark(None)
            else:
                self._client_since = None
        self._page_time = dt.datetime.now(dt.UTC)
        post_process = self.post_process
        write = self.write_record_message
        for row in rows:
            record = post_process(row)
            if record is None:
                continue
            write(record)
            if whole:
                self.advance_bookmark(record)

    def _tail_records(self, context: Context | None, tail: dict[str, t.Any]) -> t.Generator:
        """Rows appended to a log since the last run; returns False (nothing yielded) when
        the boundary row moved (or none is known), so the caller reads the stream whole or,
        sideloaded, re-anchors the tail instead."""
        if not tail.get("offset") or tail.get("last_id") is None:
            return False
        offset = int(tail["offset"]) - 1
        counter = self.get_http_request_counter()
        with counter:
            first = self.fetch(context, offset)
            counter.increment()
            page = self.parse_response(first)
            if not page or str(page[0].get("id")) != str(tail.get("last_id")):
                self.logger.info(
                    "'%s': the last row read is no longer where it was (rows deleted)",
                    self.name,
                )
                self._tail_total = meta_total(first.ac_json)  # type: ignore[attr-defined]
                return False
            self._page_time = dt.datetime.now(dt.UTC)
            yield from page[1:]
            seen = offset + len(page)
            last_id = page[-1].get("id")
            total = meta_total(first.ac_json)  # type: ignore[attr-defined]
            if total is not None and seen < total:
                tasks = (
                    (lambda offset=offset: self.fetch(context, offset))
                    for offset in range(seen, total, PAGE_SIZE)
                )
                for response in self.ordered(tasks):
                    counter.increment()
                    page = self._emit_page(response)
                    yield from page
                    if page:
                        seen += len(page)
                        last_id = page[-1].get("id")
            elif total is None:
                while len(page) >= PAGE_SIZE:
                    page = self._emit_page(self.fetch(context, seen))
                    counter.increment()
                    yield from page
                    if page:
                        seen += len(page)
                        last_id = page[-1].get("id")
        self.capture.store_tail({"offset": seen, "last_id": str(last_id)})
        return True

    def _anchor_tail(self, context: Context | None) -> None:
        """Remember where the endpoint ends now (its row count and last row), so the next
        run's tail starts there: one or two requests, no rows emitted."""
        counter = self.get_http_request_counter()
        with counter:
            total = self._tail_total
            if total is None:
                total = meta_total(self.fetch(context, 0).ac_json)  # type: ignore[attr-defined]
                counter.increment()
            if not total:
                self.capture.store_tail({"offset": 0, "last_id": None})
                return
            page = self.parse_response(self.fetch(context, total - 1))
            counter.increment()
            if page:
                self.capture.store_tail({"offset": total, "last_id": str(page[0].get("id"))})
