"""The token never shows up in any output; a bad token fails fast and says so."""

from __future__ import annotations

import os
import time

from tap_helpers import tap_config


def test_token_never_in_output_at_debug_level(sandbox_factory, run_tap) -> None:
    sb = sandbox_factory(seed=11, contacts=120, fail=0.05, stall_s=1.2)
    env = {**os.environ, "LOGLEVEL": "DEBUG", "TAP_ACTIVECAMPAIGN_LOGLEVEL": "DEBUG"}
    run = run_tap(tap_config(sb, request_timeout=1.0), env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "DEBUG" in run.stderr  # debug logging really was on
    assert sb.token not in run.stdout
    assert sb.token not in run.stderr


def test_bad_token_fails_fast_with_a_clear_message(sandbox, run_tap) -> None:
    started = time.monotonic()
    run = run_tap({**tap_config(sandbox), "api_token": "wrong-token-000"}, timeout=60)
    elapsed = time.monotonic() - started
    assert run.returncode != 0
    assert elapsed < 10
    assert "token" in run.stderr.lower() and "refused" in run.stderr.lower()
    assert "wrong-token-000" not in run.stderr
    assert not run.records


def test_plain_http_is_refused_for_remote_hosts(run_tap) -> None:
    run = run_tap({"api_url": "http://example.com/api/3", "api_token": "x-token-123"})
    assert run.returncode != 0
    assert "https" in run.stderr
