"""The accounts file, each account's warehouse and environment: pure logic, no processes."""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from orchestrate import accounts as ac

ROOT = Path(__file__).resolve().parents[2]
GOOD = {"name": "acme", "api_url": "https://acme.api-us1.com/api/3", "api_token_env": "ACME"}


def test_shipped_files_parse() -> None:
    assert ac.load_accounts(ROOT / "orchestrate" / "accounts.yml") == []
    example = ac.load_accounts(ROOT / "orchestrate" / "accounts.example.yml")
    assert [a.name for a in example] == ["acme", "globex_eu"]
    globex = example[1]
    assert globex.start_date == "2024-01-01T00:00:00Z"  # YAML's bare date, as UTC ISO 8601
    assert globex.select == ["contacts.*", "deals.*", "lists.*", "tags.*", "contact_tags.*"]
    assert (globex.schedule, globex.requests_per_second, globex.reverse_sync) == ("daily", 3, True)
    assert ac.Account.from_dict(json.loads(json.dumps(globex.to_dict()))) == globex


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "Acme-1"}, "entry 2 ('Acme-1'): field 'name': must be a slug"),
        ({"name": None}, "entry 2: field 'name': required"),
        ({"api_url": "acme.api-us1.com"}, "entry 2 ('acme'): field 'api_url'"),
        ({"api_token_env": "not a name!"}, "entry 2 ('acme'): field 'api_token_env'"),
        ({"api_token": "s3cret"}, "field 'api_token': tokens never live in the accounts file"),
        ({"start_date": "yesterday"}, "entry 2 ('acme'): field 'start_date'"),
        ({"streams": "contacts"}, "entry 2 ('acme'): field 'streams'"),
        ({"schedule": "monthly"}, "field 'schedule': must be one of every_run, hourly"),
        ({"requests_per_second": 0}, "field 'requests_per_second'"),
        ({"reverse_sync": "yes"}, "field 'reverse_sync': must be true or false"),
        ({"stream": ["contacts"]}, "entry 2 ('acme'): field 'stream': unknown field"),
    ],
)
def test_bad_entry_names_entry_and_field(change: dict, message: str) -> None:
    other = {**GOOD, "name": "other"}
    entry = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    with pytest.raises(ac.AccountsFileError) as caught:
        ac.parse_accounts([other, entry], source="accounts.yml")
    assert message in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_file_level_problems(tmp_path: Path) -> None:
    with pytest.raises(ac.AccountsFileError, match=r"entry 2 .*already used by entry 1"):
        ac.parse_accounts([GOOD, GOOD])
    with pytest.raises(ac.AccountsFileError, match="must be a YAML list"):
        ac.parse_accounts({"accounts": [GOOD]})
    broken = tmp_path / "broken.yml"
    broken.write_text("- name: [unclosed\n")
    with pytest.raises(ac.AccountsFileError, match=r"broken\.yml: not valid YAML"):
        ac.load_accounts(broken)
    with pytest.raises(ac.AccountsFileError, match=r"missing\.yml: cannot read"):
        ac.load_accounts(tmp_path / "missing.yml")
    assert ac.load_accounts(_write(tmp_path / "empty.yml", "")) == []


def test_accounts_file_location() -> None:
    assert ac.accounts_file({}, ROOT) == ROOT / "orchestrate" / "accounts.yml"
    env = {"ACTIVECAMPAIGN_ACCOUNTS_FILE": "conf/a.yml"}
    assert ac.accounts_file(env, ROOT) == ROOT / "conf" / "a.yml"
    assert ac.accounts_file({"ACTIVECAMPAIGN_ACCOUNTS_FILE": "/etc/a.yml"}, ROOT) == Path(
        "/etc/a.yml"
    )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_schedule_classes() -> None:
    hourly_run = (at("2026-03-04T09:00"), at("2026-03-04T10:00"))
    midnight_run = (at("2026-03-04T23:00"), at("2026-03-05T00:00"))
    quarter_run = (at("2026-03-04T09:15"), at("2026-03-04T09:30"))
    assert ac.is_due("every_run", *quarter_run)
    assert ac.is_due("hourly", *hourly_run) and not ac.is_due("hourly", *quarter_run)
    assert ac.is_due("daily", *midnight_run) and not ac.is_due("daily", *hourly_run)
    monday = (at("2026-03-08T23:00"), at("2026-03-09T00:00"))  # 2026-03-09 is a Monday
    assert ac.is_due("weekly", *monday) and not ac.is_due("weekly", *midnight_run)
    # A manual run (no interval, or an empty one) runs every account.
    assert ac.is_due("weekly", None, None)
    assert ac.is_due("weekly", hourly_run[0], hourly_run[0])


def test_warehouses() -> None:
    acme = ac.parse_accounts([GOOD])[0]
    duck = ac.warehouse_from_env({}, ROOT)
    assert duck.loader == "target-duckdb"
    assert duck.env(acme)["TARGET_DUCKDB_FILEPATH"] == str(ROOT / "output/accounts/acme.duckdb")
    assert duck.env(acme)["TARGET_DUCKDB_DEFAULT_TARGET_SCHEMA"] == "activecampaign"
    uri = "postgresql://wh:p%40ss@db.internal:5432/warehouse"
    pg = ac.warehouse_from_env({"ACTIVECAMPAIGN_WAREHOUSE_URI": uri}, ROOT)
    assert pg.loader == "target-postgres"
    assert pg.env(acme) == {
        "TARGET_POSTGRES_SQLALCHEMY_URL": "postgresql+psycopg://wh:p%40ss@db.internal:5432/warehouse",
        "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": "activecampaign_acme",
    }
    assert "p%40ss" not in pg.describe(acme) and "wh:***@db.internal" in pg.describe(acme)
    with pytest.raises(ac.WarehouseConfigError) as caught:
        ac.warehouse_from_env({"ACTIVECAMPAIGN_WAREHOUSE_URI": "mysql://u:pw@h/db"}, ROOT)
    assert "u:***@h" in str(caught.value) and ":pw@" not in str(caught.value)


def test_account_env_puts_the_account_on_top_of_the_worker() -> None:
    beta = ac.parse_accounts(
        [{**GOOD, "name": "beta", "streams": ["contacts", "deal*"], "requests_per_second": 2}]
    )[0]
    worker = {
        "TAP_ACTIVECAMPAIGN_API_TOKEN": "single-account",
        "TAP_ACTIVECAMPAIGN_LOOKBACK_WINDOW": "60",
        "VIRTUAL_ENV": "/somewhere/.venv",
    }
    maps = {"account_custom_field_data": {"fieldValue": "x"}, "deal_custom_field_data": {"a": 1}}
    env = ac.account_env(beta, "tok", ac.warehouse_from_env({}, ROOT), worker, stream_maps=maps)
    assert env["TAP_ACTIVECAMPAIGN_API_TOKEN"] == env["TARGET_ACTIVECAMPAIGN_API_TOKEN"] == "tok"
    assert env["TAP_ACTIVECAMPAIGN_LOOKBACK_WINDOW"] == "60"  # the worker's settings pass through
    assert "VIRTUAL_ENV" not in env
    assert env["TAP_ACTIVECAMPAIGN_REQUESTS_PER_SECOND"] == "2"
    assert json.loads(env["TAP_ACTIVECAMPAIGN__SELECT"]) == ["contacts.*", "deal*.*"]
    # The map over a stream left out is neutralised; the selected one's stays as it is.
    assert json.loads(env["TAP_ACTIVECAMPAIGN_STREAM_MAPS"]) == {
        "account_custom_field_data": {"__key_properties__": []}
    }
    assert "TAP_ACTIVECAMPAIGN__SELECT" not in ac.account_env(
        ac.parse_accounts([GOOD])[0], "t", ac.warehouse_from_env({}, ROOT), {}
    )


def test_meltano_commands_carry_the_account_state_id() -> None:
    acme = ac.parse_accounts([GOOD])[0]
    duck = ac.warehouse_from_env({}, ROOT)
    assert ac.load_args(acme, duck, "prod", "r1") == [
        "el",
        "--state-id",
        "prod:tap-activecampaign-to-target-duckdb:acme",
        "--run-id",
        "r1",
        "tap-activecampaign",
        "target-duckdb",
    ]
    assert ac.reverse_sync_args(acme)[:3] == ["run", "--state-id-suffix", "acme"]
    assert ac.default_environment(ROOT, {"MELTANO_ENVIRONMENT": "dev"}) == "dev"
    assert ac.default_environment(ROOT, {}) == yaml.safe_load(
        (ROOT / "meltano.yml").read_text()
    ).get("default_environment", "prod")


def test_failure_reason_prefers_the_plugin_exception() -> None:
    tail = [
        "2026-01-01T00:00:00Z [info     ] tap-activecampaign singer_sdk.exceptions."
        "ConfigValidationError: ActiveCampaign refused the API token (HTTP 403)",
        "ConfigValidationError: ActiveCampaign refused the API",
        "2026-01-01T00:00:01Z [error    ] meltano      Extraction failed",
    ]
    assert ac.failure_reason(tail).startswith("tap-activecampaign singer_sdk.exceptions.Config")
    assert ac.failure_reason(["x", "Block run failed", "y"]) == "Block run failed"


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_target_postgres_block_matches_its_about(meltano_ready: Path) -> None:
    """Every setting meltano.yml declares for target-postgres exists, secrets are sensitive,
    and the configured values are the ones the warehouse relies on."""
    exe = ROOT / ".meltano" / "loaders" / "target-postgres" / "venv" / "bin" / "target-postgres"
    about = json.loads(
        subprocess.run(
            [str(exe), "--about", "--format=json"], capture_output=True, text=True, check=True
        ).stdout
    )
    plugin = next(
        p
        for p in yaml.safe_load((ROOT / "meltano.yml").read_text())["plugins"]["loaders"]
        if p["name"] == "target-postgres"
    )
    declared = {s["name"]: s for s in plugin["settings"]}
    assert set(declared) <= set(about["settings"]["properties"])
    assert sorted(plugin["capabilities"]) == sorted(about["capabilities"])
    for secret in ("sqlalchemy_url", "password"):
        assert declared[secret].get("sensitive") is True
    config = plugin["config"]
    assert config["load_method"] == "upsert"  # the loader's own default appends
    assert config["add_record_metadata"] is True and config["hard_delete"] is False


def test_a_stopped_task_takes_its_whole_meltano_process_group_along(tmp_path: Path) -> None:
    """Airflow stops a task by raising inside it: meltano and its plugins must not outlive it."""
    pid_file = tmp_path / "grandchild.pid"

    def stop(line: str) -> None:
        raise KeyboardInterrupt  # as AirflowTaskTimeout would, from inside the loop

    with pytest.raises(KeyboardInterrupt):
        ac.run_meltano(
            "/bin/sh",
            ["-c", f"sleep 60 & echo $! > {pid_file}; echo started; wait"],
            {"PATH": "/bin:/usr/bin"},
            tmp_path,
            on_line=stop,
        )
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (dead, not yet reaped by its parent) counts as gone.
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_run_report_names_failed_loads_and_failed_reverse_syncs() -> None:
    a, b, c = ac.parse_accounts(
        [
            {**GOOD, "name": "a", "reverse_sync": True},
            {**GOOD, "name": "b", "reverse_sync": True},
            {**GOOD, "name": "c"},
        ]
    )
    duck = ac.warehouse_from_env({}, ROOT)
    loaded = [{"account": "a", "records": 5}, {"account": "b", "records": 7}, None]
    synced = [{"account": "a", "records": 1}, None]
    lines, error = ac.run_report([a, b, c], loaded, synced, duck)
    assert lines == ["account 'a': loaded 5 records", "account 'b': loaded 7 records"]
    assert error is not None
    assert "1 of 3 accounts failed to load: c" in error
    assert "the reverse sync failed for b" in error
    # Under PostgreSQL reverse syncs are skipped, not failed; all loaded: no error.
    pg = ac.warehouse_from_env({"ACTIVECAMPAIGN_WAREHOUSE_URI": "postgresql://u@h/db"}, ROOT)
    loaded_all = [*loaded[:2], {"account": "c", "records": 0}]
    lines, error = ac.run_report([a, b, c], loaded_all, [], pg)
    assert error is None and lines[-1] == "all 3 accounts loaded"
