"""Change capture: what an incremental run reads for each stream, and which rows are gone.

ActiveCampaign filters changes server-side on three endpoints only (contacts, deals,
activities). Every other stream is found one of these ways:

- ``contacts``: a child of contacts sideloaded with ``include=`` on the contacts pages; the
  children of changed contacts arrive in the same responses, and a whole contacts read is a
  whole read of them.
- ``tail``: an append-only log, read from the offset where the last run stopped, after
  checking that the row there is still the one seen last (otherwise: a whole read).
- ``reread``: read whole when ``reread_interval`` has passed since its last whole read, or on
  every run while it fits in one page (small reference tables); skipped otherwise.

Deletions: every complete whole read (contacts and deals too, on the same interval: their id
scan) compares the ids it saw with those of the previous whole read, kept in the state as a
compressed bitmap, and signals each missing id as a record with ``_sdc_deleted_at``. An
incomplete read (failed, resumed) signals nothing; a pass that would delete more than
``max_deleted_percent`` of a stream signals nothing and says why.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from dataclasses import dataclass

from tap_activecampaign.idsets import IdBitmap, ids_of

if t.TYPE_CHECKING:
    import logging

SERVER = "server"
CONTACTS = "contacts"
TAIL = "tail"
REREAD = "reread"

CAPTURE_KEY = "capture"
DELETED_AT = "_sdc_deleted_at"
DELETED_AT_SCHEMA: dict[str, t.Any] = {"type": ["string", "null"], "format": "date-time"}
DEFAULT_REREAD_INTERVAL = 86400
DEFAULT_MAX_DELETED_PERCENT = 50


@dataclass(frozen=True)
class Plan:
    """What one stream reads in this run."""

    read: bool  # False: skipped until its next whole read is due
    whole: bool  # a whole read: no server filter, deletions found from it
    tail: dict[str, t.Any] | None = None  # continue an append-only log from here
    why: str = ""


SKIP = Plan(read=False, whole=False, why="not due for a re-read")
SIDELOADED = "sideloaded with contacts"


def parse_instant(value: t.Any) -> dt.datetime | None:
    """A stored ISO 8601 instant, or None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def reread_due(capture: dict[str, t.Any], interval: float, now: dt.datetime) -> bool:
    """True when a whole read is due: never done, interval 0, or older than the interval."""
    last = parse_instant(capture.get("read_at"))
    return interval <= 0 or last is None or (now - last).total_seconds() >= interval


def plan_read(
    mode: str,
    capture: dict[str, t.Any],
    *,
    interval: float,
    now: dt.datetime,
    sideloaded: bool = False,
) -> Plan:
    """Decide how a stream is read in this run (pure: state, settings and clock in).

    ``sideloaded`` says a ``contacts``-mode stream's rows come with the contacts pages in
    this run; without it such a stream is read as a ``reread`` stream.
    """
    due = reread_due(capture, interval, now)
    if mode == SERVER:
        return Plan(read=True, whole=due, why="id scan due" if due else "server filter")
    if mode == CONTACTS and sideloaded:
        return Plan(read=False, whole=False, why=SIDELOADED)
    if mode == TAIL:
        tail = capture.get("tail")
        if interval > 0 and isinstance(tail, dict) and int(tail.get("offset") or 0) > 0:
            return Plan(read=True, whole=False, tail=tail, why="tail of an append-only log")
        return Plan(read=True, whole=True, why="whole read of an append-only log")
    if due:
        return Plan(read=True, whole=True, why="re-read due")
    if int(capture.get("pages") or 0) == 1:
        return Plan(read=True, whole=True, why="one page: read every run")
    return SKIP


@dataclass
class Deletions:
    """The outcome of comparing a whole read with the previous one."""

    ids: list[int]
    refused: str = ""  # why none are signalled (the guard), or empty


def find_deletions(previous: IdBitmap | None, current: IdBitmap, max_fraction: float) -> Deletions:
    """Ids of the previous whole read missing from this one, unless too many are."""
    if previous is None or not previous.count:
        return Deletions([])
    gone_bits = previous.as_int() & ~current.as_int()
    gone = gone_bits.bit_count()
    if not gone:
        return Deletions([])
    if gone > max_fraction * previous.count:
        return Deletions(
            [],
            refused=(
                f"{gone} of {previous.count} rows ({gone / previous.count:.0%}) are missing, "
                f"more than max_deleted_percent ({max_fraction:.0%}): no deletion signalled"
            ),
        )
    return Deletions(ids_of(gone_bits))


class StreamCapture:
    """One stream's change-capture state for this run (ids seen, what to store after)."""

    def __init__(self, state: dict[str, t.Any], logger: logging.Logger, name: str) -> None:
        self._stream_state = state
        self.logger = logger
        self.name = name
        self.ids: IdBitmap | None = None
        self.complete = True

    @property
    def stored(self) -> dict[str, t.Any]:
        """The capture part of the stream's state (created when first written)."""
        value = self._stream_state.get(CAPTURE_KEY)
        return value if isinstance(value, dict) else {}

    def begin_whole(self) -> None:
        """Start collecting the ids of a whole read."""
        self.ids = IdBitmap()
        self.complete = True

    def previous_ids(self) -> IdBitmap | None:
        """The ids of the previous whole read, or None (none kept, or unreadable)."""
        text = self.stored.get("ids")
        if not isinstance(text, str):
            return None
        try:
            return IdBitmap.decode(text)
        except ValueError:
            self.logger.warning(
                "'%s': stored id set unreadable; deletions from next read", self.name
            )
            return None

    def finish_whole(
        self,
        *,
        started: dt.datetime,
        pages: int,
        max_fraction: float,
        track_ids: bool,
        tail: dict[str, t.Any] | None = None,
    ) -> list[int]:
        """Store the read's outcome; return the ids to signal as deleted.

        Nothing is compared or stored from an incomplete read: the next run reads whole
        again.
        """
        current = self.ids
        self.ids = None
        if not self.complete:
            self.logger.info("'%s': read incomplete (resumed): no deletion signalled", self.name)
            return []
        capture = dict(self.stored)
        capture["read_at"] = started.astimezone(dt.UTC).isoformat()
        capture["pages"] = pages
        if tail is not None:
            capture["tail"] = tail
        gone: list[int] = []
        if track_ids and current is not None:
            found = find_deletions(self.previous_ids(), current, max_fraction)
            if found.refused:
                self.logger.warning("'%s': %s", self.name, found.refused)
            else:
                gone = found.ids
                capture["ids"] = current.encode()
                capture["count"] = current.count
        self._stream_state[CAPTURE_KEY] = capture
        return gone

    def store_tail(self, tail: dict[str, t.Any]) -> None:
        """Remember where an append-only log was read to."""
        capture = dict(self.stored)
        capture["tail"] = tail
        self._stream_state[CAPTURE_KEY] = capture


def deletion_record(
    key: str, ident: int, when: str, columns: t.Iterable[str] = ()
) -> dict[str, t.Any]:
    """The record that says a row is gone: its key and when the tap found it gone (every
    other column null)."""
    record: dict[str, t.Any] = dict.fromkeys(columns)
    record[key] = ident
    record[DELETED_AT] = when
    return record
