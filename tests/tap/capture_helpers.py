"""Helpers for the change-capture tests: sandbox writes over HTTP, states, deletion records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import requests

DELETED = "_sdc_deleted_at"


def api(sb: Any, method: str, path: str, body: dict | None = None) -> requests.Response:
    """One request to the sandbox's API (as a user editing the account would)."""
    response = requests.request(
        method, f"{sb.api_url}/{path}", json=body, headers={"Api-Token": sb.token}, timeout=10
    )
    assert response.status_code < 300, (path, response.status_code, response.text[:300])
    return response


def deleted_ids(run: Any, stream: str) -> set[str]:
    """Ids a run signalled as deleted on a stream."""
    return {str(r["id"]) for r in run.records.get(stream, []) if r.get(DELETED)}


def live_ids(run: Any, stream: str) -> set[str]:
    """Ids a run emitted as live rows on a stream."""
    return {str(r["id"]) for r in run.records.get(stream, []) if not r.get(DELETED)}


def routes(sb: Any) -> dict[str, int]:
    """Requests per route since the last reset."""
    return dict(sb.stats()["by_route"])


def incremental_state(stream: str, key: str, mark: dt.datetime) -> dict:
    """A state as after a complete earlier run: bookmark at ``mark``, whole read just done."""
    now = dt.datetime.now(dt.UTC).isoformat()
    return {
        "bookmarks": {
            stream: {
                "replication_key": key,
                "replication_key_value": mark.astimezone(dt.UTC).isoformat(),
                "capture": {"read_at": now},
            }
        }
    }
