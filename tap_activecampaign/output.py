"""How the tap's messages become bytes on stdout: fast, ordered, flushed only where it matters.

A large run writes tens of thousands of RECORD lines per CPU-second, so the SDK's
general-purpose serializer and per-message flush would dominate its cost. Here RECORD lines
are encoded with orjson (ASCII-escaped as the standard library would), batched in blocks,
and written to stdout's byte buffer; a STATE (or any other message) writes the pending block
first and flushes, so a STATE never reaches the target before the records it covers.
"""

from __future__ import annotations

import atexit
import codecs
import datetime as dt
import json
import sys
import typing as t

import orjson
from singer_sdk.io_base import SingerWriter
from singer_sdk.singerlib import RecordMessage

from tap_activecampaign.sdk_compat import StateWriter

if t.TYPE_CHECKING:
    from singer_sdk.singerlib.messages import Message


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
