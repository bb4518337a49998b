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


def test_large_account_is_generated_whole() -> None:
    from activecampaign_sandbox.api import Account

    acct = Account(1, 20_000)
    assert len(acct.world.tables["contacts"]) == 20_000


def test_sandbox_process_serves_and_answers_its_control_api() -> None:
    """The child-process wrapper the demo, pipeline tests and benchmarks share."""
    from activecampaign_sandbox.process import SandboxProcess

    with SandboxProcess(120, token="T", seed=3) as sb:
        proc = sb.proc
        assert proc is not None
        s = requests.Session()
        s.headers["Api-Token"] = "T"
        r = s.get(f"{sb.api_url}/contacts", params={"limit": 5}, timeout=10)
        assert r.status_code == 200 and r.json()["meta"]["total"] == "120"
        assert sb.stats()["total"] == 1
        sb.reset_stats()
        assert sb.stats()["total"] == 0
        assert sb.resource_count("contacts") == 120
        assert sb.resource_count("no_such_table") is None
        assert len(sb.resource("contacts")) == 120
        assert "contacts" in sb.resources()
        changed = sb.mutate("contacts", 0.05)["ids"]
        assert len(changed) == 6
    assert proc.poll() == 0 and sb.proc is None


def test_sandbox_process_reports_a_server_that_fails_to_start() -> None:
    from activecampaign_sandbox.process import SandboxProcess

    sb = SandboxProcess(10, extra=["--rate", "not-a-number"])
    with pytest.raises(RuntimeError, match=r"(?s)did not print its port.*--rate"):
        sb.start(timeout=30)
    assert sb.proc is None


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


def test_routes_lists_each_endpoint_with_the_module_serving_it() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "activecampaign_sandbox.cli", "routes"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    rows = {line.split()[0] + " " + line.split()[1]: line.split()[2:] for line in out.splitlines()}
    # a documented special case is served by its domain; a plain list by generic, spec by domain
    assert rows["POST /contact/sync"] == ["contacts.post_contact_sync"]
    assert rows["GET /contacts"] == ["contacts.list_contacts", "contacts"]
    assert rows["GET /deals"][1] == "deals"
    assert rows["GET /ecomOrders"] == ["generic.generic_list", "ecommerce"]
    assert rows["POST /import/bulk_import"] == ["bulk_import.submit"]
    # one line per route: the shadowed generic GET /contacts is not listed beside the special one
    assert len(rows) == len(out.splitlines()) > 200
    domains = {
        "contacts", "catalog", "accounts", "custom_fields", "deals", "campaigns",
        "account_config", "ecommerce", "custom_objects", "generic", "bulk_import",
    }  # fmt: skip
    assert {handler.split(".")[0] for handler, *_ in rows.values()} <= domains
