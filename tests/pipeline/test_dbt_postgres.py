"""The same dbt project on a PostgreSQL warehouse: target-postgres loads a throwaway cluster,
dbt-postgres builds it (one load and one build for the module).

The connection is given once, as target-postgres' TARGET_POSTGRES_HOST/PORT/USER/PASSWORD/
DATABASE settings, which transform/profiles.yml reads too.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from orchestrate import harness
from tests.pipeline.postgres import SUPERUSER, PostgresCluster

MARTS = {
    "contacts",
    "list_members",
    "contact_tags",
    "deals",
    "accounts",
    "email_engagement",
    "ecommerce_orders",
}


def snake(label: str) -> str:
    """The column name the pivot macro gives a custom field label."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


@pytest.fixture(scope="module")
def built(
    pipeline_sandbox: harness.Sandbox,
    postgres: PostgresCluster,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict:
    work = tmp_path_factory.mktemp("dbt-postgres")
    database = "dbt_warehouse"
    postgres.create_database(database)
    env = harness.pipeline_env(pipeline_sandbox, work, requests_per_second=25)
    env.update(
        {
            "TARGET_POSTGRES_HOST": postgres.host,
            "TARGET_POSTGRES_PORT": str(postgres.port),
            "TARGET_POSTGRES_USER": SUPERUSER,
            "TARGET_POSTGRES_PASSWORD": postgres.password,
            "TARGET_POSTGRES_DATABASE": database,
        }
    )
    result = harness.run_meltano(
        ["run", "tap-activecampaign", "target-postgres", "dbt-postgres:build"],
        env,
        work / "load.log",
    ).check()
    return {"env": env, "work": work, "sb": pipeline_sandbox, "pg": postgres, "db": database,
            "log": result.log_path}  # fmt: skip


def test_build_passes_with_marts_staging_and_audiences(built: dict) -> None:
    pg, db = built["pg"], built["db"]
    log = built["log"].read_text()
    assert "Completed successfully" in log and "ERROR=0" in log, "dbt build did not pass"
    assert built["pg"].password not in log  # the password never reaches a log
    rows = pg.query(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_schema IN ('analytics', 'staging', 'audiences')",
        database=db,
    )
    by_schema: dict[str, set[str]] = {}
    for schema, table in rows:
        by_schema.setdefault(str(schema), set()).add(str(table))
    assert by_schema["analytics"] == MARTS
    assert all(t.startswith("stg_") for t in by_schema["staging"])
    assert "open_deal_contacts" in by_schema["audiences"]


def test_marts_match_the_sandbox(built: dict) -> None:
    pg, db, sb = built["pg"], built["db"], built["sb"]
    assert pg.query("SELECT count(*) FROM analytics.contacts", database=db) == [
        (str(len(sb.resource("contacts"))),)
    ]
    assert pg.query("SELECT count(*) FROM analytics.deals", database=db) == [
        (str(len(sb.resource("deals"))),)
    ]
    columns = dict(
        pg.query(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'analytics' AND table_name = 'contacts'",
            database=db,
        )
    )
    for field in sb.resource("fields"):
        name = snake(field.get("perstag") or field["title"])
        assert name in columns, (name, sorted(columns))
        if field["type"] == "date":
            assert columns[name] == "date"
    deal_columns = {
        row[0]
        for row in pg.query(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'analytics' AND table_name = 'deals'",
            database=db,
        )
    }
    for meta in sb.resource("dealCustomFieldMeta"):
        assert snake(meta.get("personalization") or meta["fieldLabel"]) in deal_columns


def test_tap_postgres_reads_each_audience_as_a_stream_named_after_its_model(built: dict) -> None:
    """The reverse sync's source on PostgreSQL: meltanolabs-tap-postgres over the audiences
    schema, each table renamed to its model's name for target-activecampaign's `audiences`."""
    env, work, pg, db = built["env"], built["work"], built["pg"], built["db"]
    out = work / "tap-postgres.jsonl"
    result = harness.run_meltano(
        ["invoke", "tap-warehouse-audiences-postgres"], env, work / "tap-postgres.log"
    ).check()
    messages = [
        json.loads(line)
        for line in result.log_path.read_text().splitlines()
        if line.startswith('{"type"')
    ]
    out.write_text("\n".join(json.dumps(m) for m in messages))
    streams = {m["stream"] for m in messages if m["type"] == "SCHEMA"}
    assert streams == {"open_deal_contacts"}, streams
    sent = sorted(m["record"]["email"] for m in messages if m["type"] == "RECORD")
    table = sorted(
        str(r[0]) for r in pg.query("SELECT email FROM audiences.open_deal_contacts", database=db)
    )
    assert sent == table and sent


def test_a_deleted_contact_leaves_the_marts(built: dict) -> None:
    """target-postgres keeps a deleted record as a row with _sdc_deleted_at (soft delete):
    after the next build it is in no mart and no audience."""
    env, work, pg, db = built["env"], built["work"], built["pg"], built["db"]
    gone = pg.query("SELECT min(email) FROM audiences.open_deal_contacts", database=db)[0][0]
    assert gone
    pg.query(
        "UPDATE activecampaign.contacts SET _sdc_deleted_at = now() "
        f"WHERE lower(email) = lower('{gone}')",
        database=db,
    )
    harness.run_meltano(["invoke", "dbt-postgres:build"], env, work / "rebuild.log").check()
    for table in ("analytics.contacts", "audiences.open_deal_contacts"):
        rows = pg.query(
            f"SELECT count(*) FROM {table} WHERE lower(email) = lower('{gone}')", database=db
        )
        assert rows == [("0",)], table


def test_postgres_audience_reaches_its_tag(built: dict) -> None:
    """warehouse model (PostgreSQL) -> tap-postgres -> target-activecampaign -> sandbox tag."""
    env, work, pg, db, sb = built["env"], built["work"], built["pg"], built["db"], built["sb"]
    project = yaml.safe_load((harness.ROOT / "meltano.yml").read_text())
    target = next(p for p in project["plugins"]["loaders"] if p["name"] == "target-activecampaign")
    tag_name = target["config"]["audiences"]["open_deal_contacts"]["tag"]
    harness.run_meltano(
        ["run", "tap-warehouse-audiences-postgres", "target-activecampaign"],
        env,
        work / "reverse.log",
    ).check()
    want = {
        str(r[0]).lower()
        for r in pg.query("SELECT email FROM audiences.open_deal_contacts", database=db)
    }
    tag_ids = {str(t["id"]) for t in sb.resource("tags") if t.get("tag") == tag_name}
    members = {str(x["contact"]) for x in sb.resource("contactTags") if str(x["tag"]) in tag_ids}
    emails = {str(c["email"]).lower() for c in sb.resource("contacts") if str(c["id"]) in members}
    assert emails == want and want
