"""The sandbox CLI as a child process, and its control API over HTTP.

The demo, the pipeline tests and the benchmarks need a server in its own process: Meltano,
the taps and the target connect to it from other processes, and a benchmark must not count
the server's CPU as the client's. Stdlib only, so any virtualenv of the project can use it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from .options import SandboxOptions, option_attribute

STDERR_LINES_KEPT = 2000


def sandbox_command() -> list[str]:
    """The sandbox CLI beside the running interpreter (console script, else the module)."""
    exe = Path(sys.executable).with_name("activecampaign-sandbox")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "activecampaign_sandbox.cli"]


class SandboxProcess:
    """One `activecampaign-sandbox serve` process on a free loopback port."""

    def __init__(
        self,
        contacts: int,
        *,
        token: str = SandboxOptions.token,
        extra: Sequence[str] = (),
        stderr_path: Path | None = None,
        cwd: Path | None = None,
        **settings: Any,
    ) -> None:
        """`settings` are `SandboxOptions` fields (seed=, rate=, latency_ms=, ...)."""
        if settings.get("list_includes") is not None:
            settings["list_includes"] = list(settings["list_includes"])
        self.options = SandboxOptions(contacts=contacts, token=token, **settings)
        self.extra = list(extra)
        self.stderr_path = stderr_path
        self.cwd = cwd
        self.stderr_lines: list[str] = []
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0
        self._stderr_file: IO[str] | None = None

    def __getattr__(self, name: str) -> Any:
        """Each setting reads as an attribute too (`proc.token`, `proc.rate`, ...)."""
        return option_attribute(self.__dict__.get("options"), name)

    @property
    def base(self) -> str:
        """Root URL of the server (the control API lives under /__sandbox/)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What the tap and the target get as `api_url`."""
        return f"{self.base}/api/3"

    def argv(self) -> list[str]:
        opts = self.options
        argv = [*sandbox_command(), "serve", "--port", "0", "--token", opts.token]
        argv += ["--seed", str(opts.seed), "--contacts", str(opts.contacts)]
        argv += opts.argv(skip=("host", "port", "token", "seed", "contacts"))
        return argv + self.extra

    def start(self, timeout: float = 300.0) -> SandboxProcess:
        """Start the server; it prints its port once it is serving its generated data."""
        if self.stderr_path is not None:
            self.stderr_path.parent.mkdir(parents=True, exist_ok=True)
            self._stderr_file = self.stderr_path.open("w")
        proc = self.proc = subprocess.Popen(
            self.argv(),
            cwd=self.cwd,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file or subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert proc.stdout is not None
        drain: threading.Thread | None = None
        if proc.stderr is not None:
            # Drain stderr so a chatty server never blocks on a full pipe.
            drain = threading.Thread(target=_drain, args=(proc.stderr, self.stderr_lines))
            drain.daemon = True
            drain.start()
        first: list[str] = []
        stdout = proc.stdout
        reader = threading.Thread(target=lambda: first.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        line = first[0].strip() if first else ""
        if not line.isdigit():
            self.stop()
            if drain is not None:
                drain.join(5)  # its last words are the reason
            raise RuntimeError(
                f"sandbox did not print its port (got {line!r}); stderr:\n{self.stderr_tail()}"
            )
        self.port = int(line)
        threading.Thread(target=_drain, args=(proc.stdout, []), daemon=True).start()
        return self

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not gone within 20 s."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None

    def stderr_tail(self, lines: int = 20) -> str:
        """The end of what the server wrote to stderr (from its log file if it has one)."""
        if self.stderr_path is not None and self.stderr_path.exists():
            return "".join(self.stderr_path.read_text(errors="replace").splitlines(True)[-lines:])
        return "".join(self.stderr_lines[-lines:])

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- the control API (no token) -------------------------------------------------------

    def control(self, method: str, path: str, body: Any = None, *, timeout: float = 120.0) -> Any:
        """Call `/__sandbox/<path>` and decode its JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.base}/__sandbox/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data else {},
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read() or b"null")

    def stats(self) -> dict[str, Any]:
        """Requests served so far, by route and status."""
        return self.control("GET", "stats")

    def reset_stats(self) -> None:
        self.control("POST", "stats/reset", {})

    def configure(self, **settings: Any) -> Any:
        """Change rate (and rate_others, rate_penalty_s, rate_503), fail, latency_ms, stall_s
        or lost while it runs."""
        return self.control("POST", "config", settings)

    def mutate(self, resource: str, fraction: float, *, with_links: bool = False) -> Any:
        """Touch a fraction of one table's rows, as edits in the app would; returns their ids
        (with_links, contacts only: also one field value, a tag link and a list membership
        each, and the ids of those links)."""
        body: dict[str, Any] = {"resource": resource, "fraction": fraction}
        if with_links:
            body["with_links"] = True
        return self.control("POST", "mutate", body)

    def append(self, resource: str, count: int) -> list[int]:
        """Append `count` new rows to an append-only log; returns their ids."""
        return list(self.control("POST", "append", {"resource": resource, "count": count})["ids"])

    def delete(self, resource: str, ids: Sequence[int | str]) -> dict[str, list[int]]:
        """Remove rows of any table (links cascade); returns the ids removed per table."""
        body = self.control("POST", "delete", {"resource": resource, "ids": list(ids)})
        return dict(body["deleted"])

    def resources(self) -> list[str]:
        """Names of the sandbox's tables."""
        return list(self.control("GET", "resources").get("resources", []))

    def resource(self, name: str) -> list[dict[str, Any]]:
        """Every stored row of one table: the ground truth to compare a sync with."""
        body = self.control("GET", f"resources/{name}", timeout=600.0)
        rows = body.get(name, []) if isinstance(body, dict) else body
        return list(rows or [])

    def resource_count(self, name: str) -> int | None:
        """How many rows one table holds, or None if the sandbox has no such table."""
        try:
            body = self.control("GET", f"resources/{name}?count=1")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise
        return body.get("count") if isinstance(body, dict) else None


def _drain(stream: IO[str], sink: list[str]) -> None:
    for line in stream:
        sink.append(line)
        if len(sink) > STDERR_LINES_KEPT:
            del sink[: STDERR_LINES_KEPT // 2]
