"""The `activecampaign_accounts` DAG into one shared PostgreSQL database (a real throwaway
cluster, see tests/pipeline/postgres.py): schema activecampaign_<account>, via target-postgres.

As with DuckDB: alpha and beta load completely, gamma's wrong token fails gamma alone, no token
or database password reaches a file, and a second run reads incrementally and upserts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrate import harness
from tests.pipeline import accounts_dag as ad
from tests.pipeline.postgres import PostgresCluster, PostgresUnavailable, find_bindir

DATABASE = "accounts_dag"


@pytest.fixture(scope="module")
def accounts(meltano_ready: Path) -> Iterator[list[ad.SandboxAccount]]:
    harness.bootstrap("airflow")
    with ad.sandbox_accounts("pg") as accounts:
        yield accounts


@pytest.fixture(scope="module")
def work(
    accounts: list[ad.SandboxAccount],
    postgres: PostgresCluster,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict:
    root = tmp_path_factory.mktemp("accounts-postgres")
    template = ad.migrated_db(tmp_path_factory.getbasetemp())
    uri = postgres.create_database(DATABASE)
    env = ad.airflow_env(
        root,
        accounts,
        template,
        ACTIVECAMPAIGN_WAREHOUSE_URI=uri,
        ACTIVECAMPAIGN_DAG_RETRIES="0",
    )
    return {"root": root, "env": env, "runs": {}}


def tables(postgres: PostgresCluster, schema: str) -> dict[str, int]:
    """Row count of every table in one schema."""
    names = postgres.query(
        "SELECT table_name FROM information_schema.tables "
        f"WHERE table_schema = '{schema}' ORDER BY 1",
        database=DATABASE,
    )
    if not names:
        return {}
    union = " UNION ALL ".join(
        f"SELECT '{n}', count(*) FROM {schema}.\"{n}\"" for (n,) in names if n
    )
    return {str(t): int(str(c)) for t, c in postgres.query(union, database=DATABASE)}


def test_accounts_load_into_their_own_schemas(
    accounts: list[ad.SandboxAccount], work: dict, postgres: PostgresCluster
) -> None:
    root, env = work["root"], work["env"]
    code, text = ad.dags_test(env, root / "run1.log")
    work["runs"][1] = ad.loaded_records(text)
    assert code != 0 or "state=failed" in text, text[-4000:]
    assert "account 'gamma': extract_load failed" in text, text[-6000:]
    assert "1 of 3 accounts failed to load: gamma" in text, text[-6000:]
    assert set(work["runs"][1]) == {"alpha", "beta"}, text[-6000:]
    assert "PostgreSQL postgresql://warehouse:***@127.0.0.1" in text  # where, minus the password
    assert "account 'alpha': the reverse sync reads the DuckDB warehouse; skipped" in text

    alpha, beta = accounts[0], accounts[1]
    alpha_rows = tables(postgres, "activecampaign_alpha")
    assert len(alpha_rows) > 40  # every stream
    assert alpha_rows["contacts"] == len(alpha.sandbox.resource("contacts"))
    assert alpha_rows["deals"] == len(alpha.sandbox.resource("deals"))
    assert tables(postgres, "activecampaign_beta") == {
        "contacts": len(beta.sandbox.resource("contacts")),
        "deals": len(beta.sandbox.resource("deals")),
        "lists": len(beta.sandbox.resource("lists")),
        "tags": len(beta.sandbox.resource("tags")),
    }
    assert tables(postgres, "activecampaign_gamma") == {}
    # Deletion markers have their column (soft deletes: hard_delete is off).
    columns = postgres.query(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = "
        "'activecampaign_alpha' AND table_name = 'contacts' AND column_name LIKE '_sdc_%'",
        database=DATABASE,
    )
    assert ("_sdc_deleted_at",) in columns, columns


def test_second_run_is_incremental_and_upserts(
    accounts: list[ad.SandboxAccount], work: dict, postgres: PostgresCluster
) -> None:
    if 1 not in work["runs"]:
        pytest.fail("needs test_accounts_load_into_their_own_schemas first")
    root, env = work["root"], work["env"]
    changed = accounts[0].sandbox.mutate("contacts", 0.1)["ids"]
    _, text = ad.dags_test(env, root / "run2.log")
    first, second = work["runs"][1], ad.loaded_records(text)
    assert set(second) == {"alpha", "beta"}, text[-6000:]
    assert second["alpha"] < first["alpha"] / 3, (first, second)
    assert second["beta"] < first["beta"] / 3, (first, second)
    alpha_rows = tables(postgres, "activecampaign_alpha")
    assert alpha_rows["contacts"] == len(accounts[0].sandbox.resource("contacts"))  # no duplicates
    fresh = postgres.query(
        "SELECT id FROM activecampaign_alpha.contacts WHERE _sdc_batched_at > "
        "(SELECT min(_sdc_batched_at) FROM activecampaign_alpha.contacts)",
        database=DATABASE,
    )
    assert {str(i) for i in changed} <= {str(r[0]) for r in fresh}


def test_no_token_or_password_in_any_file(
    accounts: list[ad.SandboxAccount], work: dict, postgres: PostgresCluster
) -> None:
    secrets = [a.sandbox.token for a in accounts] + [a.given_token for a in accounts]
    secrets.append(postgres.password)
    assert ad.leaked_secrets(work["root"], secrets) == []


def test_missing_server_binaries_say_so(tmp_path: Path) -> None:
    """Without the binaries the fixture skips with this reason (never a silent pass)."""
    with pytest.raises(PostgresUnavailable, match="not found") as caught:
        find_bindir({"PATH": str(tmp_path)}, roots=(tmp_path,))
    assert "install them" in str(caught.value)


def test_server_runs_unprivileged(postgres: PostgresCluster) -> None:
    (data_dir,) = postgres.query("SHOW data_directory")[0]
    owner = os.stat(str(data_dir)).st_uid
    assert owner == os.geteuid() if os.geteuid() != 0 else owner != 0
