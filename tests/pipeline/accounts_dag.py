"""Helpers for the `activecampaign_accounts` DAG tests: sandbox accounts, an accounts file, and
`airflow dags test` in a throwaway AIRFLOW_HOME (its metadata DB migrated once per session).

Three sandbox accounts: `alpha` (every stream, then the reverse sync), `beta` (a streams and
start_date override; its token in an Airflow connection, not a variable) and `gamma`, whose
environment variable holds a wrong token: its load must fail alone.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from orchestrate import harness

DAGS = harness.ROOT / "orchestrate" / "airflow" / "dags"
DAG_ID = "activecampaign_accounts"
AIRFLOW = harness.AIRFLOW_VENV / "bin" / "airflow"
ACCOUNT_CONTACTS = 80
# beta reads a few streams only (the accounts file's `streams` override); it keeps tests short.
BETA_STREAMS = ["contacts", "deals", "lists", "tags"]
DONE_RE = re.compile(r"account '(\w+)': extract_load done: \{[^}]*'records': (\d+)")


@dataclass
class SandboxAccount:
    """One account: its sandbox, the env var naming its token, and the token it gets."""

    name: str
    sandbox: harness.Sandbox
    token_env: str
    given_token: str


@contextmanager
def sandbox_accounts(tag: str) -> Iterator[list[SandboxAccount]]:
    """alpha, beta and gamma, each its own sandbox process; gamma is handed a wrong token."""
    with ExitStack() as stack:
        accounts = []
        for seed, name in enumerate(("alpha", "beta", "gamma"), start=11):
            token = f"{name}-{tag}-real-token-d0-not-log"
            sb = stack.enter_context(
                harness.sandbox(contacts=ACCOUNT_CONTACTS, seed=seed, token=token)
            )
            given = f"{name}-{tag}-WRONG-token-d0-not-log" if name == "gamma" else token
            # beta's token is an Airflow connection (AIRFLOW_CONN_AC_BETA), the others variables.
            token_env = "ac_beta" if name == "beta" else f"AC_TOKEN_{name.upper()}"
            accounts.append(SandboxAccount(name, sb, token_env, given))
        yield accounts


def write_accounts_file(path: Path, accounts: list[SandboxAccount]) -> Path:
    """The accounts file a user would write for these accounts (no tokens in it)."""
    entries = []
    for acct in accounts:
        entry: dict[str, object] = {
            "name": acct.name,
            "api_url": acct.sandbox.api_url,
            "api_token_env": acct.token_env,
            "requests_per_second": 100,  # the sandbox sets no limit: only keep the test short
        }
        if acct.name == "alpha":
            entry["reverse_sync"] = True
        if acct.name == "beta":
            entry |= {"streams": BETA_STREAMS, "start_date": "2000-01-01"}
        entries.append(entry)
    path.write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    return path


@functools.cache
def migrated_db(cache_dir: Path) -> Path:
    """An Airflow metadata DB migrated once; each test copies it (migrating costs ~20 s)."""
    home = cache_dir / "airflow-home-template"
    env = harness.base_env()
    env |= {"AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    subprocess.run([str(AIRFLOW), "db", "migrate"], env=env, check=True, capture_output=True)
    return home / "airflow.db"


def airflow_env(
    work: Path, accounts: list[SandboxAccount], template_db: Path, **extra: str
) -> dict[str, str]:
    """Environment for `airflow dags test` of the accounts DAG, everything under `work`."""
    home = work / "airflow-home"
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(template_db, home / "airflow.db")
    env = harness.base_env()
    env |= {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "MELTANO_DATABASE_URI": f"sqlite:///{work / 'meltano.db'}",
        "MELTANO_ENVIRONMENT": "dev",
        "ACTIVECAMPAIGN_ACCOUNTS_FILE": str(write_accounts_file(work / "accounts.yml", accounts)),
        "ACTIVECAMPAIGN_WAREHOUSE_DIR": str(work / "warehouses"),
        "ACTIVECAMPAIGN_DAG_RETRIES": "1",
        "ACTIVECAMPAIGN_DAG_RETRY_DELAY_SECONDS": "1",
        # A single-account set-up's values in the worker's environment are overridden per account.
        "TAP_ACTIVECAMPAIGN_API_URL": "http://127.0.0.1:9/api/3",
        "TAP_ACTIVECAMPAIGN_API_TOKEN": "single-account-token-d0-not-log",
    }
    for acct in accounts:
        if acct.token_env.startswith("ac_"):
            connection = {"conn_type": "generic", "password": acct.given_token}
            env[f"AIRFLOW_CONN_{acct.token_env.upper()}"] = json.dumps(connection)
        else:
            env[acct.token_env] = acct.given_token
    env |= extra
    return env


def dags_test(env: dict[str, str], log: Path) -> tuple[int, str]:
    """`airflow dags test activecampaign_accounts`: exit code and the whole output."""
    with log.open("w") as fh:
        proc = subprocess.run(
            [str(AIRFLOW), "dags", "test", DAG_ID],
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            timeout=900,
        )
    return proc.returncode, log.read_text(errors="replace")


def loaded_records(text: str) -> dict[str, int]:
    """Records each account's extract_load read, from its `done` log line."""
    return {name: int(n) for name, n in DONE_RE.findall(text)}


def leaked_secrets(root: Path, secrets: list[str]) -> list[str]:
    """Files under `root` (logs, warehouses, Meltano's DB, ...) holding any of `secrets`."""
    needles = [s.encode() for s in secrets]
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path}: {n.decode()[:12]}..." for n in needles if n in data]
    return hits


INSPECT = """
import json, os, sys
from airflow.models import DagBag
out = {}
for label, path in json.loads(sys.argv[1]).items():
    os.environ["ACTIVECAMPAIGN_ACCOUNTS_FILE"] = path
    bag = DagBag(dag_folder=sys.argv[2], include_examples=False)
    dag = bag.dags.get("activecampaign_accounts")
    tasks = {t.task_id: t for t in dag.tasks} if dag else {}
    load = tasks.get("account.extract_load")
    out[label] = {
        "errors": [str(e) for e in bag.import_errors.values()],
        "dags": sorted(bag.dags),
        "max_active_runs": getattr(dag, "max_active_runs", None),
        "tasks": sorted(tasks),
        "retries": getattr(load, "retries", None),
        "pool": getattr(load, "pool", None),
        "max_active_tis_per_dagrun": getattr(load, "max_active_tis_per_dagrun", None),
    }
print("RESULT " + json.dumps(out))
"""


def inspect_dag(env: dict[str, str], files: dict[str, Path]) -> dict[str, dict]:
    """Parse the DAG folder in .venv-airflow once per accounts file; what each parse found."""
    out = subprocess.run(
        [
            str(harness.AIRFLOW_VENV / "bin" / "python"),
            "-c",
            INSPECT,
            json.dumps({k: str(v) for k, v in files.items()}),
            str(DAGS),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    return json.loads(next(x for x in out.splitlines() if x.startswith("RESULT "))[7:])
