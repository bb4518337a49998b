"""The `activecampaign_accounts` DAG under `airflow dags test`: three sandbox accounts into one
DuckDB file each, one of them with a wrong token.

The two good accounts load completely and alone the bad one fails, named in the log; no token
reaches any file the run leaves; a second run reads each account incrementally from its own
state.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrate import harness
from tests.pipeline import accounts_dag as ad


@pytest.fixture(scope="module")
def accounts(meltano_ready: Path) -> Iterator[list[ad.SandboxAccount]]:
    harness.bootstrap("airflow")
    with ad.sandbox_accounts("duck") as accounts:
        yield accounts


@pytest.fixture(scope="module")
def work(accounts: list[ad.SandboxAccount], tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("accounts-duckdb")
    template = ad.migrated_db(tmp_path_factory.getbasetemp())
    env = ad.airflow_env(root, accounts, template)
    return {"root": root, "env": env, "runs": {}, "started": time.time()}


def counts(env: dict[str, str], duckdb: Path, log: Path) -> dict[str, int]:
    """Row count per warehouse table of one account's DuckDB file."""
    return harness.warehouse_counts({**env, "WAREHOUSE_FILEPATH": str(duckdb)}, log)


def test_dag_parses_and_a_bad_file_fails_naming_entry_and_field(work: dict) -> None:
    root = work["root"]
    bad = root / "bad-accounts.yml"
    bad.write_text(
        "- name: fine\n  api_url: https://a.api-us1.com/api/3\n  api_token_env: A_TOKEN\n"
        "- name: Not-A-Slug\n  api_url: https://b.api-us1.com/api/3\n  api_token_env: B\n"
    )
    found = ad.inspect_dag(work["env"], {"ours": root / "accounts.yml", "bad": bad})
    ours = found["ours"]
    assert ours["errors"] == []
    assert ours["dags"] == ["activecampaign_accounts", "activecampaign_meltano"]
    assert ours["max_active_runs"] == 1  # no account's runs overlap
    assert ours["tasks"] == [
        "account.extract_load",
        "account.reverse_sync",
        "plan",
        "report",
    ]
    assert ours["retries"] == 1  # ACTIVECAMPAIGN_DAG_RETRIES
    assert ours["pool"] == "default_pool" and ours["max_active_tis_per_dagrun"] == 16
    errors = found["bad"]["errors"]
    assert "activecampaign_accounts" not in found["bad"]["dags"]
    assert len(errors) == 1 and "entry 2 ('Not-A-Slug'): field 'name'" in errors[0], errors


def test_one_bad_account_fails_alone(accounts: list[ad.SandboxAccount], work: dict) -> None:
    root, env = work["root"], work["env"]
    alpha, beta = accounts[0], accounts[1]
    alpha_contacts = len(alpha.sandbox.resource("contacts"))
    code, text = ad.dags_test(env, root / "run1.log")
    work["runs"][1] = ad.loaded_records(text)
    # gamma's wrong token fails gamma's task, and the run, naming it...
    assert code != 0 or "state=failed" in text, text[-4000:]
    assert "account 'gamma': extract_load failed" in text, text[-6000:]
    assert "1 of 3 accounts failed to load: gamma" in text, text[-6000:]
    # ...while alpha and beta load completely, each into its own file.
    assert set(work["runs"][1]) == {"alpha", "beta"}, text[-6000:]
    warehouses = root / "warehouses"
    assert sorted(p.name for p in warehouses.glob("*.duckdb")) == ["alpha.duckdb", "beta.duckdb"]
    alpha_rows = counts(env, warehouses / "alpha.duckdb", root / "alpha-counts.log")
    assert alpha_rows["activecampaign.contacts"] == alpha_contacts
    assert alpha_rows["activecampaign.deals"] == len(alpha.sandbox.resource("deals"))
    assert len(alpha_rows) > 40  # every stream
    beta_rows = counts(env, warehouses / "beta.duckdb", root / "beta-counts.log")
    assert beta_rows == {
        "activecampaign.contacts": len(beta.sandbox.resource("contacts")),
        "activecampaign.deals": len(beta.sandbox.resource("deals")),
        "activecampaign.lists": len(beta.sandbox.resource("lists")),
        "activecampaign.tags": len(beta.sandbox.resource("tags")),
    }
    # alpha's reverse sync then ran against alpha (the dev leads arrived there), beta has none.
    assert "account 'alpha': reverse_sync done" in text, text[-6000:]
    assert "account 'beta': reverse_sync not configured" in text
    assert "ada.lovelace@example.org" in _emails(alpha.sandbox)
    assert "ada.lovelace@example.org" not in _emails(beta.sandbox)


def test_second_run_is_incremental_per_account(
    accounts: list[ad.SandboxAccount], work: dict
) -> None:
    if 1 not in work["runs"]:
        pytest.fail("needs test_one_bad_account_fails_alone first")
    root, env = work["root"], work["env"]
    changed = accounts[0].sandbox.mutate("contacts", 0.1)["ids"]
    assert changed
    _, text = ad.dags_test(env, root / "run2.log")
    second = ad.loaded_records(text)
    first = work["runs"][1]
    assert set(second) == {"alpha", "beta"}, text[-6000:]
    # Each account resumed from its own bookmark: far fewer records than its full load.
    assert second["alpha"] < first["alpha"] / 3, (first, second)
    assert second["beta"] < first["beta"] / 3, (first, second)
    states = harness.run_meltano(["state", "list"], env, root / "states.log").check()
    listed = states.log_path.read_text()
    for name in ("alpha", "beta"):
        assert f"dev:tap-activecampaign-to-target-duckdb:{name}" in listed, listed
    assert "target-duckdb:gamma" not in listed
    alpha_rows = counts(env, root / "warehouses" / "alpha.duckdb", root / "alpha-counts2.log")
    assert alpha_rows["activecampaign.contacts"] == len(accounts[0].sandbox.resource("contacts"))


def test_no_run_folder_left_behind(work: dict) -> None:
    """Each `meltano el` run's folder (its catalog) is removed after the run, failed or not."""
    assert 1 in work["runs"], "needs the DAG runs first"
    left = [
        folder
        for folder in (harness.ROOT / ".meltano" / "run" / "elt").glob("*target-duckdb*/*")
        if folder.parent.name.endswith(("alpha", "beta", "gamma"))
        and folder.stat().st_mtime >= work["started"]
    ]
    assert left == []


def test_no_token_in_any_file(accounts: list[ad.SandboxAccount], work: dict) -> None:
    secrets = [a.sandbox.token for a in accounts] + [a.given_token for a in accounts]
    secrets.append(work["env"]["TAP_ACTIVECAMPAIGN_API_TOKEN"])
    assert (work["root"] / "run1.log").exists()
    assert ad.leaked_secrets(work["root"], secrets) == []


def _emails(sb: harness.Sandbox) -> set[str]:
    return {str(c.get("email")).lower() for c in sb.resource("contacts")}
