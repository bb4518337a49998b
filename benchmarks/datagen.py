"""Singer input for the load benchmarks and the soak: contacts with tags, lists and custom fields.

Field perstags and list names are taken from the sandbox the input will be loaded into, so every
generated record is valid there (the bad-input soak adds the invalid ones on purpose).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CONTACT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "email": {"type": "string"},
        "first_name": {"type": ["string", "null"]},
        "last_name": {"type": ["string", "null"]},
        "phone": {"type": ["string", "null"]},
        "custom_fields": {"type": ["object", "null"]},
        "tags": {"type": ["array", "null"], "items": {"type": "string"}},
        "lists": {"type": ["array", "null"], "items": {"type": ["string", "integer"]}},
    },
    "required": ["email"],
}

FIRST = ("Ada", "Grace", "Linus", "Barbara", "Alan", "Edsger", "Frances", "Ken", "Radia", "Guido")
LAST = ("Lovelace", "Hopper", "Torvalds", "Liskov", "Turing", "Dijkstra", "Allen", "Thompson")
TAGS = tuple(f"bench-tag-{i:02d}" for i in range(20))


def pick_fields(fields: list[dict]) -> dict[str, dict]:
    """Text fields, plus one dropdown and one date, by perstag: a realistic, valid mix."""
    chosen: dict[str, dict] = {}
    for f in fields:
        typ, tag = f.get("type"), f.get("perstag")
        if not tag:
            continue
        if (
            typ in ("text", "textarea")
            and sum(1 for c in chosen.values() if c.get("type") in ("text", "textarea")) < 2
        ) or (typ == "date" and not any(c.get("type") == "date" for c in chosen.values())):
            chosen[tag] = f
    return chosen


def contact_record(
    i: int, prefix: str, fields: dict[str, dict], lists: list[str], rnd: random.Random
) -> dict:
    custom: dict[str, Any] = {}
    for tag, f in fields.items():
        if f.get("type") == "date":
            custom[tag] = f"19{70 + i % 30}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        else:
            custom[tag] = f"{f.get('title', tag)} {i}"
    rec: dict[str, Any] = {
        "email": f"{prefix}{i:06d}@bench.example.com",
        "first_name": FIRST[i % len(FIRST)],
        "last_name": LAST[(i // len(FIRST)) % len(LAST)],
        "phone": f"+1555{i:07d}",
        "custom_fields": custom,
        "tags": rnd.sample(TAGS, 2),
    }
    if lists:
        rec["lists"] = [lists[i % len(lists)]]
    return rec


def messages(
    n: int, prefix: str, fields: dict[str, dict], lists: list[str], seed: int = 7
) -> Iterator[dict]:
    rnd = random.Random(seed)
    yield {
        "type": "SCHEMA",
        "stream": "contacts",
        "schema": CONTACT_SCHEMA,
        "key_properties": ["email"],
    }
    for i in range(n):
        yield {
            "type": "RECORD",
            "stream": "contacts",
            "record": contact_record(i, prefix, fields, lists, rnd),
        }
    yield {"type": "STATE", "value": {"bench": {"written": n, "prefix": prefix}}}


def write_input(path: Path, msgs: Iterator[dict] | list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        for m in msgs:
            fh.write(json.dumps(m, separators=(",", ":")) + "\n")
    return path


def sandbox_vocabulary(sandbox: Any) -> tuple[dict[str, dict], list[str]]:
    """The fields and list names of a sandbox, for generating valid input."""
    fields = pick_fields(sandbox.resource("fields"))
    lists = [str(row.get("name") or row.get("id")) for row in sandbox.resource("lists")][:3]
    return fields, lists
