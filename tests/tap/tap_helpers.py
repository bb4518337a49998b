"""Helpers for the tap tests: config for a sandbox, running the tap CLI, parsing its output."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOKEN = "tap-test-token-5f2a9c"  # long and distinctive, so a leak is unmistakable


def tap_config(sb: Any, **overrides: Any) -> dict[str, Any]:
    """Config for a sandbox: fast (no limiter wait), no lookback unless asked."""
    return {
        "api_url": sb.api_url,
        "api_token": sb.token,
        "requests_per_second": 1000,
        "lookback_window": 0,
        **overrides,
    }


@dataclass
class TapRun:
    """Parsed output of one tap run."""

    returncode: int
    stdout: str
    stderr: str
    records: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    states: list[dict] = field(default_factory=list)

    @property
    def state(self) -> dict:
        """The last STATE emitted."""
        return self.states[-1] if self.states else {}

    def ids(self, stream: str) -> list[str]:
        """Record ids of a stream, in emitted order, as strings."""
        return [str(r["id"]) for r in self.records.get(stream, [])]


def parse_output(returncode: int, stdout: str, stderr: str) -> TapRun:
    """Split Singer output into records per stream and states."""
    run = TapRun(returncode, stdout, stderr)
    for line in stdout.splitlines():
        if not line.strip():
            continue
        msg = json.loads(line)
        if msg["type"] == "RECORD":
            run.records[msg["stream"]].append(msg["record"])
        elif msg["type"] == "STATE":
            run.states.append(msg["value"])
    return run


def catalog_for(config: dict, streams: set[str] | None, tmp: Path) -> Path:
    """A catalog (from --discover) with only `streams` selected (all when None)."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tap_activecampaign.tap",
            "--config",
            str(tmp / "config.json"),
            "--discover",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    catalog = json.loads(out.stdout)
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = streams is None or entry["tap_stream_id"] in streams
    path = tmp / "catalog.json"
    path.write_text(json.dumps(catalog))
    return path
