"""One account's state: its generated world, resource specs, the write lock, caches, settings.

Every domain reads and writes through this object, so it sits below all of them and knows no
domain: the world is built and the routes are added by api.py, which calls each domain's
`build` and `register`. `handle` turns a routed call into a `Result`, answering a sandbox bug
with a 500 naming it.
"""

from __future__ import annotations

import sys
import threading
import traceback
from typing import Any

from .options import SandboxOptions
from .protocol import ApiError, Params, Request, Result, Router, json_body, template_guess
from .resources import WEBHOOK_EVENTS, Spec
from .store import QueryCache, Table
from .world import World

DEFAULTS = SandboxOptions()


class AccountState:
    """One emulated ActiveCampaign account: data, caches and the lock writes take."""

    def __init__(
        self,
        world: World,
        specs: dict[str, Spec],
        import_delay_s: float = DEFAULTS.import_delay_s,
        import_false_window_s: float = DEFAULTS.import_false_window_s,
    ) -> None:
        self.import_delay_s = import_delay_s
        self.import_false_window_s = import_false_window_s
        self.world = world
        #: resource name -> how its endpoints answer (each domain's SPECS, merged)
        self.specs = specs
        self.lock = threading.RLock()
        self.version = 0
        self.cache = QueryCache()
        self.api_url = "http://127.0.0.1/api/3"
        self.router = Router()
        self.bulk: Any = None
        self.writes: Any = None
        self._mutations = 0
        #: Serve /activities only with `contact` (the reference's description reads so;
        #: its parameter table does not). Off by default; `/__sandbox/config` sets it.
        self.activities_need_contact = False
        #: include= values GET /contacts honours (others are ignored, as an account that
        #: does not know them would); all supported by default.
        self.list_includes: tuple[str, ...] = ()
        #: Whether a write to a contact's links (tags, lists, field values, account and
        #: automation links) also stamps the contact's udate. Undocumented either way.
        self.link_writes_bump_contact_udate = DEFAULTS.link_writes_bump_contact_udate
        #: How date filter values are read: "offset" honours the value's offset;
        #: "account_wall_time" drops it and reads the wall time in the account's zone.
        self.filter_time_reading = DEFAULTS.filter_time_reading

    # -- plumbing ------------------------------------------------------------------------------
    def bump(self) -> None:
        self.version += 1

    def table(self, name: str) -> Table:
        return self.world.tables[name]

    def handle(self, method: str, path: str, params: Params, body: bytes) -> tuple[Result, str]:
        segs = [s for s in path.split("/") if s]
        m = self.router.match(method, segs)
        if m is None:
            tmpl = method + " " + template_guess(segs)
            return Result(404, {"message": "Not Found"}), tmpl
        tmpl, fn, args = m
        try:
            with self.lock:
                try:
                    res = fn(Request(method, segs, params, body), *args)
                finally:
                    if method != "GET":
                        self.bump()
        except ApiError as e:
            res = Result(e.status, e.body)
        except Exception as e:  # a sandbox bug: answer 500 and say where, never hang
            traceback.print_exc(file=sys.stderr)
            res = Result(500, {"message": f"sandbox internal error: {type(e).__name__}: {e}"})
        return res, tmpl

    def render(self, name: str, i: int, table: Table | None = None) -> dict[str, Any] | None:
        t = table or self.world.tables[name]
        rec = t.get(i)
        if rec is None:
            return None
        spec = self.specs.get(name)
        out = dict(rec)
        if spec is not None and spec.links:
            rid = out.pop("id", str(i))
            base = f"{self.api_url}/{name}/{rid}/"
            if name == "accounts":
                # documented quirk: accounts send links as a list of "name: url" strings
                out["links"] = [f"{ln}: {base}{ln}" for ln in spec.links]
            else:
                out["links"] = {ln: base + ln for ln in spec.links}
            out["id"] = rid
        return out

    def json_body(self, req: Request) -> Any:
        return json_body(req)

    # -- introspection -------------------------------------------------------------------------
    def dump(self, name: str, offset: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        """Every stored record of a resource (or a slice), as the API would render it."""
        if name == "webhook/events":
            return [{"name": e} for e in WEBHOOK_EVENTS]
        t = self.world.tables[name]
        spec_name = name if name in self.specs else ""
        out = []
        ids = t.ids[offset:] if limit is None else t.ids[offset : offset + limit]
        for i in ids:
            rec = self.render(spec_name, i, t) if spec_name else t.get(i)
            if rec is not None:
                out.append(rec)
        return out
