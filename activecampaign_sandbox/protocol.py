"""The wire between HTTP and the domains: requests, answers, errors and routing.

Every domain module speaks this small vocabulary and nothing else of the server: a handler gets a
`Request` (method, path segments, parsed query, raw body), returns a `Result` or raises an
`ApiError` in the documented error shape, and is found by the `Router` from its path template.
The validators here are the ones every domain shares (ids, emails, the 422 of a missing field);
what a field means belongs to its domain.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Params:
    """Query parameters keeping the last value per key and all values of repeated keys."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs
        self.last: dict[str, str] = {}
        self.multi: dict[str, list[str]] = {}
        for k, v in pairs:
            self.last[k] = v
            self.multi.setdefault(k, []).append(v)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.last.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self.last


@dataclass
class Result:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """Raised by handlers to answer with an error status and body."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


# the service names some models by their internal class in 404 messages
_MODEL_NAMES = {"contact": "Subscriber", "contactAutomation": "SubscriberSeries"}


def not_found_detail(detail: str) -> ApiError:
    """The custom objects API's 404 (a JSON:API style error list)."""
    return ApiError(404, {"errors": [{"status": 404, "title": "Not Found", "detail": detail}]})


def not_found(singular: str, rid: str) -> ApiError:
    model = _MODEL_NAMES.get(singular) or singular[:1].upper() + singular[1:]
    return ApiError(404, {"message": f"No Result found for {model} with id {rid}"})


@dataclass
class Request:
    method: str
    segs: list[str]
    params: Params
    body: bytes


class Router:
    """Routes indexed by (method, number of segments, first segment)."""

    def __init__(self) -> None:
        self.routes: dict[
            tuple[str, int, str], list[tuple[tuple[str, ...], Callable[..., Result]]]
        ] = {}

    def add(self, method: str, pattern: str, fn: Callable[..., Result]) -> None:
        pat = tuple(s for s in pattern.strip("/").split("/") if s)
        key = (method, len(pat), pat[0] if pat else "")
        self.routes.setdefault(key, []).append((pat, fn))

    def match(
        self, method: str, segs: list[str]
    ) -> tuple[str, Callable[..., Result], list[str]] | None:
        for pat, fn in self.routes.get((method, len(segs), segs[0] if segs else ""), ()):
            args = []
            for p, s in zip(pat, segs, strict=True):
                if p[0] == "{":
                    args.append(s)
                elif p != s:
                    break
            else:
                tmpl = "/".join("{id}" if p[0] == "{" else p for p in pat)
                return method + " /" + tmpl, fn, args
        return None


def parse_int(s: str) -> int | None:
    try:
        return int(s)
    except (TypeError, ValueError):
        return None


def template_guess(segs: list[str]) -> str:
    return "/" + "/".join("{id}" if s.isdigit() else s for s in segs)


# -- shared validators ---------------------------------------------------------------------
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z0-9-]{2,}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def err(title: str, code: str, pointer: str, detail: str = "", status: int = 422) -> ApiError:
    """The documented validation error: {"errors": [{title, detail, code, source.pointer}]}."""
    return ApiError(
        status,
        {
            "errors": [
                {"title": title, "detail": detail, "code": code, "source": {"pointer": pointer}}
            ]
        },
    )


def missing(attr: str) -> ApiError:
    return ApiError(
        422,
        {
            "errors": [
                {
                    "title": "Missing attribute",
                    "detail": "",
                    "code": "field_missing",
                    "source": {"pointer": f"/data/attributes/{attr}"},
                }
            ]
        },
    )


def require(data: dict[str, Any], *keys: str) -> None:
    """A 422 naming the first of `keys` that is absent or empty."""
    for k in keys:
        if data.get(k) in (None, ""):
            raise missing(k)


def not_found_404(what: str) -> ApiError:
    return not_found_detail(f"{what} not found")


def sid(v: Any) -> str:
    """Ids arrive as ints or strings; the API answers strings."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def as_int(v: Any) -> int | None:
    try:
        return int(sid(v))
    except ValueError:
        return None


def json_body(req: Request) -> Any:
    """The request's JSON document; the API's 400 when it is empty or malformed."""
    if not req.body:
        raise ApiError(400, {})
    try:
        return json.loads(req.body)
    except (ValueError, UnicodeDecodeError) as e:
        raise ApiError(
            400,
            {"errors": [{"title": "Malformed JSON", "detail": str(e), "code": "malformed_json"}]},
        ) from None


def wrapper(req: Request, key: str) -> dict[str, Any]:
    body = json_body(req)
    obj = body.get(key) if isinstance(body, dict) else None
    if not isinstance(obj, dict):
        raise ApiError(
            400,
            {
                "errors": [
                    {
                        "title": f"The request body must contain a '{key}' object",
                        "detail": "",
                        "code": "invalid",
                        "source": {"pointer": f"/data/{key}"},
                    }
                ]
            },
        )
    return obj
