"""The Airflow DAG, in its own venv (.venv-airflow): it imports cleanly and runs both jobs.

`airflow dags test` runs the DAG's tasks in-process against a throwaway AIRFLOW_HOME (SQLite
metadata DB), each task a real `meltano run <job>` against the sandbox.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from orchestrate import harness

DAGS = harness.ROOT / "orchestrate" / "airflow" / "dags"
DAG_ID = "activecampaign_meltano"

INSPECT = """
import json
from airflow.models import DagBag
bag = DagBag(dag_folder=str({dags!r}), include_examples=False)
dag = bag.dags.get({dag_id!r})
print("RESULT " + json.dumps({{
    "import_errors": {{k: str(v) for k, v in bag.import_errors.items()}},
    "dags": sorted(bag.dags),
    "catchup": getattr(dag, "catchup", None),
    "max_active_runs": getattr(dag, "max_active_runs", None),
    "tasks": [t.task_id for t in dag.topological_sort()] if dag else [],
    "retries": [t.retries for t in dag.tasks] if dag else [],
}}))
"""


@pytest.fixture(scope="module")
def airflow_env(
    meltano_ready: Path,
    pipeline_sandbox: harness.Sandbox,
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, str]:
    """.venv-airflow (reused when present), a fresh AIRFLOW_HOME and a migrated metadata DB."""
    harness.bootstrap("airflow")
    work = tmp_path_factory.mktemp("airflow")
    env = harness.pipeline_env(pipeline_sandbox, work / "pipeline", requests_per_second=25)
    env.update(
        {
            "AIRFLOW_HOME": str(work / "airflow-home"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "ACTIVECAMPAIGN_DAG_RETRY_DELAY_SECONDS": "2",
        }
    )
    subprocess.run(
        [str(harness.AIRFLOW_VENV / "bin" / "airflow"), "db", "migrate"],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return env


def test_dag_imports_without_errors(airflow_env: dict[str, str]) -> None:
    out = subprocess.run(
        [
            str(harness.AIRFLOW_VENV / "bin" / "python"),
            "-c",
            INSPECT.format(dags=str(DAGS), dag_id=DAG_ID),
        ],
        env=airflow_env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    info = json.loads(next(x for x in out.splitlines() if x.startswith("RESULT "))[7:])
    assert info["import_errors"] == {}
    assert DAG_ID in info["dags"]  # beside activecampaign_accounts (test_pipeline_accounts*)
    assert info["catchup"] is False
    assert info["max_active_runs"] == 1
    assert info["tasks"] == [j.replace("-", "_") for j in harness.JOBS]
    assert all(r >= 1 for r in info["retries"])


def test_dag_runs_both_jobs_against_sandbox(
    airflow_env: dict[str, str], pipeline_sandbox: harness.Sandbox
) -> None:
    log = Path(airflow_env["AIRFLOW_HOME"]).parent / "dags-test.log"
    before = len(pipeline_sandbox.resource("contacts"))
    with log.open("w") as fh:
        proc = subprocess.run(
            [str(harness.AIRFLOW_VENV / "bin" / "airflow"), "dags", "test", DAG_ID],
            env=airflow_env,
            stdout=fh,
            stderr=subprocess.STDOUT,
            timeout=600,
        )
    text = log.read_text(errors="replace")
    assert proc.returncode == 0, text[-6000:]
    assert "state=success" in text, text[-6000:]
    # The load task filled the warehouse from this sandbox...
    counts = harness.warehouse_counts(airflow_env, log.with_name("counts.log"))
    assert counts["activecampaign.contacts"] == before
    # ...and the reverse-sync task then wrote the shipped leads into the sandbox.
    emails = {str(c["email"]).lower() for c in pipeline_sandbox.resource("contacts")}
    assert "ada.lovelace@example.org" in emails
    assert len(emails) == before + 4
