"""Create or reuse the pipeline's own virtualenvs: .venv-meltano and .venv-airflow.

Meltano and Airflow each pin many packages that clash with singer-sdk's pins in .venv (and
with each other), so each gets its own venv; Meltano then builds one venv per plugin under
.meltano/. Every step is skipped when a stamp shows the same inputs were installed before,
so CI caches and repeated `make` calls cost seconds. Stdlib only: runs with any python3.

  python3 orchestrate/bootstrap.py meltano   # .venv-meltano + `meltano install`
  python3 orchestrate/bootstrap.py airflow   # .venv-airflow (needs uv from .venv-meltano)
  python3 orchestrate/bootstrap.py all
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MELTANO_VENV = ROOT / ".venv-meltano"
AIRFLOW_VENV = ROOT / ".venv-airflow"
MELTANO_REQS = ROOT / "orchestrate" / "requirements-meltano.txt"
AIRFLOW_REQS = ROOT / "orchestrate" / "airflow" / "requirements.txt"
AIRFLOW_CONSTRAINTS = ROOT / "orchestrate" / "airflow" / "constraints-py3.11.txt"
STAMP = ".bootstrap-stamp"


def log(msg: str) -> None:
    """Progress on stderr, flushed, so make and CI show it live."""
    print(f"[bootstrap] {msg}", file=sys.stderr, flush=True)


def fingerprint(*files: Path) -> str:
    """Hash of the inputs that decide what a venv holds, plus the interpreter version."""
    h = hashlib.sha256(sys.version.encode())
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes() if f.exists() else b"-")
    return h.hexdigest()


def run(cmd: Sequence[str | Path], **kwargs: object) -> None:
    """Run a command from the project root; a failure stops the bootstrap loudly."""
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def stamped(venv: Path, want: str, exe: str) -> bool:
    """True when the venv was built from the same inputs and still has its executable."""
    stamp = venv / STAMP
    return (
        (venv / "bin" / exe).exists()
        and stamp.exists()
        and stamp.read_text(encoding="utf-8").strip() == want
    )


def ensure_meltano_venv() -> Path:
    """Build .venv-meltano with pip (uv arrives with Meltano itself)."""
    want = fingerprint(MELTANO_REQS)
    meltano = MELTANO_VENV / "bin" / "meltano"
    if stamped(MELTANO_VENV, want, "meltano"):
        log(f"reusing {MELTANO_VENV.name}")
        return meltano
    start = time.monotonic()
    log(f"creating {MELTANO_VENV.name} from {MELTANO_REQS.relative_to(ROOT)}")
    run([sys.executable, "-m", "venv", "--clear", MELTANO_VENV])
    py = MELTANO_VENV / "bin" / "python"
    run([py, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([py, "-m", "pip", "install", "--quiet", "-r", MELTANO_REQS])
    (MELTANO_VENV / STAMP).write_text(want + "\n", encoding="utf-8")
    log(f"{MELTANO_VENV.name} ready in {time.monotonic() - start:.0f}s")
    return meltano


def meltano_install(meltano: Path) -> None:
    """`meltano install` (a no-op when plugins are current), and a clean reinstall of the
    editable tap/target venvs when pyproject.toml changed, since Meltano only fingerprints
    pip_url and `-e .` would otherwise keep stale dependencies."""
    start = time.monotonic()
    env = {**os.environ, "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false"}
    marker = ROOT / ".meltano" / ".pyproject-sha"
    want = fingerprint(ROOT / "pyproject.toml")
    if marker.exists() and marker.read_text(encoding="utf-8").strip() != want:
        log("pyproject.toml changed: reinstalling tap-activecampaign and target-activecampaign")
        run(
            [meltano, "install", "--clean", "tap-activecampaign", "target-activecampaign"],
            env=env,
        )
    log("meltano install (plugins under .meltano/)")
    run([meltano, "install"], env=env)
    marker.parent.mkdir(exist_ok=True)
    marker.write_text(want + "\n", encoding="utf-8")
    log(f"meltano plugins ready in {time.monotonic() - start:.0f}s")


def ensure_airflow_venv() -> Path:
    """Build .venv-airflow from the pinned requirement and constraints files, with uv."""
    want = fingerprint(AIRFLOW_REQS, AIRFLOW_CONSTRAINTS)
    airflow = AIRFLOW_VENV / "bin" / "airflow"
    if stamped(AIRFLOW_VENV, want, "airflow"):
        log(f"reusing {AIRFLOW_VENV.name}")
        return airflow
    uv = MELTANO_VENV / "bin" / "uv"
    if not uv.exists():
        ensure_meltano_venv()
    start = time.monotonic()
    log(f"creating {AIRFLOW_VENV.name} (apache-airflow, constraints-py3.11.txt)")
    run([sys.executable, "-m", "venv", "--clear", AIRFLOW_VENV])
    py = AIRFLOW_VENV / "bin" / "python"
    reqs = ["-r", AIRFLOW_REQS, "-c", AIRFLOW_CONSTRAINTS]
    run([uv, "pip", "install", "--quiet", "--python", py, *reqs])
    (AIRFLOW_VENV / STAMP).write_text(want + "\n", encoding="utf-8")
    log(f"{AIRFLOW_VENV.name} ready in {time.monotonic() - start:.0f}s")
    return airflow


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description="Create or reuse the pipeline venvs.")
    parser.add_argument("what", choices=["meltano", "airflow", "all"])
    args = parser.parse_args(argv)
    lock_path = ROOT / ".meltano" / ".bootstrap.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with lock_path.open("w") as lock:
        # The demo and a test run may start together: one builds, the other then reuses.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if args.what in ("meltano", "all"):
            meltano_install(ensure_meltano_venv())
        if args.what in ("airflow", "all"):
            ensure_airflow_venv()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
