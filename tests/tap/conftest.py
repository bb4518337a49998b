"""Fixtures for the tap tests (helpers live in tap_helpers.py, a uniquely named module)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tap_helpers import TapRun, catalog_for, parse_output


@pytest.fixture
def run_tap(tmp_path: Path):
    """Run the tap CLI in a subprocess; returns a TapRun."""

    def run(
        config: dict,
        *,
        streams: set[str] | None = None,
        state: dict | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> TapRun:
        (tmp_path / "config.json").write_text(json.dumps(config))
        args = [
            sys.executable,
            "-m",
            "tap_activecampaign.tap",
            "--config",
            str(tmp_path / "config.json"),
        ]
        if streams is not None:
            args += ["--catalog", str(catalog_for(config, streams, tmp_path))]
        if state is not None:
            (tmp_path / "state.json").write_text(json.dumps(state))
            args += ["--state", str(tmp_path / "state.json")]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
        return parse_output(proc.returncode, proc.stdout, proc.stderr)

    return run
