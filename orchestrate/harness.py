"""Drive the sandbox and Meltano from Python: shared by scripts/demo.py and tests/pipeline.

Stdlib and the project only, so it runs under .venv (demo, pytest) without Meltano's or
Airflow's packages. Everything a run writes (warehouse, Meltano state, rejects, reverse-sync
batch) goes to one work folder chosen by the caller, so a demo and a test never share state or
a DuckDB lock.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from activecampaign_sandbox.process import SandboxProcess as Sandbox

ROOT = Path(__file__).resolve().parent.parent
MELTANO = ROOT / ".venv-meltano" / "bin" / "meltano"
AIRFLOW_VENV = ROOT / ".venv-airflow"
BOOTSTRAP = ROOT / "orchestrate" / "bootstrap.py"
JOBS = ("activecampaign-to-warehouse", "warehouse-to-activecampaign", "audiences-to-activecampaign")

# A singer-sdk metric line as Meltano relays it:
# `... [info     ] tap-activecampaign METRIC: {"type": "counter", "metric": "record_count", ...}`
METRIC_RE = re.compile(r"\]\s+(\S+)\s+METRIC: (\{.*\})")


def start_sandbox(
    *,
    contacts: int,
    seed: int = 1,
    token: str = "sandbox-token",
    extra: Sequence[str] = (),
    startup_timeout: float = 60.0,
) -> Sandbox:
    """Start the sandbox CLI from the project venv and wait until it serves."""
    sb = Sandbox(contacts, seed=seed, token=token, extra=extra, cwd=ROOT)
    return sb.start(startup_timeout)


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
            "TAP_WAREHOUSE_AUDIENCES_PATH": str(export_dir / "audiences" / "*.jsonl"),
            # dbt's artifacts and logs per run, so concurrent runs never share transform/target.
            "DBT_TARGET_PATH": str(workdir / "dbt" / "target"),
            "DBT_LOG_PATH": str(workdir / "dbt" / "logs"),
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
