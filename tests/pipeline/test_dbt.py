"""The dbt project on the DuckDB warehouse, as `meltano run activecampaign-to-warehouse` builds it.

One sandbox, one load and one `dbt build` (inside the job) per module; the tests then read the
marts through the `warehouse` utility. The environment sets only TARGET_DUCKDB_FILEPATH (the
loader's setting): dbt and the warehouse utility must follow it with no setting of their own.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrate import harness

ROOT = harness.ROOT
MARTS = {
    "contacts",
    "list_members",
    "contact_tags",
    "deals",
    "accounts",
    "email_engagement",
    "ecommerce_orders",
}
AUDIENCES_DIR = ROOT / "transform" / "models" / "audiences"
WAREHOUSE_PYTHON = ROOT / ".meltano" / "utilities" / "warehouse" / "venv" / "bin" / "python"


def snake(label: str) -> str:
    """The column name the pivot macro gives a custom field label."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def query(env: dict[str, str], sql: str, log: Path) -> list[dict[str, Any]]:
    """Rows of one read-only warehouse query, through the `warehouse` utility."""
    result = harness.run_meltano(["invoke", "warehouse:query", sql], env, log).check()
    for line in reversed(result.log_path.read_text().splitlines()):
        if line.startswith("["):
            return list(json.loads(line))
    raise AssertionError(f"no rows in {log}")


def write_sql(warehouse: Path, sql: str) -> None:
    """Change the warehouse directly (what a later load would do), with the pinned duckdb."""
    code = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute(sys.argv[2])"
    subprocess.run([str(WAREHOUSE_PYTHON), "-c", code, str(warehouse), sql], check=True)


@pytest.fixture(scope="module")
def built(pipeline_sandbox: harness.Sandbox, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Load the sandbox and build the models with the job, the warehouse in a temp folder."""
    work = tmp_path_factory.mktemp("dbt-duckdb")
    env = harness.pipeline_env(pipeline_sandbox, work, requests_per_second=25)
    env.pop("WAREHOUSE_FILEPATH")  # the loader's TARGET_DUCKDB_FILEPATH alone must suffice
    result = harness.run_meltano(["run", "activecampaign-to-warehouse"], env, work / "load.log")
    result.check()
    return {"env": env, "work": work, "sb": pipeline_sandbox, "log": result.log_path}


def test_job_builds_marts_staging_and_audiences_in_their_schemas(built: dict) -> None:
    env, work = built["env"], built["work"]
    log = built["log"].read_text()
    assert "Completed successfully" in log and "ERROR=0" in log, "dbt build did not pass"
    assert Path(env["TARGET_DUCKDB_FILEPATH"]).exists()
    rows = query(
        env,
        "SELECT table_schema AS s, table_name AS t FROM information_schema.tables "
        "WHERE table_schema IN ('analytics', 'staging', 'audiences')",
        work / "schemas.log",
    )
    by_schema: dict[str, set[str]] = {}
    for row in rows:
        by_schema.setdefault(row["s"], set()).add(row["t"])
    assert by_schema["analytics"] == MARTS
    assert by_schema["staging"] and all(t.startswith("stg_") for t in by_schema["staging"])
    models = {p.stem for p in AUDIENCES_DIR.glob("*.sql")}
    assert by_schema["audiences"] == models


def test_contacts_mart_has_a_typed_column_per_custom_field(built: dict) -> None:
    env, work, sb = built["env"], built["work"], built["sb"]
    contacts = sb.resource("contacts")
    fields = sb.resource("fields")
    columns = {
        r["column_name"]: r["data_type"]
        for r in query(
            env,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'analytics' AND table_name = 'contacts'",
            work / "columns.log",
        )
    }
    for field in fields:
        name = snake(field.get("perstag") or field["title"])
        assert name in columns, (name, sorted(columns))
        if field["type"] == "date":
            assert columns[name] == "DATE", (name, columns[name])
        if field["type"] == "datetime":
            assert columns[name].startswith("TIMESTAMP"), (name, columns[name])
    count = query(env, "SELECT count(*) AS n FROM analytics.contacts", work / "n.log")
    assert count[0]["n"] == len(contacts)

    # One contact's values, tags and lists against the sandbox's own tables.
    values = [v for v in sb.resource("fieldValues") if v.get("value")]
    sample = values[0]
    field = next(f for f in fields if str(f["id"]) == str(sample["field"]))
    name = snake(field.get("perstag") or field["title"])
    contact_id = int(sample["contact"])
    row = query(
        env,
        f"SELECT CAST({name} AS VARCHAR) AS v, tag_names FROM analytics.contacts "
        f"WHERE contact_id = {contact_id}",
        work / "one.log",
    )[0]
    raw = str(sample["value"])
    if field["type"] in ("checkbox", "listbox", "multiselect"):
        assert row["v"] == ", ".join(p for p in raw.strip("|").split("||") if p)
    elif field["type"] in ("date", "datetime"):
        assert row["v"][:10] == raw[:10]
    else:
        assert row["v"] == raw
    tag_names = {str(t["id"]): t["tag"] for t in sb.resource("tags")}
    want = sorted(
        {
            tag_names[str(link["tag"])]
            for link in sb.resource("contactTags")
            if str(link["contact"]) == str(contact_id)
        }
    )
    assert (row["tag_names"] or "") == ", ".join(want)


def test_deals_mart_names_pipeline_stage_owner_and_custom_fields(built: dict) -> None:
    env, work, sb = built["env"], built["work"], built["sb"]
    rows = query(env, "SELECT * FROM analytics.deals ORDER BY deal_id", work / "deals.log")
    assert len(rows) == len(sb.resource("deals"))
    stages = {str(s["id"]): s["title"] for s in sb.resource("dealStages")}
    deal = sb.resource("deals")[0]
    row = next(r for r in rows if str(r["deal_id"]) == str(deal["id"]))
    assert row["stage_name"] == stages[str(deal["stage"])]
    assert row["pipeline_name"] and row["owner_name"]
    for meta in sb.resource("dealCustomFieldMeta"):
        assert snake(meta.get("personalization") or meta["fieldLabel"]) in row


def test_a_deleted_contact_is_not_live_anywhere(built: dict) -> None:
    """A contact whose raw row carries _sdc_deleted_at leaves the counts, both reverse-sync
    exports (the audience one even before dbt rebuilds the audience) and, after the next build,
    the marts."""
    env, work = built["env"], built["work"]
    members = query(
        env, "SELECT email FROM audiences.open_deal_contacts ORDER BY email", work / "aud.log"
    )
    assert members, "the example audience is empty on the sandbox"
    gone = members[0]["email"]
    before = harness.warehouse_counts(env, work / "counts-before.log")
    write_sql(
        Path(env["TARGET_DUCKDB_FILEPATH"]),
        "UPDATE activecampaign.contacts SET _sdc_deleted_at = '2026-01-01T00:00:00+00:00' "
        f"WHERE lower(email) = lower('{gone}')",
    )
    after = harness.warehouse_counts(env, work / "counts-after.log")
    assert after["activecampaign.contacts"] == before["activecampaign.contacts"] - 1

    harness.run_meltano(["invoke", "warehouse:export-audiences"], env, work / "exp.log").check()
    batch = Path(env["WAREHOUSE_EXPORT_DIR"]) / "audiences" / "open_deal_contacts.jsonl"
    sent = [json.loads(line)["email"] for line in batch.read_text().splitlines() if line]
    assert gone not in sent
    assert len(sent) == len(members) - 1
    # The contacts reverse sync (contacts with deals) leaves it out too.
    harness.run_meltano(["invoke", "warehouse:export-contacts"], env, work / "exp2.log").check()
    batch = Path(env["WAREHOUSE_EXPORT_DIR"]) / "contacts.jsonl"
    pushed = [json.loads(line)["email"] for line in batch.read_text().splitlines() if line]
    assert pushed and gone.lower() not in {e.lower() for e in pushed}

    harness.run_meltano(["invoke", "dbt-duckdb:build"], env, work / "rebuild.log").check()
    left = query(
        env,
        f"SELECT count(*) AS n FROM analytics.contacts WHERE lower(email) = lower('{gone}')",
        work / "left.log",
    )
    assert left[0]["n"] == 0


def test_the_loader_filepath_is_the_only_warehouse_setting() -> None:
    """target-duckdb's default file is the one dbt's profile and the utility fall back to."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    loader = next(p for p in project["plugins"]["loaders"] if p["name"] == "target-duckdb")
    default = loader["config"]["filepath"].replace("${MELTANO_PROJECT_ROOT}/", "")
    profiles = (ROOT / "transform" / "profiles.yml").read_text()
    assert "env_var('TARGET_DUCKDB_FILEPATH'" in profiles
    assert f"'/{default}'" in profiles
    utility = next(p for p in project["plugins"]["utilities"] if p["name"] == "warehouse")
    assert "filepath" not in utility.get("config", {})
    source = (ROOT / "orchestrate" / "warehouse.py").read_text()
    assert 'PROJECT_ROOT / "output" / "warehouse.duckdb"' in source
    assert default == "output/warehouse.duckdb"
