"""Plumbing shared by `make bench` and `make soak`: venvs, sandbox processes, measured runs.

Everything here is standard library so the harness runs on any Python that can run the project;
the peers live in their own virtual environments under benchmarks/.work (gitignored).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from activecampaign_sandbox.process import SandboxProcess

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
WORK = BENCH_DIR / ".work"
LOGS = WORK / "logs"
BIN = Path(sys.executable).parent

PEER_TAP_REQUIREMENT = "tap-activecampaign==1.3.1"
PLOT_REQUIREMENTS = ["matplotlib>=3.7"]

_RECORD_HEAD = re.compile(rb'^\{\s*"type"\s*:\s*"RECORD"\s*,\s*"stream"\s*:\s*"([^"]+)"')
_TYPE_HEAD = re.compile(rb'^\{\s*"type"\s*:\s*"([A-Z_]+)"')
_UPDATED_FIELDS = (
    "updated_timestamp",
    "updatedTimestamp",
    "udate",
    "mdate",
    "updated_date",
    "updated_at",
    "tstamp",
    "lastdate",
    "sdate",
    "cdate",
    "created_timestamp",
)


def log(msg: str) -> None:
    """Progress goes to stderr so a redirected stdout stays a clean report."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def ensure_dirs() -> None:
    LOGS.mkdir(parents=True, exist_ok=True)


# -- virtual environments --------------------------------------------------------------------


def ensure_venv(name: str, requirements: list[str]) -> Path:
    """Create benchmarks/.work/venv-<name> with exactly these requirements; return its python.

    Reused when its marker lists the same requirements, so a second `make bench` is quick.
    """
    ensure_dirs()
    venv = WORK / f"venv-{name}"
    python = venv / "bin" / "python"
    marker = venv / ".bench-installed"
    wanted = "\n".join(requirements)
    if python.exists() and marker.exists() and marker.read_text() == wanted:
        return python
    if venv.is_symlink():
        venv.unlink()
    elif venv.exists():
        shutil.rmtree(venv)
    log(f"creating {venv.relative_to(ROOT)} with {', '.join(requirements)}")
    base = getattr(sys, "_base_executable", None) or sys.executable
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *requirements,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if pip.returncode != 0:  # pip's chatter is shown only when it failed
        print(pip.stdout[-3000:], pip.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"could not install {requirements} into {venv}")
    marker.write_text(wanted)
    return python


def pip_version(python: Path, package: str) -> str:
    out = subprocess.run(
        [str(python), "-m", "pip", "show", package], capture_output=True, text=True, check=False
    ).stdout
    for line in out.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return "?"


def project_script(name: str) -> str:
    """A console script of this project, from the venv running the harness."""
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        if not found:
            raise SystemExit(f"{name} is not installed: run `make install` first")
        return found
    return str(path)


# -- the sandbox ------------------------------------------------------------------------------


class SandboxProc(SandboxProcess):
    """A benchmark's sandbox: its own random token, stderr in the logs folder, a log line."""

    def __init__(self, contacts: int, *, name: str = "sandbox", **kwargs: Any) -> None:
        super().__init__(
            contacts,
            token=secrets.token_hex(16),
            stderr_path=LOGS / f"{name}.stderr",
            **kwargs,
        )
        self.name = name

    def start(self, timeout: float = 300.0) -> SandboxProc:
        ensure_dirs()
        started = time.monotonic()
        super().start(timeout)
        log(
            f"{self.name}: {self.contacts:,} contacts on port {self.port} "
            f"(rate={self.rate or 'none'}, latency={self.latency_ms} ms, fail={self.fail}) "
            f"ready in {time.monotonic() - started:.1f}s"
        )
        return self


# -- measured runs -----------------------------------------------------------------------------


@dataclass
class RunResult:
    """What one child process did: its own CPU and memory, and what it printed."""

    label: str
    argv: list[str]
    exit_code: int = 0
    wall: float = 0.0
    user: float = 0.0
    sys: float = 0.0
    maxrss_kb: int = 0
    killed: bool = False
    counts: Counter = field(default_factory=Counter)
    first_ts: dict[str, float] = field(default_factory=dict)
    last_ts: dict[str, float] = field(default_factory=dict)
    page_marks: dict[str, list[float]] = field(default_factory=dict)
    last_state: Any = None
    states: int = 0
    schemas: dict[str, dict] = field(default_factory=dict)
    keys: list[tuple] = field(default_factory=list)
    bad_lines: int = 0
    stderr_path: Path | None = None
    started: float = 0.0
    server: dict = field(default_factory=dict)

    @property
    def cpu(self) -> float:
        return self.user + self.sys

    @property
    def records(self) -> int:
        return sum(self.counts.values())

    @property
    def maxrss_mb(self) -> float:
        return self.maxrss_kb / 1024.0

    def stderr_tail(self, lines: int = 15) -> str:
        if not self.stderr_path or not self.stderr_path.exists():
            return ""
        text = self.stderr_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def record_key(stream: str, record: dict, schema: dict | None) -> tuple:
    """(stream, primary key, updated time): what the soak compares between runs."""
    keys = (schema or {}).get("key_properties") or ["id"]
    pk = tuple(str(record.get(k)) for k in keys)
    updated = None
    for name in (schema or {}).get("bookmark_properties") or []:
        if record.get(name) is not None:
            updated = str(record[name])
            break
    if updated is None:
        for name in _UPDATED_FIELDS:
            if record.get(name) is not None:
                updated = str(record[name])
                break
    return (stream, pk, updated)


def run_measured(
    label: str,
    argv: list[str],
    *,
    stdin_path: Path | None = None,
    env: dict[str, str] | None = None,
    collect_keys: bool = False,
    kill_after: float | None = None,
    timeout: float = 1800.0,
    cwd: Path | None = None,
    on_record: Callable[[str, float], None] | None = None,
) -> RunResult:
    """Run one process, reading its Singer output as it comes; measure only that process.

    CPU and peak RSS come from wait4() on the command (through rusage_run.py), so neither the
    harness nor the sandbox (another process on the same 2 cores) is counted. `kill_after`
    sends SIGKILL to the command at that many seconds, for the soak.
    """
    ensure_dirs()
    res = RunResult(label=label, argv=argv)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", label)
    res.stderr_path = LOGS / f"{safe}.stderr"
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL  # noqa: SIM115
    stderr = open(res.stderr_path, "wb")  # noqa: SIM115
    full_env = {**os.environ, **(env or {})}
    usage_file = LOGS / f"{safe}.rusage.json"
    if usage_file.exists():
        usage_file.unlink()
    wrapped = [sys.executable, "-I", str(BENCH_DIR / "rusage_run.py"), str(usage_file), "--"]
    started = time.monotonic()
    res.started = started
    proc = subprocess.Popen(
        [*wrapped, *argv],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=full_env,
        cwd=cwd,
        start_new_session=True,  # one process group: a kill reaches the command too
    )

    def reader() -> None:
        assert proc.stdout is not None
        counts = res.counts
        first, last = res.first_ts, res.last_ts
        for line in proc.stdout:
            m = _RECORD_HEAD.match(line)
            if m:
                stream = m.group(1).decode()
                now = time.monotonic()
                if stream not in first:
                    first[stream] = now
                last[stream] = now
                counts[stream] += 1
                if on_record:
                    on_record(stream, now)
                if collect_keys:
                    try:
                        msg = json.loads(line)
                    except ValueError:
                        res.bad_lines += 1
                        continue
                    res.keys.append(record_key(stream, msg["record"], res.schemas.get(stream)))
                continue
            t = _TYPE_HEAD.match(line)
            kind = t.group(1).decode() if t else None
            if kind == "STATE":
                try:
                    res.last_state = json.loads(line)["value"]
                    res.states += 1
                except (ValueError, KeyError):
                    res.bad_lines += 1
            elif kind == "SCHEMA":
                try:
                    msg = json.loads(line)
                    res.schemas[msg["stream"]] = msg
                except (ValueError, KeyError):
                    res.bad_lines += 1
            elif kind is None and line.strip():
                # A record in a key order we did not expect still counts.
                try:
                    msg = json.loads(line)
                except ValueError:
                    res.bad_lines += 1
                    continue
                if isinstance(msg, dict) and msg.get("type") == "RECORD":
                    stream = msg["stream"]
                    now = time.monotonic()
                    first.setdefault(stream, now)
                    last[stream] = now
                    counts[stream] += 1
                    if collect_keys:
                        res.keys.append(record_key(stream, msg["record"], res.schemas.get(stream)))

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    timers: list[threading.Timer] = []
    if kill_after is not None:

        def kill() -> None:
            res.killed = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timers.append(threading.Timer(kill_after, kill))

    def overtime() -> None:
        log(f"{label}: over {timeout:.0f}s, killing it")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    timers.append(threading.Timer(timeout, overtime))
    for timer in timers:
        timer.daemon = True
        timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    res.wall = time.monotonic() - started
    for timer in timers:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    res.exit_code = proc.returncode
    res.user, res.sys, res.maxrss_kb = usage.ru_utime, usage.ru_stime, usage.ru_maxrss
    if usage_file.exists():  # the command's own figures, from the wrapper
        own = json.loads(usage_file.read_text())
        res.user, res.sys, res.maxrss_kb = own["user"], own["sys"], own["maxrss_kb"]
    thread.join(60)
    if proc.stdout:
        proc.stdout.close()
    stderr.close()
    if stdin_path:
        stdin.close()  # type: ignore[union-attr]
    return res


# -- Singer catalogs ---------------------------------------------------------------------------


def select_streams(catalog: dict, wanted: Callable[[str], bool]) -> tuple[dict, list[str]]:
    """Mark streams selected (or not) at the stream breadcrumb; return the catalog and names."""
    chosen: list[str] = []
    for entry in catalog.get("streams", []):
        name = entry.get("tap_stream_id") or entry.get("stream")
        on = bool(wanted(name))
        metadata = entry.setdefault("metadata", [])
        top = next((m for m in metadata if m.get("breadcrumb") in ([], ())), None)
        if top is None:
            top = {"breadcrumb": [], "metadata": {}}
            metadata.append(top)
        top.setdefault("metadata", {})["selected"] = on
        entry["selected"] = on
        if on:
            chosen.append(name)
    return catalog, chosen


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1))
    return path


# -- the machine -------------------------------------------------------------------------------


def machine_description() -> dict[str, str]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    load = ""
    with contextlib.suppress(OSError):
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "loadavg_at_start": load,
        "date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
