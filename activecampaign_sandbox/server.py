"""HTTP front of the sandbox: auth, rate limit, faults, latency, stats and the control API.

Emulated API under /api/3; the introspection/control API under /__sandbox/ needs no token
and is never rate limited nor faulted.

Faults are decided BEFORE a request is processed: a write that gets a 5xx, a 403, a dropped
connection or a truncated body is NOT applied (a GET that gets a truncated body is processed
and its real body cut short). A stall delays the request and then processes it normally.
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from . import control as account_control
from .api import Account
from .protocol import Params, Result
from .util import h1

AUTH_FAIL_BODY = {"message": "No Result found for Subscriber with id 0"}
FAULT_KINDS: tuple[tuple[str, float], ...] = (
    ("500", 0.20),
    ("502", 0.12),
    ("503", 0.25),
    ("403", 0.05),
    ("stall", 0.10),
    ("drop", 0.15),
    ("truncate", 0.13),
)
_FAULT_SALT = 0xFA17
LOG_SIZE = 5000  # requests kept for GET /__sandbox/requests
_HTML_403 = (
    b"<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n"
    b"<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
_HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
)
_HTML_503 = (
    b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n"
    b"<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n"
    b"</body>\r\n</html>\r\n"
)


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


class TokenBucket:
    """One bucket for the whole account: capacity N requests, refilled at N per second.

    `others` is what the account's other integrations spend from the same bucket (requests/s,
    taken as it refills), so less than N is left for us. With `penalty_s`, a request over the
    limit refuses the whole account for that long: every request until then is refused, with
    `Retry-After` saying how much of the penalty is left (the reference's example is 30 s).
    """

    def __init__(self, rate: float, others: float = 0.0, penalty_s: float = 0.0) -> None:
        self.rate = float(rate)
        self.capacity = max(1.0, float(rate))
        self.tokens = self.capacity
        self.t = time.monotonic()
        self.lock = threading.Lock()
        self.others = 0.0
        self.penalty_s = 0.0
        self.refused_until = 0.0
        self.tune(others=others, penalty_s=penalty_s)

    def tune(self, others: float | None = None, penalty_s: float | None = None) -> None:
        with self.lock:
            if others is not None:
                self.others = min(self.rate, max(0.0, float(others)))
            if penalty_s is not None:
                self.penalty_s = max(0.0, float(penalty_s))

    def take(self) -> tuple[bool, int, int]:
        """(allowed, remaining, retry_after_seconds)."""
        with self.lock:
            now = time.monotonic()
            refill = (now - self.t) * (self.rate - self.others)
            self.tokens = min(self.capacity, self.tokens + refill)
            self.t = now
            if now < self.refused_until:
                return False, 0, max(1, math.ceil(self.refused_until - now))
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return True, int(self.tokens), 0
            if self.penalty_s:
                self.refused_until = now + self.penalty_s
                return False, 0, max(1, math.ceil(self.penalty_s))
            wait = (1.0 - self.tokens) / (self.rate - self.others or self.rate)
            return False, 0, max(1, math.ceil(wait))


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.total = 0
            self.by_route: Counter[str] = Counter()
            self.by_status: Counter[str] = Counter()
            self.rate_limited = 0
            self.faults: Counter[str] = Counter()
            self.log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)

    def route(self, tmpl: str, method: str, path: str, query: str) -> dict[str, Any]:
        """Count a request and log it (never its headers: they carry the token)."""
        entry: dict[str, Any] = {
            "route": tmpl,
            "method": method,
            "path": path,
            "query": query,
            "status": None,
            "fault": None,
        }
        with self.lock:
            self.total += 1
            self.by_route[tmpl] += 1
            self.log.append(entry)
        return entry

    def status(self, code: int) -> None:
        with self.lock:
            self.by_status[str(code)] += 1
            if code == 429:
                self.rate_limited += 1

    def limit_503(self) -> None:
        """A 503 page served by the rate limit (counted with the 429s it stands for)."""
        with self.lock:
            self.rate_limited += 1

    def fault(self, kind: str) -> None:
        with self.lock:
            self.faults[kind] += 1

    def recent(self, limit: int) -> list[dict[str, Any]]:
        with self.lock:
            items = list(self.log)
        return [dict(e) for e in items[-limit:]] if limit > 0 else []

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "total": self.total,
                "by_route": dict(self.by_route),
                "by_status": dict(self.by_status),
                "rate_limited": self.rate_limited,
                "faults": dict(self.faults),
            }


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        addr: tuple[str, int],
        account: Account,
        token: str,
        seed: int = 1,
        rate: float | None = None,
        latency_ms: float = 0,
        fail: float = 0.0,
        stall_s: float = 2.5,
        lost: float = 0.0,
        rate_others: float = 0.0,
        rate_penalty_s: float = 0.0,
        rate_503: float = 0.0,
    ) -> None:
        super().__init__(addr, Handler)
        self.account = account
        self.token = token
        self.seed = seed
        self.stats = Stats()
        self.limiter: TokenBucket | None = None
        self.latency_s = 0.0
        self.fail = 0.0
        self.lost = 0.0
        self.stall_s = stall_s
        self.rate_others = 0.0
        self.rate_penalty_s = 0.0
        self.rate_503 = 0.0
        self._seq = 0
        self._seq_lock = threading.Lock()
        self.configure(
            rate=rate,
            latency_ms=latency_ms,
            fail=fail,
            lost=lost,
            rate_others=rate_others,
            rate_penalty_s=rate_penalty_s,
            rate_503=rate_503,
        )

    def configure(self, **kw: Any) -> dict[str, Any]:
        if kw.get("rate_others") is not None:
            self.rate_others = max(0.0, float(kw["rate_others"]))
        if kw.get("rate_penalty_s") is not None:
            self.rate_penalty_s = max(0.0, float(kw["rate_penalty_s"]))
        if kw.get("rate_503") is not None:
            self.rate_503 = min(1.0, max(0.0, float(kw["rate_503"])))
        if "rate" in kw:
            r = kw["rate"]
            self.limiter = (
                TokenBucket(float(r), self.rate_others, self.rate_penalty_s) if r else None
            )
        elif self.limiter is not None:
            self.limiter.tune(others=self.rate_others, penalty_s=self.rate_penalty_s)
        if "latency_ms" in kw and kw["latency_ms"] is not None:
            self.latency_s = max(0.0, float(kw["latency_ms"])) / 1000.0
        if "fail" in kw and kw["fail"] is not None:
            self.fail = min(1.0, max(0.0, float(kw["fail"])))
        if "stall_s" in kw and kw["stall_s"] is not None:
            self.stall_s = max(0.0, float(kw["stall_s"]))
        if "lost" in kw and kw["lost"] is not None:
            self.lost = min(1.0, max(0.0, float(kw["lost"])))
        if "activities_need_contact" in kw and kw["activities_need_contact"] is not None:
            self.account.activities_need_contact = bool(kw["activities_need_contact"])
        account_control.configure(self.account, kw)
        return self.config()

    def config(self) -> dict[str, Any]:
        return {
            "rate": self.limiter.rate if self.limiter else None,
            "latency_ms": self.latency_s * 1000.0,
            "fail": self.fail,
            "lost": self.lost,
            "stall_s": self.stall_s,
            "rate_others": self.rate_others,
            "rate_penalty_s": self.rate_penalty_s,
            "rate_503": self.rate_503,
            "activities_need_contact": self.account.activities_need_contact,
            **account_control.config(self.account),
        }

    def next_seq(self) -> int:
        with self._seq_lock:
            self._seq += 1
            return self._seq

    def pick_lost(self, seq: int) -> bool:
        """Opt-in "answer lost" fault for writes: applied, then the connection drops."""
        if self.lost <= 0:
            return False
        return (h1(self.seed, _FAULT_SALT + 2, seq) >> 11) / 9007199254740992.0 < self.lost

    def pick_limit_503(self, seq: int) -> bool:
        """Whether a refusal by the rate limit is a 503 page instead of the documented 429."""
        if self.rate_503 <= 0:
            return False
        return (h1(self.seed, _FAULT_SALT + 3, seq) >> 11) / 9007199254740992.0 < self.rate_503

    def pick_fault(self, seq: int) -> str | None:
        if self.fail <= 0:
            return None
        v = h1(self.seed, _FAULT_SALT, seq)
        if (v >> 11) / 9007199254740992.0 >= self.fail:
            return None
        x = (h1(self.seed, _FAULT_SALT + 1, seq) >> 11) / 9007199254740992.0
        acc = 0.0
        for kind, w in FAULT_KINDS:
            acc += w
            if x < acc:
                return kind
        return FAULT_KINDS[-1][0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes; without this, Nagle + delayed ACK add
    # ~40 ms to every keep-alive response
    disable_nagle_algorithm = True
    server: SandboxServer
    server_version = "nginx"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging (and never log headers, which carry the token)."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    # -- helpers -------------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        n = self.headers.get("Content-Length")
        if not n:
            return b""
        try:
            return self.rfile.read(int(n))
        except (ValueError, OSError):
            return b""

    def _send(
        self,
        status: int,
        body: bytes,
        ctype: str = "application/json",
        headers: dict[str, str] | None = None,
        declared_len: int | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if declared_len is None else declared_len))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        body = self._read_body()
        try:
            if path.startswith("/__sandbox"):
                self._control(method, path[len("/__sandbox") :], url.query, body)
            elif path == "/api/3" or path.startswith("/api/3/"):
                self._api(method, path[len("/api/3") :], url.query, body)
            else:
                self._send(404, dumps({"message": "Not Found"}))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # -- emulated API --------------------------------------------------------------------------
    def _api(self, method: str, sub: str, qs: str, body: bytes) -> None:
        srv = self.server
        acct = srv.account
        seq = srv.next_seq()
        segs = [s for s in sub.split("/") if s]
        m = acct.router.match(method, segs)
        tmpl = m[0] if m else method + " /" + "/".join("{id}" if s.isdigit() else s for s in segs)
        entry = srv.stats.route(tmpl, method, "/api/3" + sub, qs)

        def done(code: int) -> None:
            entry["status"] = code
            srv.stats.status(code)

        if srv.latency_s:
            time.sleep(srv.latency_s)
        fault = srv.pick_fault(seq)
        extra: dict[str, str] = {}
        if fault is not None:
            srv.stats.fault(fault)
            entry["fault"] = fault
            if fault == "drop":
                self._drop()
                return
            if fault == "stall":
                time.sleep(srv.stall_s)
            elif fault == "500":
                done(500)
                self._send(500, dumps({"message": "An unexpected error occurred."}))
                return
            elif fault == "502":
                done(502)
                self._send(502, _HTML_502, "text/html")
                return
            elif fault == "503":
                done(503)
                self._send(503, _HTML_503, "text/html", {"Retry-After": "1"})
                return
            elif fault == "403":
                done(403)
                self._send(403, _HTML_403, "text/html")
                return
            elif fault == "truncate" and method != "GET":
                full = dumps({"message": "Request accepted, processing"})
                done(200)
                self._send(200, full[: len(full) // 2], declared_len=len(full))
                self._drop()
                return
        if srv.limiter is not None:
            ok, remaining, retry = srv.limiter.take()
            extra = {
                "RateLimit-Limit": str(int(srv.limiter.rate)),
                "RateLimit-Remaining": str(remaining),
            }
            if not ok and srv.pick_limit_503(seq):
                srv.stats.limit_503()
                done(503)
                self._send(503, _HTML_503, "text/html")
                return
            if not ok:
                done(429)
                extra["Retry-After"] = str(retry)
                extra["RateLimit-Reset"] = str(retry)
                self._send(
                    429,
                    dumps(
                        {
                            "message": "Too Many Requests. Rate limit is "
                            f"{int(srv.limiter.rate)} requests per second."
                        }
                    ),
                    headers=extra,
                )
                return
        if self.headers.get("Api-Token") != srv.token:
            done(403)
            self._send(403, dumps(AUTH_FAIL_BODY), headers=extra)
            return
        params = Params(parse_qsl(qs, keep_blank_values=True))
        res, _ = acct.handle(method, sub, params, body)
        if method != "GET" and fault is None and srv.pick_lost(seq):
            srv.stats.fault("lost")
            entry["fault"] = "lost"
            self._drop()  # the write WAS applied; the client never hears about it
            return
        payload = b"" if res.body is None else dumps(res.body)
        headers = {**extra, **res.headers}
        done(res.status)
        if fault == "truncate":
            self._send(
                res.status, payload[: len(payload) // 2], headers=headers, declared_len=len(payload)
            )
            self._drop()
            return
        self._send(res.status, payload, headers=headers)

    # -- control API ---------------------------------------------------------------------------
    def _control(self, method: str, sub: str, qs: str, body: bytes) -> None:
        srv = self.server
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            self._send(400, dumps({"message": "malformed JSON"}))
            return
        res = control(srv, method, sub.strip("/"), data, dict(parse_qsl(qs)))
        self._send(res.status, dumps(res.body))


def control(
    srv: SandboxServer, method: str, sub: str, data: dict[str, Any], query: dict[str, str]
) -> Result:
    """The /__sandbox/ operations, shared by HTTP and the Python API."""
    acct = srv.account
    if method == "GET" and sub == "stats":
        return Result(200, srv.stats.snapshot())
    if method == "GET" and sub == "requests":
        limit = int(query.get("limit") or 100)
        return Result(200, {"requests": srv.stats.recent(limit)})
    if method == "POST" and sub == "stats/reset":
        srv.stats.reset()
        return Result(200, {"ok": True})
    if method == "GET" and sub in ("", "health"):
        return Result(200, {"ok": True, "api_url": acct.api_url})
    if method == "GET" and sub == "resources":
        return Result(200, {"resources": sorted(acct.world.tables)})
    if method == "GET" and sub.startswith("resources/"):
        name = sub[len("resources/") :]
        if name not in acct.world.tables and name != "webhook/events":
            return Result(404, {"message": f"unknown resource {name}"})
        if query.get("count") in ("1", "true"):
            with acct.lock:
                n = len(acct.dump(name)) if name == "webhook/events" else len(acct.table(name))
            return Result(200, {"resource": name, "count": n})
        fields = [f for f in (query.get("fields") or "").split(",") if f]
        offset = max(0, int(query.get("offset") or 0))
        limit = int(query.get("limit") or 0) or None
        with acct.lock:
            rows = acct.dump(name, offset=offset, limit=limit)
        if fields:
            rows = [{f: r.get(f) for f in fields} for r in rows]
        return Result(200, {name: rows})
    if method == "POST" and sub == "mutate":
        name = str(data.get("resource", ""))
        if name not in acct.world.tables:
            return Result(404, {"message": f"unknown resource {name}"})
        if data.get("with_links") and name == "contacts":
            links = account_control.mutate_with_links(acct, data.get("fraction"), data.get("ids"))
            return Result(200, links)
        touched = acct.mutate(name, fraction=data.get("fraction"), ids=data.get("ids"))
        return Result(200, {"ids": touched})
    if method == "POST" and sub in ("append", "delete"):
        return account_control.append_or_delete(acct, sub, data)
    if sub == "config":
        if method == "POST":
            keys = (
                "rate",
                "fail",
                "latency_ms",
                "stall_s",
                "lost",
                "activities_need_contact",
                "rate_others",
                "rate_penalty_s",
                "rate_503",
            )
            kw = {k: data[k] for k in (*keys, *account_control.CONFIG_KEYS) if k in data}
            bad = account_control.config_error(kw)
            if bad:
                return Result(400, {"message": bad})
            return Result(200, srv.configure(**kw))
        return Result(200, srv.config())
    if method == "GET" and sub == "imports":
        return Result(200, acct.bulk.snapshot() if acct.bulk else {"batches": []})
    return Result(404, {"message": "unknown sandbox operation"})
