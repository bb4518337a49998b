"""What only `make bench` and `make soak` need beside the harness: their work folder, the
peers' and the plots' virtual environments, catalogs, the machine's description.

Sandboxes and measured runs are the one harness's (`orchestrate/harness.py`); the helpers here
put their logs under benchmarks/.work (gitignored), where the peers' venvs live too.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestrate.harness import ROOT, Sandbox, log

BENCH_DIR = ROOT / "benchmarks"
WORK = BENCH_DIR / ".work"
LOGS = WORK / "logs"

PEER_TAP_REQUIREMENT = "tap-activecampaign==1.3.1"
PLOT_REQUIREMENTS = ["matplotlib>=3.7"]


def ensure_dirs() -> None:
    LOGS.mkdir(parents=True, exist_ok=True)


def log_file(label: str) -> Path:
    """Where a measured run's stderr goes: benchmarks/.work/logs/<label>.stderr."""
    ensure_dirs()
    return LOGS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", label) + ".stderr")


def bench_sandbox(contacts: int, *, name: str = "sandbox", **settings: Any) -> Sandbox:
    """A benchmark's sandbox: a random token, its stderr in the logs folder, a log line."""
    return Sandbox(contacts, name=name, log_dir=LOGS, **settings)


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
