"""The one harness of the benchmarks, the soak, the demo and the pipeline tests: sandboxes as
child processes, this project's Meltano with an environment pointing at them, and what the
warehouse holds afterwards.

Stdlib and the project only, so it runs under .venv without Meltano's or Airflow's packages.
Runs themselves, and their one `RunResult`, are `orchestrate/runs.py`'s (the Airflow DAGs use
it too). Everything a pipeline run writes (warehouse, Meltano state, rejects, reverse-sync
batch) goes to one work folder chosen by the caller, so a demo and a test never share state
or a DuckDB lock.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from activecampaign_sandbox.process import SandboxProcess
from orchestrate.runs import RunResult, log
from orchestrate.runs import run_meltano as run_meltano_in

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MELTANO = ROOT / ".venv-meltano" / "bin" / "meltano"
AIRFLOW_VENV = ROOT / ".venv-airflow"
BOOTSTRAP = ROOT / "orchestrate" / "bootstrap.py"
JOBS = ("activecampaign-to-warehouse", "warehouse-to-activecampaign", "audiences-to-activecampaign")

SUMMARY_RE = re.compile(r"target-activecampaign Summary: (\{.*\})")


def console_script(name: str) -> str:
    """A console script of this project: beside the running interpreter, else on PATH."""
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        if not found:
            raise SystemExit(f"{name} is not installed: run `make install` first")
        return found
    return str(path)


# -- the sandbox ------------------------------------------------------------------------------


class Sandbox(SandboxProcess):
    """The sandbox CLI as a child process, named, with its stderr in a log file if given.

    Settings are `SandboxOptions` fields (seed=, rate=, latency_ms=, ...); without a token
    it gets a random one, so no two runs share a credential.
    """

    def __init__(
        self,
        contacts: int,
        *,
        name: str = "sandbox",
        token: str | None = None,
        log_dir: Path | None = None,
        **settings: Any,
    ) -> None:
        stderr_path = log_dir / f"{name}.stderr" if log_dir is not None else None
        if stderr_path is not None:
            stderr_path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(
            contacts,
            token=token or secrets.token_hex(16),
            stderr_path=stderr_path,
            cwd=ROOT,
            **settings,
        )
        self.name = name

    def start(self, timeout: float = 300.0) -> Sandbox:
        started = time.monotonic()
        super().start(timeout)
        if self.stderr_path is not None:  # benchmarks and the soak narrate their sandboxes
            log(
                f"{self.name}: {self.contacts:,} contacts on port {self.port} "
                f"(rate={self.rate or 'none'}, latency={self.latency_ms} ms, fail={self.fail}) "
                f"ready in {time.monotonic() - started:.1f}s"
            )
        return self


def start_sandbox(
    *,
    contacts: int,
    seed: int = 1,
    token: str = "sandbox-token",
    extra: Sequence[str] = (),
    startup_timeout: float = 60.0,
) -> Sandbox:
    """Start a sandbox for a pipeline run and wait until it serves."""
    return Sandbox(contacts, seed=seed, token=token, extra=extra).start(startup_timeout)


@contextmanager
def sandbox(**kwargs: Any) -> Iterator[Sandbox]:
    """`start_sandbox` as a context manager that always stops it."""
    sb = start_sandbox(**kwargs)
    try:
        yield sb
    finally:
        sb.stop()


# -- Meltano ----------------------------------------------------------------------------------


def base_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment, minus what would leak .venv into Meltano's plugins."""
    env = dict(os.environ if base is None else base)
    for var in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
        env.pop(var, None)
    env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return env


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


def run_meltano(
    args: Sequence[str],
    env: Mapping[str, str],
    log_path: Path,
    *,
    on_line: Callable[[str], None] | None = None,
    timeout: float = 900.0,
) -> RunResult:
    """Run this project's meltano from its root, with the whole output in `log_path`.

    Record counts come from the singer-sdk `record_count` metrics the extractor logs, keyed
    by stream; `on_line` sees every output line as it arrives (the demo's progress view).
    """
    return run_meltano_in(
        str(MELTANO), args, env, ROOT, log_path=log_path, on_line=on_line, timeout=timeout
    )


def target_summary(log_path: Path) -> dict[str, Any]:
    """The last run summary target-activecampaign logged (totals written, rejected, ...)."""
    found = SUMMARY_RE.findall(log_path.read_text(errors="replace"))
    return dict(json.loads(found[-1])) if found else {}


def warehouse_counts(env: Mapping[str, str], log_path: Path) -> dict[str, int]:
    """Row count of every warehouse table, via the `warehouse` utility (pinned duckdb)."""
    run_meltano(["invoke", "warehouse:counts"], env, log_path).check()
    for line in reversed(log_path.read_text().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return {k: int(v) for k, v in json.loads(line).items()}
    raise RuntimeError(f"no counts in {log_path}")


def bootstrap(what: str = "meltano") -> None:
    """Create or reuse the pipeline venvs (see orchestrate/bootstrap.py)."""
    subprocess.run([sys.executable, str(BOOTSTRAP), what], check=True, cwd=ROOT)
