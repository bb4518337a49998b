"""Fixtures for the pipeline tests: Meltano's venv, a sandbox served by the real CLI, PostgreSQL.

The pipeline runs in other processes (Meltano, its plugin venvs, Airflow), so the sandbox is
the `activecampaign-sandbox serve` process a user would start, not an in-process server.
`postgres` is a real throwaway PostgreSQL cluster (tests/pipeline/postgres.py says how to use it).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orchestrate import harness  # noqa: E402
from tests.pipeline.postgres import PostgresCluster, PostgresUnavailable  # noqa: E402

# Small enough for `make test`, big enough for several pages per paged stream.
PIPELINE_CONTACTS = 150
# No server-side rate limit and a quick client pace: the tap's rate limiting has its own tests.
PIPELINE_RPS = 25


@pytest.fixture(scope="session")
def meltano_ready() -> Path:
    """Create or reuse .venv-meltano and the plugin venvs (seconds when cached)."""
    harness.bootstrap("meltano")
    return harness.MELTANO


@pytest.fixture(scope="module")
def pipeline_sandbox(meltano_ready: Path) -> Iterator[harness.Sandbox]:
    """One sandbox process per test module, stopped at the end."""
    with harness.sandbox(
        contacts=PIPELINE_CONTACTS, seed=7, token="pipeline-token-d0-not-log"
    ) as sb:
        yield sb


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL cluster for the session; give each test its own database
    (`postgres.create_database(name)` returns its URI). Skipped, saying why, when the server
    binaries are not installed."""
    try:
        cluster = PostgresCluster()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    with cluster:
        yield cluster
