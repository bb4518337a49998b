"""Drive the sandbox and Meltano from Python: shared by scripts/demo.py and tests/pipeline.

Stdlib only, so it runs under .venv (demo, pytest) without Meltano's or Airflow's packages.
Everything a run writes (warehouse, Meltano state, rejects, reverse-sync batch) goes to one
work folder chosen by the caller, so a demo and a test never share state or a DuckDB lock.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MELTANO = ROOT / ".venv-meltano" / "bin" / "meltano"
AIRFLOW_VENV = ROOT / ".venv-airflow"
BOOTSTRAP = ROOT / "orchestrate" / "bootstrap.py"
JOBS = ("activecampaign-to-warehouse", "warehouse-to-activecampaign")

# A singer-sdk metric line as Meltano relays it:
# `... [info     ] tap-activecampaign METRIC: {"type": "counter", "metric": "record_count", ...}`
METRIC_RE = re.compile(r"\]\s+(\S+)\s+METRIC: (\{.*\})")


def sandbox_command() -> list[str]:
    """The sandbox CLI from the project venv (console script, else the module)."""
    exe = Path(sys.executable).with_name("activecampaign-sandbox")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "activecampaign_sandbox.cli"]


@dataclass
class Sandbox:
    """A running `activecampaign-sandbox serve` process on a free loopback port."""

    token: str
    proc: subprocess.Popen[str]
    port: int
    stderr_lines: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        """Root URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What the tap and target get as api_url."""
        return f"{self.base}/api/3"

    def control(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """Call the unauthenticated /__sandbox/ control API and decode its JSON."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"{self.base}/__sandbox/{path.lstrip('/')}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read() or b"null")

    def resource(self, name: str) -> list[dict[str, Any]]:
        """Every stored row of one sandbox table (the ground truth tests compare with)."""
        body = self.control("GET", f"resources/{name}")
        rows = body.get(name, []) if isinstance(body, dict) else body
        return list(rows or [])

    def resources(self) -> list[str]:
        """Names of the sandbox tables."""
        return list(self.control("GET", "resources").get("resources", []))

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not go within 10 s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_sandbox(
    *,
    contacts: int,
    seed: int = 1,
    token: str = "sandbox-token",
    extra: Sequence[str] = (),
    startup_timeout: float = 60.0,
) -> Sandbox:
    """Start the sandbox and wait for the port it prints as its first stdout line."""
    cmd = [
        *sandbox_command(),
        "serve",
        "--port",
        "0",
        "--token",
        token,
        "--seed",
        str(seed),
        "--contacts",
        str(contacts),
        *extra,
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    errors: list[str] = []
    # Drain stderr so a chatty server never blocks on a full pipe.
    threading.Thread(target=_drain, args=(proc.stderr, errors), daemon=True).start()
    port_line: list[str] = []
    reader = threading.Thread(
        target=lambda: port_line.append(proc.stdout.readline()),  # type: ignore[union-attr]
        daemon=True,
    )
    reader.start()
    reader.join(startup_timeout)
    line = port_line[0].strip() if port_line else ""
    if not line.isdigit():
        proc.kill()
        proc.wait(timeout=10)
        tail = "".join(errors[-20:])
        raise RuntimeError(f"sandbox did not print its port (got {line!r}); stderr:\n{tail}")
    threading.Thread(target=_drain, args=(proc.stdout, []), daemon=True).start()
    sandbox = Sandbox(token=token, proc=proc, port=int(line), stderr_lines=errors)
    return sandbox


def _drain(stream: Any, sink: list[str]) -> None:
    for line in stream:
        sink.append(line)
        if len(sink) > 2000:
            del sink[:1000]


@contextmanager
def sandbox(**kwargs: Any) -> Iterator[Sandbox]:
    """`start_sandbox` as a context manager that always stops it."""
    sb = start_sandbox(**kwargs)
    try:
        yield sb
    finally:
        sb.stop()


def pipeline_env(
    sb: Sandbox,
    workdir: Path,
    *,
    requests_per_second: int = 5,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Environment for `meltano` that points every plugin at the sandbox and the work folder.

    Settings use Meltano's <PLUGIN>_<SETTING> convention, exactly as a user's shell or .env
    would; MELTANO_DATABASE_URI gives the run its own system database, hence its own state.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    warehouse = workdir / "warehouse.duckdb"
    export_dir = workdir / "reverse_sync"
    env = base_env(base)
    env.update(
        {
            "MELTANO_DATABASE_URI": f"sqlite:///{workdir / 'meltano.db'}",
            "MELTANO_ENVIRONMENT": "dev",
            "TAP_ACTIVECAMPAIGN_API_URL": sb.api_url,
            "TAP_ACTIVECAMPAIGN_API_TOKEN": sb.token,
            "TAP_ACTIVECAMPAIGN_REQUESTS_PER_SECOND": str(int(requests_per_second)),
            "TARGET_ACTIVECAMPAIGN_API_URL": sb.api_url,
            "TARGET_ACTIVECAMPAIGN_API_TOKEN": sb.token,
            "TARGET_ACTIVECAMPAIGN_REQUESTS_PER_SECOND": str(int(requests_per_second)),
            "TARGET_ACTIVECAMPAIGN_REJECTS_FILE": str(workdir / "rejects.jsonl"),
            "TARGET_DUCKDB_FILEPATH": str(warehouse),
            "WAREHOUSE_FILEPATH": str(warehouse),
            "WAREHOUSE_EXPORT_DIR": str(export_dir),
            "TAP_WAREHOUSE_CONTACTS_PATH": str(export_dir / "contacts.jsonl"),
        }
    )
    return env


def base_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment, minus what would leak .venv into Meltano's plugins."""
    env = dict(os.environ if base is None else base)
    for var in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
        env.pop(var, None)
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


@dataclass
class RunResult:
    """What one `meltano` call did."""

    args: list[str]
    returncode: int
    seconds: float
    log_path: Path
    record_counts: dict[str, int]

    def check(self) -> RunResult:
        """Raise with the log's tail when the command failed."""
        if self.returncode != 0:
            tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-60:])
            raise RuntimeError(
                f"meltano {' '.join(self.args)} exited {self.returncode}; "
                f"log {self.log_path}:\n{tail}"
            )
        return self


def run_meltano(
    args: Sequence[str],
    env: Mapping[str, str],
    log_path: Path,
    *,
    on_line: Callable[[str], None] | None = None,
    timeout: float = 900.0,
) -> RunResult:
    """Run meltano from the project root, log everything, and count records per stream.

    Record counts come from the singer-sdk `record_count` metrics the extractor logs, keyed
    by stream; `on_line` sees every output line as it arrives (the demo's progress view).
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    start = time.monotonic()
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [str(MELTANO), *args],
            cwd=ROOT,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        assert proc.stdout is not None
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            for line in proc.stdout:
                log.write(line)
                _count_metric(line, counts)
                if on_line is not None:
                    on_line(line.rstrip("\n"))
            proc.wait()
        finally:
            timer.cancel()
    return RunResult(list(args), proc.returncode, time.monotonic() - start, log_path, counts)


def record_metric(line: str) -> tuple[str, int] | None:
    """(stream, records) from an extractor's `record_count` counter line, else None.

    Counters are emitted periodically and reset each time, so summing them per stream
    gives the stream's total; loaders' metrics are ignored.
    """
    match = METRIC_RE.search(line)
    if not match or not match.group(1).startswith("tap-"):
        return None
    try:
        metric = json.loads(match.group(2))
    except ValueError:
        return None
    if metric.get("metric") != "record_count" or metric.get("type") != "counter":
        return None
    stream = (metric.get("tags") or {}).get("stream")
    return (str(stream), int(metric.get("value") or 0)) if stream else None


def _count_metric(line: str, counts: dict[str, int]) -> None:
    found = record_metric(line)
    if found:
        counts[found[0]] = counts.get(found[0], 0) + found[1]


SUMMARY_RE = re.compile(r"target-activecampaign Summary: (\{.*\})")


def target_summary(log_path: Path) -> dict[str, Any]:
    """The last run summary target-activecampaign logged (totals written, rejected, ...)."""
    found = SUMMARY_RE.findall(log_path.read_text(errors="replace"))
    return dict(json.loads(found[-1])) if found else {}


def warehouse_counts(env: Mapping[str, str], log_path: Path) -> dict[str, int]:
    """Row count of every warehouse table, via the `warehouse` utility (pinned duckdb)."""
    result = run_meltano(["invoke", "warehouse:counts"], env, log_path).check()
    for line in reversed(result.log_path.read_text().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return {k: int(v) for k, v in json.loads(line).items()}
    raise RuntimeError(f"no counts in {log_path}")


def bootstrap(what: str = "meltano") -> None:
    """Create or reuse the pipeline venvs (see orchestrate/bootstrap.py)."""
    subprocess.run([sys.executable, str(BOOTSTRAP), what], check=True, cwd=ROOT)
