"""`activecampaign-sandbox serve`: port on the first line, clean exit on SIGTERM/SIGINT."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
import requests


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_prints_port_first_and_exits_cleanly(sig: signal.Signals) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "activecampaign_sandbox.cli",
            "serve",
            "--port",
            "0",
            "--token",
            "T",
            "--seed",
            "2",
            "--contacts",
            "500",
            "--rate",
            "50",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().strip())
        assert proc.stdout.readline().strip() == f"api_url=http://127.0.0.1:{port}/api/3"
        r = requests.get(
            f"http://127.0.0.1:{port}/api/3/contacts", headers={"Api-Token": "T"}, timeout=10
        )
        assert r.status_code == 200 and r.json()["meta"]["total"] == "500"
        assert (
            requests.get(f"http://127.0.0.1:{port}/api/3/contacts", timeout=10).status_code == 403
        )
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_large_account_starts_fast() -> None:
    from activecampaign_sandbox.api import Account

    t0 = time.perf_counter()
    acct = Account(1, 20_000)
    took = time.perf_counter() - t0
    assert len(acct.world.tables["contacts"]) == 20_000
    assert took < 5.0


def test_serve_takes_the_import_false_window() -> None:
    """`--import-false-window-s` reaches GET /import/info over HTTP (default 0.5 s)."""
    from activecampaign_sandbox.cli import _parser

    assert _parser().parse_args(["serve"]).import_false_window_s == 0.5
    args = ["serve", "--token", "T", "--contacts", "5", "--import-false-window-s", "60"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "activecampaign_sandbox.cli", *args, "--import-delay-s", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base = f"http://127.0.0.1:{int(proc.stdout.readline().strip())}/api/3"
        s = requests.Session()
        s.headers["Api-Token"] = "T"
        body = {"contacts": [{"email": "cli@example.com"}]}
        batch = s.post(base + "/import/bulk_import", json=body, timeout=10).json()["batchId"]
        time.sleep(0.3)  # applied by now, but still inside the 60 s window
        info = s.get(base + "/import/info", params={"batchId": batch}, timeout=10).json()
        assert info["status"] is False
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
