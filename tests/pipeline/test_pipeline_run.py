"""The Meltano jobs end to end against a sandbox, through `meltano run` as a user runs them.

Order matters (one sandbox and one warehouse per module): full load, incremental load after
sandbox changes, reverse sync, and a final load that sees what the reverse sync created.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from orchestrate import harness

# Warehouse tables with no same-named sandbox table to count against.
UNCOMPARED = {"webhook_events"}
CORE_TABLES = {"contacts", "deals", "accounts", "tags", "lists", "contact_tags", "field_values"}
SYNC_TAG = "warehouse-sync"
NEW_LEADS = harness.ROOT / "orchestrate" / "reverse_sync" / "new_contacts.jsonl"


def snake(name: str) -> str:
    """Sandbox (API) resource name -> tap stream name: ecomOrders -> ecom_orders."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def sandbox_counts(sb: harness.Sandbox) -> dict[str, int]:
    """Row counts of the sandbox's tables, keyed by the stream name the tap gives them."""
    counts: dict[str, int] = {}
    names = sb.resources()
    slugs: dict[str, str] = {}
    if "customObjects/schemas" in names:
        for schema in sb.resource("customObjects/schemas"):
            slugs[str(schema.get("id"))] = str(schema.get("slug") or "").replace("-", "_")
    for name in names:
        if name.startswith("customObjects/records/"):
            slug = slugs.get(name.rsplit("/", 1)[1])
            if slug:
                counts[f"custom_object_{slug}"] = len(sb.resource(name))
        elif name == "customObjects/schemas":
            counts["custom_object_schemas"] = len(sb.resource(name))
        else:
            counts[snake(name)] = len(sb.resource(name))
    return counts


def warehouse(env: dict[str, str], log: Path) -> dict[str, int]:
    """Raw (loader) table row counts keyed by table name; the dbt schemas are not compared."""
    counts = harness.warehouse_counts(env, log).items()
    return {k.split(".", 1)[1]: v for k, v in counts if k.startswith("activecampaign.")}


def query(env: dict[str, str], sql: str, log: Path) -> list[dict[str, Any]]:
    """Rows of one warehouse query, through the `warehouse` utility."""
    result = harness.run_meltano(["invoke", "warehouse:query", sql], env, log).check()
    for line in reversed(result.log_path.read_text().splitlines()):
        if line.startswith("["):
            return list(json.loads(line))
    raise AssertionError(f"no rows in {log}")


def assert_matches_sandbox(env: dict[str, str], sb: harness.Sandbox, log: Path) -> dict[str, int]:
    """Every warehouse table holds exactly as many rows as its sandbox table."""
    loaded = warehouse(env, log)
    truth = sandbox_counts(sb)
    assert set(loaded) >= CORE_TABLES, sorted(CORE_TABLES - set(loaded))
    assert set(loaded) - set(truth) <= UNCOMPARED, sorted(set(loaded) - set(truth))
    diffs = {t: (n, truth[t]) for t, n in loaded.items() if t in truth and n != truth[t]}
    assert not diffs, f"warehouse vs sandbox rows differ: {diffs}"
    return loaded


@pytest.fixture(scope="module")
def run_env(pipeline_sandbox: harness.Sandbox, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("pipeline")
    env = harness.pipeline_env(pipeline_sandbox, work, requests_per_second=25)
    return {"env": env, "work": work, "sb": pipeline_sandbox, "state": {}}


def test_full_load_matches_sandbox(run_env: dict) -> None:
    env, work, sb = run_env["env"], run_env["work"], run_env["sb"]
    result = harness.run_meltano(
        ["run", "activecampaign-to-warehouse"], env, work / "load1.log"
    ).check()
    loaded = assert_matches_sandbox(env, sb, work / "counts1.log")
    assert loaded["contacts"] == len(sb.resource("contacts")) > 0
    assert result.counts.get("contacts") == loaded["contacts"]
    run_env["state"]["full_contacts"] = result.counts["contacts"]
    assert sb.token not in result.log_path.read_text()  # the token never reaches a log


def test_incremental_load_reads_only_changes(run_env: dict) -> None:
    env, work, sb = run_env["env"], run_env["work"], run_env["sb"]
    if "full_contacts" not in run_env["state"]:
        pytest.fail("needs test_full_load_matches_sandbox first")
    changed = sb.control("POST", "mutate", {"resource": "contacts", "fraction": 0.1})["ids"]
    sb.control("POST", "mutate", {"resource": "deals", "fraction": 0.2})
    assert changed
    result = harness.run_meltano(
        ["run", "activecampaign-to-warehouse"], env, work / "load2.log"
    ).check()
    read = result.counts.get("contacts", 0)
    # The changed contacts, plus at most a few re-read at the bookmark's edge: not everything.
    assert len(changed) <= read <= len(changed) + 5, (read, len(changed))
    assert read < run_env["state"]["full_contacts"] / 2
    assert_matches_sandbox(env, sb, work / "counts2.log")  # upserts: no duplicate rows
    fresh = query(
        env,
        "SELECT CAST(id AS VARCHAR) AS id FROM activecampaign.contacts "
        "WHERE _sdc_batched_at > (SELECT min(_sdc_batched_at) FROM activecampaign.contacts)",
        work / "query2.log",
    )
    assert {str(i) for i in changed} <= {r["id"] for r in fresh}


def test_reverse_sync_creates_and_updates_contacts(run_env: dict) -> None:
    env, work, sb = run_env["env"], run_env["work"], run_env["sb"]
    before = {str(c["email"]).lower() for c in sb.resource("contacts")}
    harness.run_meltano(["run", "warehouse-to-activecampaign"], env, work / "reverse1.log").check()
    batch = sorted((work / "reverse_sync").glob("contacts.jsonl"))
    assert len(batch) == 1
    sent = [json.loads(line) for line in batch[0].read_text().splitlines() if line.strip()]
    leads = [json.loads(x) for x in NEW_LEADS.read_text().splitlines() if x.strip()]
    valid_leads = [r for r in leads if "@" in r["email"]]
    assert len(sent) > len(leads)  # warehouse contacts plus the shipped leads

    contacts = {str(c["email"]).lower(): c for c in sb.resource("contacts")}
    for rec in sent:
        if "@" in rec["email"]:
            assert rec["email"].lower() in contacts, rec["email"]
    created = set(contacts) - before
    assert created == {r["email"].lower() for r in valid_leads}
    ada = contacts["ada.lovelace@example.org"]
    assert (ada.get("firstName"), ada.get("lastName")) == ("Ada", "Lovelace")

    tag_ids = {str(t["id"]) for t in sb.resource("tags") if t.get("tag") == SYNC_TAG}
    tagged = {
        str(link["contact"]) for link in sb.resource("contactTags") if str(link["tag"]) in tag_ids
    }
    for rec in sent:
        if "@" in rec["email"]:
            assert str(contacts[rec["email"].lower()]["id"]) in tagged, rec["email"]

    rejects = [json.loads(x) for x in (work / "rejects.jsonl").read_text().splitlines() if x]
    assert [r["record"]["email"] for r in rejects] == ["not-an-email"]
    assert rejects[0]["reason"]
    run_env["state"]["contacts_after_reverse"] = len(contacts)
    run_env["state"]["sent"] = len(sent)


def test_reverse_sync_again_creates_nothing_new(run_env: dict) -> None:
    env, work, sb = run_env["env"], run_env["work"], run_env["sb"]
    if "contacts_after_reverse" not in run_env["state"]:
        pytest.fail("needs test_reverse_sync_creates_and_updates_contacts first")
    result = harness.run_meltano(
        ["run", "warehouse-to-activecampaign"], env, work / "reverse2.log"
    ).check()
    # The rewritten batch is read again in full (not skipped by the reader's bookmark)...
    totals = harness.target_summary(result.log_path)["totals"]
    assert totals["written"] + totals["rejected"] == run_env["state"]["sent"], totals
    # ...and upserting it again creates nobody.
    assert len(sb.resource("contacts")) == run_env["state"]["contacts_after_reverse"]


def test_next_load_sees_reverse_synced_contacts(run_env: dict) -> None:
    env, work, sb = run_env["env"], run_env["work"], run_env["sb"]
    harness.run_meltano(["run", "activecampaign-to-warehouse"], env, work / "load3.log").check()
    loaded = assert_matches_sandbox(env, sb, work / "counts3.log")
    assert loaded["contacts"] == len(sb.resource("contacts"))
