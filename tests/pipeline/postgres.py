"""A throwaway PostgreSQL cluster for tests: initdb + pg_ctl on a free loopback port.

How to use it (pytest): take the session fixture `postgres` from tests/pipeline/conftest.py,
which starts one cluster per test session (skipped, with the reason, when the server binaries
are missing) and stops it at the end::

    def test_loads(postgres: PostgresCluster) -> None:
        uri = postgres.create_database("my_test")  # postgresql://warehouse:<pw>@127.0.0.1:<port>/...
        env["ACTIVECAMPAIGN_WAREHOUSE_URI"] = uri
        # or, for `meltano run tap-activecampaign target-postgres` on its own:
        env["TARGET_POSTGRES_SQLALCHEMY_URL"] = postgres.sqlalchemy_url("my_test")
        ...
        rows = postgres.query("SELECT count(*) FROM activecampaign_a.contacts", database="my_test")
        assert rows == [("150",)]

Give each test (or module) its own database with `create_database`; they are cheap. Outside
pytest: `with PostgresCluster() as pg: ...`. Values come back from `query` as text (psql's CSV
output), NULL as None.

The server runs as an unprivileged user when we are root (PostgreSQL refuses to run as root):
the `postgres` account if the machine has one, else `nobody`. Its data directory is a fresh temp
dir that user owns; it listens on 127.0.0.1 only, with a password (scram) for TCP clients, so a
test can check the password never reaches a log. fsync is off: the data is thrown away.
Binaries: $PG_BIN, else the newest /usr/lib/postgresql/<version>/bin, else `pg_ctl` on PATH.
Stdlib only (psql is the client), so it runs in any of the project's virtualenvs.
"""

from __future__ import annotations

import csv
import io
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

SUPERUSER = "warehouse"
SERVER_USERS = ("postgres", "nobody")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries (initdb, pg_ctl, postgres, psql) are not installed."""


def find_bindir(
    environ: dict[str, str] | None = None, roots: tuple[Path, ...] = (Path("/usr/lib/postgresql"),)
) -> Path:
    """The folder holding initdb and pg_ctl, or PostgresUnavailable saying where we looked."""
    environ = dict(os.environ) if environ is None else environ
    candidates: list[Path] = []
    if environ.get("PG_BIN"):
        candidates.append(Path(environ["PG_BIN"]))

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", path.parent.name))

    for root in roots:
        candidates += sorted(root.glob("*/bin"), key=version, reverse=True)
    on_path = shutil.which("pg_ctl", path=environ.get("PATH", ""))
    if on_path:
        candidates.append(Path(on_path).parent)
    for bindir in candidates:
        if all((bindir / exe).exists() for exe in ("initdb", "pg_ctl", "postgres", "psql")):
            return bindir
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres, psql) not found in $PG_BIN, "
        f"{', '.join(f'{r}/*/bin' for r in roots)} or PATH; install them (Debian: postgresql) "
        "to run these tests"
    )


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_account() -> pwd.struct_passwd | None:
    """Who runs the server: None (ourselves) unless we are root, who may not."""
    if os.geteuid() != 0:
        return None
    for name in SERVER_USERS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable(
        f"running as root and none of {SERVER_USERS} exists to run the server"
    )


class PostgresCluster:
    """One disposable cluster: `start()`, `create_database()`, `query()`, `stop()`."""

    def __init__(self, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.account = server_account()
        self.password = secrets.token_urlsafe(18)
        self.host = "127.0.0.1"
        self.port = 0
        self.root: Path | None = None

    # -- addresses ------------------------------------------------------------------------

    def uri(self, database: str = "postgres") -> str:
        """libpq URI, as a user gives ACTIVECAMPAIGN_WAREHOUSE_URI (holds the password)."""
        return (
            f"postgresql://{SUPERUSER}:{quote(self.password, safe='')}"
            f"@{self.host}:{self.port}/{database}"
        )

    def sqlalchemy_url(self, database: str = "postgres") -> str:
        """The same with the psycopg (3) driver, as target-postgres' sqlalchemy_url takes it."""
        return self.uri(database).replace("postgresql://", "postgresql+psycopg://", 1)

    # -- life cycle -----------------------------------------------------------------------

    def start(self, attempts: int = 3) -> PostgresCluster:
        """initdb into a fresh temp dir, then pg_ctl start on a free port (retried on a race)."""
        self.root = Path(tempfile.mkdtemp(prefix="pg-cluster-"))
        data = self.root / "data"
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n", encoding="utf-8")
        self._own(self.root, pwfile)
        self._server(
            "initdb",
            "--pgdata",
            str(data),
            "--username",
            SUPERUSER,
            "--pwfile",
            str(pwfile),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        pwfile.unlink()
        last = ""
        for _ in range(attempts):
            self.port = free_port()
            options = (
                f"-p {self.port} -k {self.root} -c listen_addresses={self.host} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=100"
            )
            result = self._server(
                "pg_ctl",
                "--pgdata",
                str(data),
                "--log",
                str(self.root / "server.log"),
                "--options",
                options,
                "--wait",
                "--timeout=60",
                "start",
                check=False,
            )
            if result.returncode == 0:
                return self
            last = result.stdout + self.log_tail()
        self.stop()
        raise RuntimeError(f"PostgreSQL did not start after {attempts} attempts:\n{last}")

    def stop(self) -> None:
        """pg_ctl stop (fast), then remove the data directory."""
        root, self.root = self.root, None
        if root is None:
            return
        if (root / "data" / "postmaster.pid").exists():
            self._server(
                "pg_ctl", "--pgdata", str(root / "data"), "--mode=fast", "--wait", "stop",
                check=False,
            )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def log_tail(self, lines: int = 30) -> str:
        """The end of the server's log (why it did not start, what a query broke)."""
        log = self.root / "server.log" if self.root else None
        if log is None or not log.exists():
            return ""
        return "".join(log.read_text(errors="replace").splitlines(True)[-lines:])

    # -- client ---------------------------------------------------------------------------

    def create_database(self, name: str) -> str:
        """CREATE DATABASE name; returns its URI. Names are plain identifiers."""
        if not IDENTIFIER.match(name):
            raise ValueError(f"database name {name!r} must match {IDENTIFIER.pattern}")
        self.query(f"CREATE DATABASE {name}")
        return self.uri(name)

    def query(self, sql: str, database: str = "postgres") -> list[tuple[str | None, ...]]:
        """Run SQL with psql over TCP; the rows it returns, as tuples of text."""
        result = subprocess.run(
            [
                str(self.bindir / "psql"),
                "--no-psqlrc",
                "--csv",
                "--tuples-only",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--host",
                self.host,
                "--port",
                str(self.port),
                "--username",
                SUPERUSER,
                "--dbname",
                database,
                "--command",
                sql,
            ],
            env={**os.environ, "PGPASSWORD": self.password, "PGCONNECT_TIMEOUT": "10"},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed ({result.returncode}) on {sql!r}: {result.stderr}")
        return [
            tuple(None if value == "" else value for value in row)
            for row in csv.reader(io.StringIO(result.stdout))
            if row
        ]

    # -- internals ------------------------------------------------------------------------

    def _own(self, *paths: Path) -> None:
        if self.account is not None:
            for path in paths:
                os.chown(path, self.account.pw_uid, self.account.pw_gid)

    def _server(self, exe: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a server binary as the server's account, in a folder it may read."""
        account = self.account
        env = {
            "PATH": f"{self.bindir}:/usr/bin:/bin",
            "LANG": "C",
            "LC_ALL": "C",
            "HOME": str(self.root),
        }
        result = subprocess.run(
            [str(self.bindir / exe), *args],
            cwd=self.root,
            env=env,
            user=account.pw_uid if account else None,
            group=account.pw_gid if account else None,
            extra_groups=[] if account else None,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{exe} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result
