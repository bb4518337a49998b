"""A run killed mid-contacts resumes from its last state and loses nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

from tap_helpers import TapRun, catalog_for, parse_output, tap_config


def test_killed_run_resumes_without_loss(sandbox_factory, tmp_path) -> None:
    sb = sandbox_factory(seed=7, contacts=2500)
    # Slow enough (10 requests/s) that the kill lands mid-stream.
    cfg = tap_config(sb, requests_per_second=10)
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    catalog = catalog_for(cfg, {"contacts"}, tmp_path)
    args = [
        sys.executable,
        "-m",
        "tap_activecampaign.tap",
        "--config",
        str(tmp_path / "config.json"),
        "--catalog",
        str(catalog),
    ]

    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    seen = 0
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if '"type":"RECORD"' in line:
            seen += 1
            if seen >= 900:
                proc.send_signal(signal.SIGKILL)
                break
    lines.extend(proc.stdout.read().splitlines(keepends=True))
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    killed = parse_output(proc.returncode, "".join(lines), "")
    assert 900 <= len(killed.records["contacts"]) < 2500
    resume = killed.state["bookmarks"]["contacts"]["resume"]
    assert resume["id_greater"] >= 800

    (tmp_path / "state.json").write_text(json.dumps(killed.state))
    done = subprocess.run(
        [*args, "--state", str(tmp_path / "state.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    resumed = parse_output(done.returncode, done.stdout, done.stderr)
    first_ids = set(killed.ids("contacts"))
    second_ids = resumed.ids("contacts")
    everything = {str(r["id"]) for r in sb.dump("contacts")}
    assert first_ids | set(second_ids) == everything  # nothing lost
    assert min(int(i) for i in second_ids) > resume["id_greater"]  # resumed, not restarted
    assert "resume" not in resumed.state["bookmarks"]["contacts"]


def test_interrupted_whole_read_signals_no_deletion(sandbox_factory, tmp_path) -> None:
    """A whole read killed mid-contacts and resumed is incomplete: it signals no deletion
    (not even the real one); the next whole read signals exactly that one."""
    sb = sandbox_factory(seed=8, contacts=2500, latency_ms=150)
    cfg = tap_config(sb, reread_interval=0, max_parallel_requests=1)
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    catalog = catalog_for(cfg, {"contacts"}, tmp_path)
    args = [
        sys.executable,
        "-m",
        "tap_activecampaign.tap",
        "--config",
        str(tmp_path / "config.json"),
        "--catalog",
        str(catalog),
    ]

    def run(state: dict) -> TapRun:
        (tmp_path / "state.json").write_text(json.dumps(state))
        proc = subprocess.run(
            [*args, "--state", str(tmp_path / "state.json")],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return parse_output(proc.returncode, proc.stdout, proc.stderr)

    first = run({})
    victim = str(sb.dump("contacts")[2000]["id"])
    sb.control("POST", "delete", {"resource": "contacts", "ids": [int(victim)]})

    (tmp_path / "state.json").write_text(json.dumps(first.state))
    proc = subprocess.Popen(
        [*args, "--state", str(tmp_path / "state.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line)
        if '"type":"STATE"' in line and '"resume"' in line:
            proc.send_signal(signal.SIGKILL)
            break
    lines.extend(proc.stdout.read().splitlines(keepends=True))
    proc.wait(timeout=30)
    killed = parse_output(proc.returncode, "".join(lines), "")
    assert proc.returncode == -signal.SIGKILL
    resume = killed.state["bookmarks"]["contacts"]["resume"]
    assert resume["id_greater"] < int(victim)  # killed before the whole read got there

    resumed = run(killed.state)
    assert not [r for r in resumed.records["contacts"] if r.get("_sdc_deleted_at")]
    after = run(resumed.state)
    gone = [str(r["id"]) for r in after.records["contacts"] if r.get("_sdc_deleted_at")]
    assert gone == [victim]
