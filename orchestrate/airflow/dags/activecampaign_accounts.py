"""Airflow DAG fanning out over every ActiveCampaign account in the accounts file.

One mapped task group per account (dynamic task mapping): `extract_load` runs
`meltano run --state-id-suffix <account> tap-activecampaign <loader>` with the account's URL,
token, overrides and warehouse on top of the worker's environment; `reverse_sync` then runs the
project's `warehouse-to-activecampaign` job for accounts that set `reverse_sync: true`. One
account's failure (bad token, its API down) fails that account's tasks only; `report` names
every failed account at the end and fails the run so alerting sees it. The accounts file is
read when the DAG is parsed (a bad file is an import error naming the entry and the field)
and again by `plan` when a run starts.

Runs never overlap (`max_active_runs=1`), so no account runs twice at once (Meltano also
refuses a second run of the same state id); within a run, accounts load in parallel, at most
ACTIVECAMPAIGN_ACCOUNTS_PARALLEL at a time, each in a slot of ACTIVECAMPAIGN_ACCOUNTS_POOL.

Environment knobs, all optional:
  ACTIVECAMPAIGN_ACCOUNTS_FILE     YAML list of accounts (default: orchestrate/accounts.yml)
  ACTIVECAMPAIGN_WAREHOUSE_DIR     DuckDB files, <dir>/<account>.duckdb (default: output/accounts)
  ACTIVECAMPAIGN_WAREHOUSE_URI     postgresql://... : every account into this database instead,
                                   schema activecampaign_<account>
  ACTIVECAMPAIGN_ACCOUNTS_PARALLEL accounts loading at once within a run (default: 16)
  ACTIVECAMPAIGN_ACCOUNTS_POOL     Airflow pool for the account tasks (default: default_pool)
  ACTIVECAMPAIGN_ACCOUNTS_SCHEDULE cron or preset (default: @hourly)
  ACTIVECAMPAIGN_MELTANO_PROJECT, ACTIVECAMPAIGN_MELTANO_BIN, ACTIVECAMPAIGN_DAG_RETRIES,
  ACTIVECAMPAIGN_DAG_RETRY_DELAY_SECONDS   as for the activecampaign_meltano DAG
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.exceptions import AirflowException, AirflowSkipException
from airflow.sdk import Connection, dag, get_current_context, task, task_group
from airflow.sdk.log import mask_secret

PROJECT_ROOT = Path(
    os.environ.get("ACTIVECAMPAIGN_MELTANO_PROJECT") or Path(__file__).resolve().parents[3]
)
MELTANO_BIN = os.environ.get("ACTIVECAMPAIGN_MELTANO_BIN") or str(
    PROJECT_ROOT / ".venv-meltano" / "bin" / "meltano"
)
# The accounts logic lives with the project (shared with the fan-out benchmark).
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from orchestrate import accounts as ac  # noqa: E402
from orchestrate.runs import RunResult  # noqa: E402

DAG_ID = "activecampaign_accounts"
ACCOUNTS_FILE = ac.accounts_file(os.environ, PROJECT_ROOT)
# Parse-time check: a bad file or warehouse URI is an import error with its reason.
ACCOUNTS = ac.load_accounts(ACCOUNTS_FILE)
WAREHOUSE = ac.warehouse_from_env(os.environ, PROJECT_ROOT)
STREAM_MAPS = ac.project_stream_maps(PROJECT_ROOT)
PARALLEL = max(1, ac.env_flag(os.environ, "ACTIVECAMPAIGN_ACCOUNTS_PARALLEL", 16))
POOL = os.environ.get("ACTIVECAMPAIGN_ACCOUNTS_POOL") or "default_pool"

ACCOUNT_TASK = {
    "pool": POOL,
    "max_active_tis_per_dagrun": PARALLEL,
    # The UI and logs show the account's name instead of a map index.
    "map_index_template": "{{ account_name }}",
}


def account_token(account: ac.Account) -> str:
    """The token from the environment variable, else the Airflow connection's password."""
    token = ac.resolve_token(account, os.environ)
    if token is None:
        try:
            token = Connection.get(account.api_token_env).password or None
        except Exception:  # the SDK raises its own not-found error types
            token = None
    if not token:
        raise AirflowException(
            f"account {account.name!r}: no token: neither environment variable nor Airflow "
            f"connection {account.api_token_env!r} is set"
        )
    mask_secret(token)  # Airflow's log masker hides it should anything print it
    return token


def run_for_account(
    account: ac.Account, step: str, invoke: Callable[[dict[str, str]], RunResult]
) -> dict[str, Any]:
    """One meltano step for one account, its output in the task log; raises on failure."""
    get_current_context()["account_name"] = account.name  # type: ignore[typeddict-unknown-key]
    token = account_token(account)
    env = ac.account_env(account, token, WAREHOUSE, os.environ, stream_maps=STREAM_MAPS)
    ac.ensure_dirs(account, WAREHOUSE)
    print(f"account {account.name!r}: {step} into {WAREHOUSE.describe(account)}", flush=True)
    outcome = invoke(env)
    summary = {
        "account": account.name,
        "step": step,
        "seconds": round(outcome.wall, 1),
        "records": outcome.records,
    }
    if outcome.exit_code != 0:
        raise AirflowException(
            f"account {account.name!r}: {step} failed (meltano exited {outcome.exit_code}): "
            f"{ac.failure_reason(outcome.tail)}"
        )
    print(f"account {account.name!r}: {step} done: {summary}", flush=True)
    return {**summary, "by_stream": dict(outcome.counts)}


def _as_list(pulled: Any) -> list[Any]:
    """xcom_pull of a mapped task: a list, or one value when a single index ran."""
    return pulled if isinstance(pulled, list) else [pulled]


@dag(
    dag_id=DAG_ID,
    description="Every ActiveCampaign account in the accounts file -> its own warehouse",
    schedule=os.environ.get("ACTIVECAMPAIGN_ACCOUNTS_SCHEDULE", "@hourly"),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,  # a missed hour is covered by the next incremental run, not replayed
    max_active_runs=1,  # so no account ever runs twice at once
    max_active_tasks=PARALLEL,
    default_args={
        "owner": "data",
        "retries": ac.env_flag(os.environ, "ACTIVECAMPAIGN_DAG_RETRIES", 2),
        "retry_delay": timedelta(
            seconds=ac.env_flag(os.environ, "ACTIVECAMPAIGN_DAG_RETRY_DELAY_SECONDS", 300)
        ),
        "retry_exponential_backoff": True,
        "execution_timeout": timedelta(hours=2),
    },
    tags=["activecampaign", "meltano", "accounts"],
    doc_md=f"{__doc__}\nAccounts when parsed ({ACCOUNTS_FILE}): "
    f"{', '.join(a.name for a in ACCOUNTS) or 'none'}.",
)
def activecampaign_accounts() -> None:
    @task
    def plan() -> list[dict[str, Any]]:
        """The accounts due in this run (every account on a manual run), once Meltano's system
        database is ready for them all."""
        prepared = ac.run_meltano(
            MELTANO_BIN, ac.prepare_args(), ac.worker_env(os.environ), PROJECT_ROOT, on_line=print
        )
        if prepared.exit_code != 0:
            raise AirflowException(
                f"Meltano's system database is not usable: {ac.failure_reason(prepared.tail)}"
            )
        context = get_current_context()
        start = context.get("data_interval_start")
        end = context.get("data_interval_end")
        accounts = ac.load_accounts(ACCOUNTS_FILE)
        due = [a for a in accounts if ac.is_due(a.schedule, start, end)]
        later = sorted({a.name for a in accounts} - {a.name for a in due})
        print(f"{len(due)} of {len(accounts)} accounts due; not due in this run: {later or 'none'}")
        return [a.to_dict() for a in due]

    @task(**ACCOUNT_TASK)
    def extract_load(account: dict[str, Any]) -> dict[str, Any]:
        """Extract the account and load its warehouse (its own state id)."""
        acct = ac.Account.from_dict(account)
        return run_for_account(
            acct,
            "extract_load",
            lambda env: ac.run_load(MELTANO_BIN, acct, WAREHOUSE, env, PROJECT_ROOT, on_line=print),
        )

    @task(**ACCOUNT_TASK)
    def reverse_sync(account: dict[str, Any], loaded: dict[str, Any]) -> dict[str, Any]:
        """Push the account's warehouse contacts back, where the account asks for it."""
        acct = ac.Account.from_dict(account)
        get_current_context()["account_name"] = acct.name  # type: ignore[typeddict-unknown-key]
        if not acct.reverse_sync:
            raise AirflowSkipException(f"account {acct.name!r}: reverse_sync not configured")
        if WAREHOUSE.kind != "duckdb":
            raise AirflowSkipException(
                f"account {acct.name!r}: the reverse sync reads the DuckDB warehouse; "
                "skipped while ACTIVECAMPAIGN_WAREHOUSE_URI is set"
            )
        with ac.run_lock(PROJECT_ROOT, "reverse-sync"):
            return run_for_account(
                acct,
                "reverse_sync",
                lambda env: ac.run_meltano(
                    MELTANO_BIN, ac.reverse_sync_args(acct), env, PROJECT_ROOT, on_line=print
                ),
            )

    @task_group(group_id="account")
    def per_account(account: dict[str, Any]) -> None:
        reverse_sync(account, extract_load(account))

    @task(trigger_rule="all_done", retries=0)
    def report(planned: list[dict[str, Any]]) -> None:
        """Name every account whose load (or reverse sync) failed, and fail the run if any did."""
        ti = get_current_context()["ti"]
        lines, error = ac.run_report(
            [ac.Account.from_dict(a) for a in planned],
            _as_list(ti.xcom_pull(task_ids="account.extract_load")),
            _as_list(ti.xcom_pull(task_ids="account.reverse_sync")),
            WAREHOUSE,
        )
        print("\n".join(lines))
        if error:
            raise AirflowException(error)

    accounts = plan()
    per_account.expand(account=accounts) >> report(accounts)


activecampaign_accounts()
