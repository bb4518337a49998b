"""In-process sandbox: the HTTP server in a daemon thread, for tests and benchmarks."""

from __future__ import annotations

import threading
from dataclasses import replace
from types import TracebackType
from typing import Any

from .api import Account
from .options import SandboxOptions, option_attribute
from .server import SandboxServer, control


class Sandbox:
    """A running emulated ActiveCampaign account on 127.0.0.1 (a free port by default)."""

    def __init__(self, options: SandboxOptions | None = None, **settings: Any) -> None:
        """`settings` are `SandboxOptions` fields (token=, contacts=, rate=, ...)."""
        self.options = replace(options or SandboxOptions(), **settings)
        self.server: SandboxServer | None = None
        self.account: Account | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.base_url = ""
        self.api_url = ""

    def __getattr__(self, name: str) -> Any:
        """Each setting reads as an attribute too (`sb.token`, `sb.import_delay_s`, ...)."""
        return option_attribute(self.__dict__.get("options"), name)

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> Sandbox:
        if self.server is not None:
            return self
        opts = self.options
        self.account = Account.from_options(opts)
        self.server = SandboxServer(
            (opts.host, opts.port),
            self.account,
            opts.token,
            seed=opts.seed,
            **opts.server_settings(),
        )
        self.port = self.server.server_address[1]
        self.base_url = f"http://{self.options.host}:{self.port}"
        self.api_url = self.base_url + "/api/3"
        self.account.api_url = self.api_url
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"ac-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self.server is None:
            return
        self.server.shutdown()
        self.server.server_close()
        if self.account is not None and self.account.bulk is not None:
            self.account.bulk.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.server = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- introspection and control -------------------------------------------------------------
    def _srv(self) -> SandboxServer:
        if self.server is None:
            raise RuntimeError("sandbox is not running; call start() first")
        return self.server

    def stats(self) -> dict[str, Any]:
        """Requests seen: total, by route template, by status, 429s served and faults."""
        return control(self._srv(), "GET", "stats", {}, {}).body

    def requests(self, limit: int = 100) -> list[dict[str, Any]]:
        """The last requests seen (method, path, query, route, status, fault), oldest first."""
        return control(self._srv(), "GET", "requests", {}, {"limit": str(limit)}).body["requests"]

    def reset_stats(self) -> None:
        control(self._srv(), "POST", "stats/reset", {}, {})

    def dump(
        self, resource: str, offset: int = 0, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """All stored records of one resource (e.g. "contacts", "customObjects/records/<id>"),
        or a slice of them in id order."""
        srv = self._srv()
        with srv.account.lock:
            return srv.account.dump(resource, offset=offset, limit=limit)

    def mutate(
        self, resource: str, fraction: float | None = None, ids: list[int | str] | None = None
    ) -> list[int]:
        """Change records as if edited in the app (updated timestamp = now); returns ids."""
        return self._srv().account.mutate(resource, fraction=fraction, ids=ids)

    def control(self, method: str, op: str, body: dict[str, Any] | None = None) -> Any:
        """Any /__sandbox/<op> operation (e.g. "append", "delete", "mutate"), in process."""
        return control(self._srv(), method, op, body or {}, {}).body

    def configure(self, **kw: Any) -> dict[str, Any]:
        """Change rate, rate_others, rate_penalty_s, rate_503, fail, latency_ms, stall_s, lost,
        activities_need_contact, filter_time_reading, list_includes or
        link_writes_bump_contact_udate."""
        return self._srv().configure(**kw)

    def wait_imports(self, timeout: float = 10.0) -> bool:
        """Block until every accepted bulk import is completed; False on timeout."""
        acct = self._srv().account
        return acct.bulk.wait_idle(timeout) if acct.bulk is not None else True

    def schema_ids(self) -> list[str]:
        """Ids of the generated custom object schemas."""
        return list(self._srv().account.world.schema_ids)
