"""Every place the tap reaches into singer-sdk's private names, and why, in one module.

The tap overrides a few private SDK hooks (the per-record write path, bookmark tracking) and
reads a few private attributes (the stream's tap, its start time and table version; the
tap's state writer), all for speed or for state the SDK would otherwise get wrong. Keeping
them here, listed in ``PRIVATE_NAMES`` and checked by ``tests/tap/test_tap_sdk_compat.py``
against the installed SDK, means an SDK upgrade that renames one fails there, loudly, in one
place, instead of silently falling back to slower or wrong behaviour somewhere in a stream.

The module sits below every other tap module (it imports none of them but the pure
``conform``), so that both the base stream and the Tap can use it without a cycle.
"""

from __future__ import annotations

import datetime as dt
import typing as t

from singer_sdk.helpers._catalog import pop_deselected_record_properties
from singer_sdk.helpers._state import StateWriter
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.singerlib import RecordMessage
from singer_sdk.singerlib.catalog import REPLICATION_INCREMENTAL

from tap_activecampaign.conform import parse_timestamp

if t.TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from concurrent.futures import ThreadPoolExecutor

    # The mixin's methods run on SDK streams: type them as one (at run time it is a plain
    # mixin, placed ahead of ``RESTStream`` in the base stream's bases).
    from singer_sdk import Stream as _StreamBase
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from activecampaign_http import ApiClient
    from tap_activecampaign.sideloads import Sideloads
else:
    _StreamBase = object

__all__ = [
    "PRIVATE_NAMES",
    "StateWriter",
    "StreamSdkEdges",
    "TapServices",
    "install_state_writer",
]

#: The SDK's state key for an unsorted stream's bookmark in progress (its own layout).
PROGRESS_MARKERS = "progress_markers"

#: (module or class path, private name) for every private SDK name used here.
PRIVATE_NAMES: tuple[tuple[str, str], ...] = (
    ("singer_sdk.helpers._catalog", "pop_deselected_record_properties"),
    ("singer_sdk.helpers._state", "StateWriter"),
    ("singer_sdk.Tap", "_state_writer"),
    ("singer_sdk.Stream", "_tap"),
    ("singer_sdk.Stream", "_stream_version"),
    ("singer_sdk.Stream", "_initialized_at"),
    ("singer_sdk.Stream", "_write_record_message"),
    ("singer_sdk.Stream", "_generate_record_messages"),
    ("singer_sdk.Stream", "_increment_stream_state"),
    ("singer_sdk.Stream", "_write_state_message"),
    ("singer_sdk.Stream", "_write_schema_message"),
    ("singer_sdk.Stream", "_write_starting_replication_value"),
)


class TapServices(t.Protocol):
    """What a stream needs of its tap: streams type their tap by this, never by the Tap
    class, so no stream module imports ``tap`` (which imports them)."""

    api_url: str
    api_client: ApiClient
    executor: ThreadPoolExecutor
    sideloads: Sideloads | None
    custom_object_definitions: list[dict[str, t.Any]] | None
    message_writer: t.Any

    @property
    def streams(self) -> Mapping[str, t.Any]: ...


def install_state_writer(tap: Tap, writer: StateWriter) -> None:
    """Replace the tap's state writer: the SDK builds its own in ``Tap.__init__`` and offers
    no class attribute or argument to choose another (``state_writer`` is read-only)."""
    tap._state_writer = writer  # type: ignore[misc]


class StreamSdkEdges(_StreamBase):
    """The base stream's side of the SDK: private hooks overridden, private state read.

    Mixed in ahead of ``RESTStream``. The overrides are the per-record hot path, so their
    bodies live here rather than calling out to another method (no extra call per record).
    Streams set ``_nested_selection``, ``_page_time``, ``_fast_map`` and ``_max_rk``.
    """

    _nested_selection: bool
    _page_time: dt.datetime
    _fast_map: bool | None
    _max_rk: dt.datetime | None

    @property
    def tap(self) -> TapServices:
        """The tap this stream belongs to (the SDK keeps it as ``_tap``, with no accessor)."""
        return t.cast("TapServices", self._tap)

    @property
    def started_at_ms(self) -> int:
        """When the SDK started this stream, in epoch milliseconds (``_initialized_at``)."""
        return self._initialized_at

    def write_state_now(self) -> None:
        """Emit the stream's STATE even if the SDK thinks it already has (a keyset page's
        position is progress too); the state writer drops a STATE equal to the last one."""
        self.state_manager.is_flushed = False
        self._write_state_message()

    def write_schema_now(self) -> None:
        """Emit the SCHEMA message before the SDK's own sync would (sideloaded rows)."""
        self._write_schema_message()

    def write_starting_value(self, context: Context | None) -> None:
        """Record the bookmark a read starts from, as the SDK's sync does before reading."""
        self._write_starting_replication_value(context)

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

    #: The public name our own code calls (sideloaded rows).
    advance_bookmark = _increment_stream_state

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
                self.stream_maps[0].stream_alias,
                record,
                self._stream_version,
                self._page_time,
            )
            self.state_manager.is_flushed = False
            return
        super()._write_record_message(record)

    #: The public name our own code calls (sideloaded rows).
    write_record_message = _write_record_message
