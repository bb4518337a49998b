"""tap-activecampaign: every ActiveCampaign API v3 list endpoint as a Singer stream."""

from __future__ import annotations

import atexit
import codecs
import datetime as dt
import json
import sys
import threading
import typing as t
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cached_property

import orjson
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.helpers._state import StateWriter
from singer_sdk.io_base import SingerWriter
from singer_sdk.singerlib import RecordMessage
from typing_extensions import override

from activecampaign_http import ApiClient, ApiError, AuthError, validate_api_url
from activecampaign_http.settings import client_from_config, connection_properties
from tap_activecampaign import changes
from tap_activecampaign import streams as stream_modules
from tap_activecampaign.streams.automations import ActivitiesStream, ContactActivitiesStream
from tap_activecampaign.streams.custom_objects import (
    custom_object_definitions,
    custom_object_streams,
)

if t.TYPE_CHECKING:
    from singer_sdk import Stream
    from singer_sdk.singerlib.messages import Message

    from tap_activecampaign.client import ActiveCampaignStream
    from tap_activecampaign.sideloads import Sideloads

__version__ = "0.1.0"


def _encode_default(obj: t.Any) -> str:
    return obj.isoformat() if isinstance(obj, (dt.datetime, dt.date)) else str(obj)


_dumps = json.JSONEncoder(
    separators=(",", ":"), default=_encode_default, check_circular=False
).encode

#: Dates and dataclasses go through ``_encode_default`` as with the standard library.
_ORJSON_OPTIONS = (
    orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)
_ASCII_ESCAPE = "tap_activecampaign_json_ascii"


def _escape_non_ascii(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: ``\\uXXXX`` escapes (surrogate pairs above the BMP)."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for char in exc.object[exc.start : exc.end]:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), exc.end


codecs.register_error(_ASCII_ESCAPE, _escape_non_ascii)


def encode_line(obj: t.Any) -> bytes:
    """One JSON line, as ``_dumps`` writes it (ASCII only), several times faster.

    orjson writes UTF-8; outside ASCII (and DEL), characters can only be inside JSON strings,
    where escaping them gives what the standard library's ``ensure_ascii`` gives, so targets
    read the same text whatever their locale. What orjson refuses (integers beyond 64 bits,
    lone surrogates, non-string keys) goes through the standard library. Floats are written
    in shortest round-trip form either way (orjson spells some exponents differently, e.g.
    ``0.00001`` for ``1e-05``: the same number); NaN, which JSON lacks, becomes null.
    """
    try:
        data = orjson.dumps(obj, default=_encode_default, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        return (_dumps(obj) + "\n").encode("ascii")
    if not data.isascii():
        data = data.decode().encode("ascii", _ASCII_ESCAPE)
    if b"\x7f" in data:
        data = data.replace(b"\x7f", b"\\u007f")
    return data


def _in_daemon_thread(fn: t.Callable[..., t.Any], *args: t.Any) -> Future:
    """Run ``fn`` beside the caller; a daemon thread, so a failed start-up exits at once."""
    future: Future = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # handed to whoever awaits the future
            future.set_exception(exc)

    threading.Thread(target=run, name="ac-discovery", daemon=True).start()
    return future


class BufferedSingerWriter(SingerWriter):
    """Singer writer that batches RECORD lines and flushes stdout only where it matters.

    RECORD lines are collected and written in blocks; every other message (SCHEMA, STATE,
    ...) writes the block, itself, and flushes. Output is one ordered stream, so a STATE that
    reaches the target always follows the records it covers, and a killed process loses only
    records no emitted STATE has vouched for. Records are JSON-native after conversion, so
    ``encode_line`` (orjson) replaces the SDK's general-purpose serializer, and lines go to
    stdout's byte buffer without a round trip through text.
    """

    BLOCK = 200

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending: list[bytes] = []
        self._time_cache: tuple[dt.datetime | None, str] = (None, "")
        atexit.register(self.flush)

    def serialize_message(self, message: Message) -> str:
        """One JSON line."""
        if isinstance(message, RecordMessage):
            when = message.time_extracted
            cached, text = self._time_cache
            if when is not cached and when is not None:
                text = when.isoformat()
                self._time_cache = (when, text)
            body: dict[str, t.Any] = {
                "type": "RECORD",
                "stream": message.stream,
                "record": message.record,
            }
            if message.version is not None:
                body["version"] = message.version
            if when is not None:
                body["time_extracted"] = text
            return encode_line(body)[:-1].decode("ascii")
        return _dumps(message.to_dict())

    def write_record(
        self,
        stream: str,
        record: dict[str, t.Any],
        version: int | None,
        time_extracted: dt.datetime | None,
    ) -> None:
        """Queue one RECORD line without building a message object (the per-record path)."""
        body: dict[str, t.Any] = {"type": "RECORD", "stream": stream, "record": record}
        if version is not None:
            body["version"] = version
        if time_extracted is not None:
            cached, text = self._time_cache
            if time_extracted is not cached:
                text = time_extracted.astimezone(dt.UTC).isoformat()
                self._time_cache = (time_extracted, text)
            body["time_extracted"] = text
        pending = self._pending
        pending.append(encode_line(body))
        if len(pending) >= self.BLOCK:
            self._write_pending()

    def write_state_line(self, line: bytes) -> None:
        """Write an already encoded STATE line, after the queued records, and flush."""
        self._pending.append(line)
        self.flush()

    def write_message(self, message: Message) -> None:
        """Queue a record line; write and flush everything before any other message."""
        line = (self.serialize_message(message) + "\n").encode("ascii")
        self._pending.append(line)
        if isinstance(message, RecordMessage):
            if len(self._pending) >= self.BLOCK:
                self._write_pending()
            return
        self.flush()

    def _write_pending(self) -> None:
        """Write the queued lines as one block, after anything written to stdout as text."""
        data = b"".join(self._pending)
        self._pending.clear()
        out = sys.stdout
        buffer = getattr(out, "buffer", None)
        if buffer is None:  # a text-only stream (e.g. io.StringIO in tests)
            out.write(data.decode("ascii"))
            return
        out.flush()
        buffer.write(data)

    def flush(self) -> None:
        """Write queued lines and flush stdout."""
        if self._pending:
            self._write_pending()
        sys.stdout.flush()  # a text stream flushes its byte buffer too


class SnapshotStateWriter(StateWriter):
    """Writes STATE only when it changed, remembering it as JSON instead of a deep copy.

    The tap emits state after every page of contacts; the SDK's writer deep-copies the whole
    state each time to compare later, which costs more than serialising it once and
    comparing the bytes.
    """

    def __init__(self, message_writer: BufferedSingerWriter) -> None:
        super().__init__(message_writer)
        self._writer = message_writer
        self._last: bytes | None = None

    def write_state(self, state: dict[str, t.Any]) -> None:
        """Emit the state if its JSON differs from the last one emitted."""
        line = encode_line({"type": "STATE", "value": state})
        if line != self._last:
            self._writer.write_state_line(line)
            self._last = line


class TapActiveCampaign(Tap):
    """Singer tap for ActiveCampaign API v3."""

    name = "tap-activecampaign"
    package_name = "activecampaign-singer"  # the distribution this tap ships in
    message_writer_class = BufferedSingerWriter

    config_jsonschema = th.PropertiesList(
        *connection_properties(f"tap-activecampaign/{__version__}"),
        th.Property(
            "start_date",
            th.DateTimeType,
            description=(
                "Earliest update time to read on the first run of incremental streams; "
                "omit to read everything."
            ),
        ),
        th.Property(
            "max_parallel_requests",
            th.IntegerType,
            default=6,
            description=(
                "Pages fetched concurrently per stream, within the rate limit, so slow "
                "responses do not lower throughput. Records are still emitted in order."
            ),
        ),
        th.Property(
            "lookback_window",
            th.IntegerType,
            default=3600,
            description=(
                "Seconds to re-read before the bookmark on incremental streams, so clock "
                "skew and date-granular API filters lose nothing. Records updated in the "
                "window are emitted again (at-least-once)."
            ),
        ),
        th.Property(
            "account_timezone",
            th.StringType,
            default="UTC",
            description=(
                "IANA time zone of the account, given to timestamps the API sends without "
                "an offset (e.g. '2019-11-22 14:15:37'); date filters are sent in its local "
                "time with its offset."
            ),
        ),
        th.Property(
            "reread_interval",
            th.IntegerType,
            default=changes.DEFAULT_REREAD_INTERVAL,
            description=(
                "Seconds a stream the API cannot filter by change may go without a whole "
                "read (the id scan of contacts and deals too, which finds deletions). "
                "Between whole reads an incremental run skips such a stream or reads only "
                "its tail or the rows that came with changed contacts. 0 reads them whole "
                "on every run."
            ),
        ),
        th.Property(
            "max_deleted_percent",
            th.IntegerType,
            default=changes.DEFAULT_MAX_DELETED_PERCENT,
            description=(
                "A whole read that finds more than this percentage of a stream's rows gone "
                "signals no deletion and warns why (the rows stay live downstream)."
            ),
        ),
        th.Property(
            "activities_per_contact",
            th.BooleanType,
            default=False,
            description=(
                "Read the activities stream one contact at a time (one request per contact, "
                "contacts read in full) instead of as one account-wide feed. Only for an "
                "account that refuses the account-wide read: the tap then says so and skips it."
            ),
        ),
        th.Property(
            "custom_objects",
            th.BooleanType,
            default=True,
            description=("Discover one stream per custom object schema (custom_object_<slug>)."),
        ),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self.message_writer, BufferedSingerWriter):
            self._state_writer = SnapshotStateWriter(self.message_writer)

    #: Custom object schemas read at discovery, reused by ``custom_object_schemas``.
    custom_object_definitions: list[dict[str, t.Any]] | None = None
    #: The children the contacts read of this run carries (set when contacts syncs).
    sideloads: Sideloads | None = None

    @cached_property
    def api_url(self) -> str:
        """The validated API URL."""
        try:
            return validate_api_url(self.config.get("api_url", ""))
        except ValueError as exc:
            raise ConfigValidationError(str(exc), errors=[str(exc)]) from None

    @cached_property
    def api_client(self) -> ApiClient:
        """The one HTTP client of the run (one rate limiter per account, shared by all)."""
        return client_from_config(
            {**self.config, "api_url": self.api_url},
            default_user_agent=f"tap-activecampaign/{__version__}",
            logger=self.logger,
            pool_size=max(8, int(self.config.get("max_parallel_requests", 6)) * 2),
        )

    def verify_token(self) -> None:
        """Prove the token with one request, so a bad one fails in seconds, saying so."""
        try:
            self.api_client.check_auth()
        except AuthError as exc:
            msg = (
                "ActiveCampaign refused the API token (HTTP "
                f"{exc.status}): check api_token and api_url (Settings > Developer)."
            )
            raise ConfigValidationError(msg, errors=[msg]) from None
        except ApiError as exc:
            msg = f"Could not reach the ActiveCampaign API at api_url: {exc}"
            raise ConfigValidationError(msg, errors=[msg]) from None

    @cached_property
    def executor(self) -> ThreadPoolExecutor:
        """Thread pool for concurrent page fetches (shared; the limiter paces it)."""
        workers = max(2, int(self.config.get("max_parallel_requests", 6)) * 2)
        return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ac-page")

    @override
    def load_streams(self) -> list[Stream]:
        """The SDK's order (by name), but contacts first: its pages carry the children
        (field values, tags, lists, ...) that the children's own syncs then need not read."""
        return sorted(super().load_streams(), key=lambda stream: stream.name != "contacts")

    def discover_streams(self) -> list[ActiveCampaignStream]:
        """Static streams for every list endpoint, plus one per custom object schema.

        The custom object schemas are fetched while the token check is in flight (one round
        trip saved at start-up); the check still decides whether the run goes on.
        """
        schemas = None
        if self.config.get("custom_objects", True):
            schemas = _in_daemon_thread(custom_object_definitions, self.api_client)
        try:
            self.verify_token()
        except ConfigValidationError:
            if schemas is not None:
                schemas.cancel()
            raise
        # Two ways to read activities; the setting picks one of them as `activities`.
        unused = (
            ActivitiesStream
            if self.config.get("activities_per_contact", False)
            else ContactActivitiesStream
        )
        found: list[ActiveCampaignStream] = [
            cls(tap=self) for cls in stream_modules.ALL if cls is not unused
        ]
        if schemas is not None:
            try:
                self.custom_object_definitions = schemas.result()
            except ApiError as exc:
                if exc.status not in (403, 404):
                    raise
                # Custom objects are an Enterprise feature: without them, no such streams.
                self.logger.warning(
                    "Custom objects are not available on this account (HTTP %s)", exc.status
                )
                self.custom_object_definitions = []
            found.extend(custom_object_streams(self, self.custom_object_definitions))
        return found


if __name__ == "__main__":
    TapActiveCampaign.cli()
