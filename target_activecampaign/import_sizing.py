"""Bulk import sizing and answers: how entries are packed into `POST /import/bulk_import` requests.

The API takes at most 250 contacts and about 400 kB a request, and never the same contact twice
in one; `chunk_entries` packs under those limits. `parse_bulk_answer` and `import_done` classify
what the API says back. Beside `importer`, which drives the requests; pure, so unit-tested.
"""

from __future__ import annotations

import json
import typing as t
from dataclasses import dataclass, field

# -- bulk import request shaping ---------------------------------------------------------------

MAX_IMPORT_CONTACTS = 250
MAX_IMPORT_BYTES = 400_000
IMPORT_ENVELOPE_BYTES = 200  # `{"contacts": [...], "exclude_automations": false}` and slack
#: each contact also carries its own `"exclude_automations": false` (see `import_body`)
EXCLUDE_FLAG_BYTES = len(', "exclude_automations": false')


def entry_size(entry: t.Mapping[str, t.Any]) -> int:
    encoded = json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode()
    return len(encoded) + 1 + EXCLUDE_FLAG_BYTES


def import_body(
    entries: t.Iterable[t.Mapping[str, t.Any]], exclude_automations: bool
) -> dict[str, t.Any]:
    """The `POST /import/bulk_import` body.

    The reference's request example puts `exclude_automations` inside each `contacts[]` item,
    so that is where it takes effect; the top-level flag some clients send is kept as well.
    """
    return {
        "contacts": [{**e, "exclude_automations": exclude_automations} for e in entries],
        "exclude_automations": exclude_automations,
    }


def chunk_entries(
    sizes: t.Sequence[tuple[str, int]],
    *,
    max_count: int = MAX_IMPORT_CONTACTS,
    max_bytes: int = MAX_IMPORT_BYTES,
) -> list[list[int]]:
    """Group entries (email key, encoded size) into requests under both limits.

    Returns index lists. An email seen twice starts a new request, so one request never holds
    the same contact twice (the import's order within a request is not documented).
    """
    budget = max_bytes - IMPORT_ENVELOPE_BYTES
    chunks: list[list[int]] = []
    current: list[int] = []
    seen: set[str] = set()
    used = 0
    for i, (key, size) in enumerate(sizes):
        if size > budget:
            raise ValueError(f"entry {i} alone is {size} bytes, over the import limit")
        if current and (len(current) >= max_count or used + size > budget or key in seen):
            chunks.append(current)
            current, seen, used = [], set(), 0
        current.append(i)
        seen.add(key)
        used += size
    if current:
        chunks.append(current)
    return chunks


@dataclass
class BulkAnswer:
    """A `POST /import/bulk_import` answer, classified."""

    ok: bool
    batch_id: str | None = None
    rate_limited: bool = False
    failures: dict[int, str] = field(default_factory=dict)  # index in request -> reason
    message: str = ""


def parse_bulk_answer(status: int, body: t.Any) -> BulkAnswer:
    """Success (either capitalisation), the import rate limit, or per-contact failures."""
    if not isinstance(body, dict):
        return BulkAnswer(ok=False, message=str(body)[:300])
    success = body.get("success", body.get("Success"))
    if status < 300 and str(success) in ("1", "True", "true"):
        batch = body.get("batchId") or body.get("batchid") or body.get("batch_id")
        return BulkAnswer(ok=True, batch_id=str(batch) if batch else None)
    message = str(body.get("message") or "")
    if "rate limit" in message.lower():
        return BulkAnswer(ok=False, rate_limited=True, message=message)
    failures: dict[int, str] = {}
    for item in body.get("failureReasons") or []:
        if not isinstance(item, dict):
            continue
        idx = item.get("contact")
        if isinstance(idx, int) or (isinstance(idx, str) and idx.isdigit()):
            failures[int(idx)] = str(item.get("failureReason") or message or "rejected")
    return BulkAnswer(ok=False, failures=failures, message=message)


def import_done(info: t.Any) -> str:
    """'done', 'failed' or 'pending' for a `GET /import/info` answer."""
    if not isinstance(info, dict):
        return "pending"
    status = info.get("status")
    if status == "completed":
        return "done"
    if status in ("failed", "interrupted", "error"):
        return "failed"
    return "pending"
