"""Rejects: why a record cannot be written (`Reject`), and the ledger of every record's outcome.

Every record ends up written, rejected or explained; the ledger writes the rejects file and the
run summary. `Reject` lives here, at the bottom of the package, because every layer raises it.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import typing as t
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Reject(Exception):
    """Why a record cannot be written; `api_error` is the API's own answer when there was one."""

    reason: str
    api_error: t.Any = None

    def __str__(self) -> str:
        return self.reason


OUTCOMES = ("written", "rejected", "skipped", "reference", "ignored", "would_write")


def _default(value: t.Any) -> t.Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, set | tuple):
        return list(value)
    return str(value)


class Ledger:
    """Counts outcomes per stream and appends rejects to a JSON Lines file.

    The file is created on the first reject (a clean run leaves none behind), and each line is
    flushed at once so a crash later in the run still leaves every reject so far on disk.
    """

    def __init__(self, rejects_path: str | Path | None) -> None:
        self.path = Path(rejects_path) if rejects_path else None
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
        self._fh: t.IO[str] | None = None
        self._lock = threading.Lock()
        #: stream -> field -> count: written records whose field was left out (sync_mode)
        self.field_skips: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def count(self, stream: str, outcome: str, n: int = 1) -> None:
        with self._lock:
            self.counts[stream][outcome] += n

    def reject(
        self,
        stream: str,
        record: t.Any,
        reason: str,
        api_error: t.Any = None,
        object_type: str | None = None,
    ) -> None:
        line = {
            "stream": stream,
            "object_type": object_type,
            "reason": reason,
            "api_error": api_error,
            "record": record,
        }
        text = json.dumps(line, default=_default, ensure_ascii=False)
        with self._lock:
            self.counts[stream]["rejected"] += 1
            if self.path is not None:
                if self._fh is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    self._fh = self.path.open("w", encoding="utf-8")
                self._fh.write(text + "\n")
                self._fh.flush()

    def skip_field(self, stream: str, field: str) -> None:
        """A record written without one of its fields (the caller logs which record and why)."""
        with self._lock:
            self.field_skips[stream][field] += 1

    @property
    def rejected(self) -> int:
        return sum(c["rejected"] for c in self.counts.values())

    def summary(self) -> dict[str, t.Any]:
        totals = dict.fromkeys(OUTCOMES, 0)
        for c in self.counts.values():
            for k, v in c.items():
                totals[k] += v
        out: dict[str, t.Any] = {
            "streams": {s: dict(c) for s, c in sorted(self.counts.items())},
            "totals": totals,
            "rejects_file": str(self.path) if self.path and totals["rejected"] else None,
        }
        if self.field_skips:
            out["field_skips"] = {s: dict(f) for s, f in sorted(self.field_skips.items())}
        return out

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
                self._fh = None
