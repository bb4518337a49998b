"""meltano.yml, the jobs and the DAG agree with each other and with the plugins' --about."""

from __future__ import annotations

import ast
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrate import harness
from orchestrate.sync_settings import kind_of

ROOT = harness.ROOT
MELTANO_YML = ROOT / "meltano.yml"
DAG_FILE = ROOT / "orchestrate" / "airflow" / "dags" / "activecampaign_meltano.py"


def project() -> dict[str, Any]:
    return yaml.safe_load(MELTANO_YML.read_text())


def plugin(kind: str, name: str) -> dict[str, Any]:
    return next(p for p in project()["plugins"][kind] if p["name"] == name)


def meltano_json(*args: str) -> Any:
    out = subprocess.run(
        [str(harness.MELTANO), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=harness.base_env(),
    ).stdout
    return json.loads(out[out.index("{") :])


def test_no_deprecated_keys() -> None:
    """Meltano 4 deprecates `version: 1` and `kind: password`; secrets are `sensitive`."""
    text = MELTANO_YML.read_text()
    assert "version" not in project()
    assert "kind: password" not in text
    for kind, name in (("extractors", "tap-activecampaign"), ("loaders", "target-activecampaign")):
        token = next(s for s in plugin(kind, name)["settings"] if s["name"] == "api_token")
        assert token.get("sensitive") is True


def test_duckdb_loader_is_pinned() -> None:
    """Newer duckdb makes target-duckdb 0.8.0 drop the first row of every batch."""
    loader = plugin("loaders", "target-duckdb")
    assert loader["pip_url"].split() == ["target-duckdb==0.8.0", "duckdb==1.2.2"]
    assert plugin("utilities", "warehouse")["pip_url"] == "duckdb==1.2.2"


@pytest.mark.parametrize(
    ("kind", "name", "exe"),
    [
        ("extractors", "tap-activecampaign", "tap-activecampaign"),
        ("loaders", "target-activecampaign", "target-activecampaign"),
    ],
)
def test_settings_and_capabilities_match_about(
    meltano_ready: Path, kind: str, name: str, exe: str
) -> None:
    """Every setting the plugin reports is declared (so env vars reach it), secrets sensitive."""
    about = json.loads(
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / exe), "--about", "--format=json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    declared = {s["name"]: s for s in plugin(kind, name)["settings"]}
    reported = about["settings"]["properties"]
    fix = "run `.venv/bin/python orchestrate/sync_settings.py` to update meltano.yml"
    assert set(declared) == set(reported), fix
    for key, schema in reported.items():
        assert bool(declared[key].get("sensitive")) == bool(schema.get("secret")), (key, fix)
    assert sorted(plugin(kind, name)["capabilities"]) == sorted(about["capabilities"]), fix


def test_jobs_and_schedules_listed(meltano_ready: Path) -> None:
    """Both jobs exist and `meltano schedule list` shows a schedule for each."""
    jobs = {j["job_name"]: j["tasks"] for j in meltano_json("job", "list", "--format=json")["jobs"]}
    assert set(jobs) == set(harness.JOBS)
    load = ["tap-activecampaign target-duckdb dbt-duckdb:build"]  # load, then the dbt models
    assert jobs["activecampaign-to-warehouse"] == load
    assert "target-activecampaign" in jobs["warehouse-to-activecampaign"][0]
    schedules = meltano_json("schedule", "list", "--format=json")["schedules"]["job"]
    assert {s["job"]["name"] for s in schedules} == set(harness.JOBS)


def test_dag_runs_every_job_in_order() -> None:
    """The DAG's JOBS tuple (read without importing Airflow) matches meltano.yml."""
    tree = ast.parse(DAG_FILE.read_text())
    jobs = next(
        ast.literal_eval(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id == "JOBS"
    )
    assert tuple(jobs) == harness.JOBS
    assert [j["name"] for j in project()["jobs"]] == list(jobs)


def test_declared_kinds_are_what_sync_settings_derives() -> None:
    """A fraction is `string` (Meltano 4.4.1 cannot take `decimal` from the environment, and
    `integer` makes TARGET_ACTIVECAMPAIGN_AUDIENCE_MAX_REMOVAL_FRACTION=0.1 fail)."""
    assert kind_of({"type": ["number", "string"]}) == "string"
    assert kind_of({"type": ["integer", "null"]}) == "integer"
    about = json.loads(
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "target-activecampaign"), "--about", "--format=json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    declared = {s["name"]: s for s in plugin("loaders", "target-activecampaign")["settings"]}
    for key, schema in about["settings"]["properties"].items():
        assert declared[key]["kind"] == kind_of(schema), key
    assert declared["audience_max_removal_fraction"]["kind"] == "string"


def test_a_string_choice_is_declared_as_options() -> None:
    """`sync_mode` (and `id_translation`) are `kind: options` listing the plugin's values."""
    assert kind_of({"type": ["string", "null"], "enum": ["a", "b"]}) == "options"
    assert kind_of({"type": ["integer", "null"], "enum": [0, 1]}) == "integer"
    declared = {s["name"]: s for s in plugin("loaders", "target-activecampaign")["settings"]}
    assert declared["sync_mode"]["kind"] == "options"
    assert [o["value"] for o in declared["sync_mode"]["options"]] == [
        "upsert",
        "update_only",
        "create_only",
    ]
    choices = [o["value"] for o in declared["id_translation"]["options"]]
    assert choices == ["auto", "on", "off"]  # strings, not YAML booleans
