"""Deletions reach the warehouse: `meltano run activecampaign-to-warehouse` twice, with a
contact, a deal and a tag link deleted in between; the second run's whole reads (their
`reread_interval` set to 0) mark those rows with `_sdc_deleted_at` in DuckDB, and no other."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PIPELINE_CONTACTS

from orchestrate import harness


@pytest.fixture(scope="module")
def deletion_sandbox(meltano_ready: Path) -> Iterator[harness.Sandbox]:
    with harness.sandbox(
        contacts=PIPELINE_CONTACTS, seed=11, token="pipeline-deletions-token-d0-not-log"
    ) as sb:
        yield sb


def query(env: dict[str, str], sql: str, log: Path) -> list[dict[str, Any]]:
    """Rows of one warehouse query, through the `warehouse` utility."""
    result = harness.run_meltano(["invoke", "warehouse:query", sql], env, log).check()
    for line in reversed(result.log_path.read_text().splitlines()):
        if line.startswith("["):
            return list(json.loads(line))
    raise AssertionError(f"no rows in {log}")


def marked(env: dict[str, str], table: str, log: Path) -> set[str]:
    rows = query(
        env,
        f"SELECT CAST(id AS VARCHAR) AS id FROM activecampaign.{table} "
        "WHERE _sdc_deleted_at IS NOT NULL",
        log,
    )
    return {r["id"] for r in rows}


def test_deleted_rows_end_marked_in_the_warehouse(deletion_sandbox, tmp_path) -> None:
    sb = deletion_sandbox
    env = harness.pipeline_env(sb, tmp_path, requests_per_second=25)
    harness.run_meltano(["run", "activecampaign-to-warehouse"], env, tmp_path / "load1.log").check()
    assert not marked(env, "contacts", tmp_path / "q0.log")

    contact = str(sb.resource("contacts")[3]["id"])
    deal = next(str(d["id"]) for d in sb.resource("deals") if str(d["contact"]) != contact)
    link = next(str(r["id"]) for r in sb.resource("contactTags") if str(r["contact"]) != contact)
    cascade = sb.delete("contacts", [contact])
    sb.delete("deals", [deal])
    sb.delete("contactTags", [link])

    env["TAP_ACTIVECAMPAIGN_REREAD_INTERVAL"] = "0"
    harness.run_meltano(["run", "activecampaign-to-warehouse"], env, tmp_path / "load2.log").check()
    assert marked(env, "contacts", tmp_path / "q1.log") == {contact}
    assert marked(env, "deals", tmp_path / "q2.log") == {deal} | {
        str(i) for i in cascade.get("deals", [])
    }
    assert marked(env, "contact_tags", tmp_path / "q3.log") == {link} | {
        str(i) for i in cascade.get("contactTags", [])
    }
    live = query(
        env,
        "SELECT count(*) AS n FROM activecampaign.contacts WHERE _sdc_deleted_at IS NULL",
        tmp_path / "q4.log",
    )
    assert live[0]["n"] == len(sb.resource("contacts"))
