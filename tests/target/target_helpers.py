"""Shared helpers for the target's tests: Singer messages in, a target run against a sandbox."""

from __future__ import annotations

import contextlib
import io
import json
import typing as t
from dataclasses import dataclass
from pathlib import Path

from target_activecampaign.target import TargetActiveCampaign

TOKEN = "target-test-token-7f3a9c"


def stream_messages(
    stream: str, records: t.Sequence[dict], key_properties: t.Sequence[str] = ()
) -> list[dict]:
    """A SCHEMA (every key seen, any type) and one RECORD per record."""
    keys: dict[str, None] = {}
    for record in records:
        keys.update(dict.fromkeys(record))
    schema = {"type": "object", "properties": {k: {} for k in keys}}
    out: list[dict] = [
        {
            "type": "SCHEMA",
            "stream": stream,
            "schema": schema,
            "key_properties": list(key_properties),
        }
    ]
    out.extend({"type": "RECORD", "stream": stream, "record": r} for r in records)
    return out


def to_lines(messages: t.Iterable[dict | str]) -> str:
    return "".join((m if isinstance(m, str) else json.dumps(m)) + "\n" for m in messages)


@dataclass
class RunResult:
    target: TargetActiveCampaign
    states: list[dict]
    rejects: list[dict]

    @property
    def ledger(self) -> dict:
        return self.target.run.ledger.summary()["totals"]


def run_target(
    api_url: str,
    messages: t.Iterable[dict | str],
    tmp_path: Path,
    target_class: type[TargetActiveCampaign] = TargetActiveCampaign,
    **config: t.Any,
) -> RunResult:
    """Run the target in-process over the messages; collect state lines and rejects."""
    rejects_file = tmp_path / "rejects.jsonl"
    if rejects_file.exists():
        rejects_file.unlink()
    cfg = {"api_url": api_url, "api_token": TOKEN, "rejects_file": str(rejects_file)}
    cfg["requests_per_second"] = 1000
    cfg.update(config)
    target = target_class(config=cfg)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        target.listen(io.StringIO(to_lines(messages)))
    states = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    rejects = (
        [json.loads(line) for line in rejects_file.read_text().splitlines()]
        if rejects_file.exists()
        else []
    )
    return RunResult(target, states, rejects)


def writes(stats: dict) -> dict[str, int]:
    """The write requests a sandbox saw, by route."""
    return {
        route: n for route, n in stats.get("by_route", {}).items() if not route.startswith("GET ")
    }
