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
