"""Airflow DAG running the project's Meltano jobs, one task per job, in order.

Meltano owns configuration, state and plugin installs; Airflow only schedules and retries, so
each task is one `meltano run <job>` in the project folder. Settings (API URL, token, warehouse
path, ...) reach Meltano through the worker's environment, exactly as on a terminal.

Environment knobs, all optional:
  ACTIVECAMPAIGN_MELTANO_PROJECT   folder with meltano.yml (default: this repository)
  ACTIVECAMPAIGN_MELTANO_BIN       meltano executable (default: <project>/.venv-meltano/bin/meltano)
  ACTIVECAMPAIGN_DAG_SCHEDULE      cron or preset (default: @hourly)
  ACTIVECAMPAIGN_DAG_RETRIES       retries per task (default: 2)
  ACTIVECAMPAIGN_DAG_RETRY_DELAY_SECONDS  wait before a retry (default: 300)
"""

from __future__ import annotations

import os
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

try:  # Airflow 3
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.x keeps working
    from airflow import DAG
    from airflow.operators.bash import BashOperator

DAG_ID = "activecampaign_meltano"

# The Meltano jobs, in dependency order: the reverse syncs (contacts, then the audience models)
# read what the load just wrote. tests/pipeline checks this list against `meltano job list`.
JOBS: tuple[str, ...] = (
    "activecampaign-to-warehouse",
    "warehouse-to-activecampaign",
    "audiences-to-activecampaign",
)

PROJECT_ROOT = Path(
    os.environ.get("ACTIVECAMPAIGN_MELTANO_PROJECT") or Path(__file__).resolve().parents[3]
)
MELTANO_BIN = os.environ.get("ACTIVECAMPAIGN_MELTANO_BIN") or str(
    PROJECT_ROOT / ".venv-meltano" / "bin" / "meltano"
)


def task_id_for(job: str) -> str:
    """Airflow task ids cannot hold every character a Meltano job name may."""
    return job.replace("-", "_")


with DAG(
    dag_id=DAG_ID,
    description="ActiveCampaign -> DuckDB warehouse -> ActiveCampaign, via Meltano jobs",
    schedule=os.environ.get("ACTIVECAMPAIGN_DAG_SCHEDULE", "@hourly"),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,  # a missed hour is covered by the next incremental run, not replayed
    max_active_runs=1,  # two runs would fight over Meltano state and the DuckDB file lock
    max_active_tasks=1,
    default_args={
        "owner": "data",
        "retries": int(os.environ.get("ACTIVECAMPAIGN_DAG_RETRIES", "2")),
        "retry_delay": timedelta(
            seconds=int(os.environ.get("ACTIVECAMPAIGN_DAG_RETRY_DELAY_SECONDS", "300"))
        ),
        "retry_exponential_backoff": True,
        "execution_timeout": timedelta(hours=2),
    },
    tags=["activecampaign", "meltano"],
    doc_md=__doc__,
) as dag:
    previous = None
    for job in JOBS:
        task = BashOperator(
            task_id=task_id_for(job),
            bash_command=f"exec {shlex.quote(MELTANO_BIN)} run {shlex.quote(job)}",
            cwd=str(PROJECT_ROOT),
            append_env=True,
        )
        if previous is not None:
            previous >> task
        previous = task
