"""Running a command and telling what it did: one `RunResult` for every run the project makes.

`run_meltano` serves the Airflow DAGs, the demo, the pipeline tests and the benchmarks alike;
`run_measured` runs a tap or target directly, reading its Singer output as it comes and taking
its own CPU and peak RSS, for the benchmarks and the soak. Stdlib only: the Airflow workers,
the project venv and any other Python can import it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

RUSAGE_RUN = Path(__file__).resolve().parent / "rusage_run.py"

# A singer-sdk metric line as Meltano relays it:
# `... [info     ] tap-activecampaign METRIC: {"type": "counter", "metric": "record_count", ...}`
METRIC_RE = re.compile(r"\]\s+(\S+)\s+METRIC: (\{.*\})")

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


class CountsRequests(Protocol):
    """A server whose request counts a measured run takes (the sandbox's control API)."""

    def reset_stats(self) -> None: ...

    def stats(self) -> dict[str, Any]: ...


# -- the result ------------------------------------------------------------------


@dataclass
class RunResult:
    """What one command did: exit code, time, log, records per stream; for a measured run
    also its own CPU and peak RSS and the Singer messages it printed."""

    label: str
    argv: list[str]
    exit_code: int = 0
    wall: float = 0.0
    log_path: Path | None = None
    counts: Counter = field(default_factory=Counter)
    user: float = 0.0
    sys: float = 0.0
    maxrss_kb: int = 0
    killed: bool = False
    first_ts: dict[str, float] = field(default_factory=dict)
    last_ts: dict[str, float] = field(default_factory=dict)
    page_marks: dict[str, list[float]] = field(default_factory=dict)
    last_state: Any = None
    states: int = 0
    schemas: dict[str, dict] = field(default_factory=dict)
    keys: list[tuple] = field(default_factory=list)
    bad_lines: int = 0
    started: float = 0.0
    server: dict = field(default_factory=dict)
    tail: list[str] = field(default_factory=list)

    @property
    def cpu(self) -> float:
        return self.user + self.sys

    @property
    def records(self) -> int:
        """Records of every stream (for a Meltano run: what its extractor reported)."""
        return sum(self.counts.values())

    @property
    def maxrss_mb(self) -> float:
        return self.maxrss_kb / 1024.0

    def log_tail(self, lines: int = 15) -> str:
        if self.tail:
            return "\n".join(self.tail[-lines:])
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def check(self) -> RunResult:
        """Raise with the log's tail when the command failed."""
        if self.exit_code != 0:
            raise RuntimeError(
                f"{' '.join(self.argv)} exited {self.exit_code}; "
                f"log {self.log_path}:\n{self.log_tail(60)}"
            )
        return self


def run_meltano(
    meltano: str,
    args: Iterable[str],
    env: Mapping[str, str],
    cwd: Path,
    *,
    log_path: Path | None = None,
    on_line: Callable[[str], None] | None = None,
    timeout: float = 7200.0,
    tail_lines: int = 200,
) -> RunResult:
    """Run meltano; log its output (if `log_path`), pass each line to `on_line`, keep the
    last `tail_lines`, and count records per stream from the extractor's metrics."""
    args = list(args)
    res = RunResult(label=f"meltano {' '.join(args)}", argv=[meltano, *args], log_path=log_path)
    start = time.monotonic()
    proc = subprocess.Popen(
        [meltano, *args],
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,  # its own process group: meltano, tap and loader stop together
    )
    assert proc.stdout is not None

    def kill() -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    timer = threading.Timer(timeout, kill)
    timer.start()
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w", encoding="utf-8") if log_path else None
    try:
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            if log is not None:
                log.write(raw)
            found = record_metric(line)
            if found:
                res.counts[found[0]] += found[1]
            res.tail.append(line)
            del res.tail[:-tail_lines]
            if on_line is not None:
                on_line(line)
        proc.wait()
    except BaseException:
        # Airflow stops a task (timeout, mark failed) by raising in it: take meltano along.
        kill()
        proc.wait()
        raise
    finally:
        timer.cancel()
        if log is not None:
            log.close()
    res.exit_code = proc.returncode
    res.wall = time.monotonic() - start
    return res


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
    log_path: Path,
    *,
    stdin_path: Path | None = None,
    env: dict[str, str] | None = None,
    collect_keys: bool = False,
    kill_after: float | None = None,
    timeout: float = 1800.0,
    cwd: Path | None = None,
    on_record: Callable[[str, float], None] | None = None,
    sandbox: CountsRequests | None = None,
) -> RunResult:
    """Run one process, reading its Singer output as it comes; measure only that process.

    CPU and peak RSS come from wait4() on the command (through rusage_run.py), so neither the
    harness nor the sandbox (another process on the same 2 cores) is counted. Its stderr goes to
    `log_path`. `kill_after` sends SIGKILL to the command at that many seconds, for the soak;
    with `sandbox`, the result carries the sandbox's request stats for this run alone.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    res = RunResult(label=label, argv=argv, log_path=log_path)
    if sandbox is not None:
        sandbox.reset_stats()
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL  # noqa: SIM115
    stderr = open(log_path, "wb")  # noqa: SIM115
    full_env = {**os.environ, **(env or {})}
    usage_file = log_path.with_suffix(".rusage.json")
    if usage_file.exists():
        usage_file.unlink()
    wrapped = [sys.executable, "-I", str(RUSAGE_RUN), str(usage_file), "--"]
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
    if sandbox is not None:
        res.server = sandbox.stats()
    return res
