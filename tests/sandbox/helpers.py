"""Small HTTP helpers for the sandbox's own tests (real HTTP, no mocks)."""

from __future__ import annotations

from typing import Any

import requests

from activecampaign_sandbox import Sandbox


def client(sb: Sandbox, token: str | None = None) -> requests.Session:
    s = requests.Session()
    s.headers["Api-Token"] = sb.token if token is None else token
    return s


def get(sb: Sandbox, path: str, params: Any = None, **kw: Any) -> requests.Response:
    return client(sb).get(sb.api_url + path, params=params, timeout=30, **kw)


def post(sb: Sandbox, path: str, body: Any) -> requests.Response:
    return client(sb).post(sb.api_url + path, json=body, timeout=30)


def put(sb: Sandbox, path: str, body: Any) -> requests.Response:
    return client(sb).put(sb.api_url + path, json=body, timeout=30)


def read_all(
    sb: Sandbox,
    path: str,
    key: str,
    params: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Page with limit/offset until a short page."""
    out: list[dict[str, Any]] = []
    s = client(sb)
    offset = 0
    while True:
        r = s.get(
            sb.api_url + path, params={**(params or {}), "limit": 100, "offset": offset}, timeout=30
        )
        r.raise_for_status()
        page = r.json()[key]
        out.extend(page)
        if len(page) < 100:
            return out
        offset += 100
