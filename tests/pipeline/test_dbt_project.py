"""The dbt project's files agree with the tap: generated staging models are current and every
stream the tap declares has a staging model and a source entry."""

from __future__ import annotations

import subprocess
import sys

import yaml

from orchestrate import harness

ROOT = harness.ROOT
STAGING = ROOT / "transform" / "models" / "staging"


def test_generated_staging_models_are_current() -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "transform" / "generate_staging.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    fix = "run `.venv/bin/python transform/generate_staging.py`"
    assert check.returncode == 0, f"{check.stderr}{fix}"


def test_every_tap_stream_is_staged_and_declared() -> None:
    streams = {p.stem for p in (ROOT / "tap_activecampaign" / "schemas").glob("*.json")}
    staged = {p.stem[4:] for p in STAGING.glob("stg_*.sql")}
    assert streams <= staged, sorted(streams - staged)
    sources = yaml.safe_load((STAGING / "_sources.yml").read_text())["sources"][0]["tables"]
    assert {t["name"] for t in sources} == staged
