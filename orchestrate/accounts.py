"""Many ActiveCampaign accounts: the accounts file, each account's warehouse, its Meltano run.

The `activecampaign_accounts` Airflow DAG and the fan-out benchmark share this module, so a
benchmark measures what the DAG runs. It needs only the standard library and PyYAML (present in
.venv, .venv-airflow and .venv-meltano) and never imports Airflow.

The accounts file (ACTIVECAMPAIGN_ACCOUNTS_FILE, default orchestrate/accounts.yml) is a YAML
list with one entry per account; orchestrate/accounts.example.yml documents every field. Tokens
never live in it: `api_token_env` names the environment variable (or Airflow connection) that
holds the token. A bad file raises AccountsFileError naming the entry and the field, so the DAG
fails to parse with that message instead of running half the accounts.

Each account gets its own Meltano state (`--state-id-suffix <name>`), and its own warehouse:
a DuckDB file `<ACTIVECAMPAIGN_WAREHOUSE_DIR>/<name>.duckdb` (schema `activecampaign`) by
default, or schema `activecampaign_<name>` of the one PostgreSQL database named by
ACTIVECAMPAIGN_WAREHOUSE_URI (loaded by target-postgres).
"""

from __future__ import annotations

import fcntl
import fnmatch
import json
import re
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from orchestrate.runs import RunResult, run_meltano

DEFAULT_ACCOUNTS_FILE = Path("orchestrate") / "accounts.yml"
DEFAULT_WAREHOUSE_DIR = Path("output") / "accounts"
DUCKDB_SCHEMA = "activecampaign"
POSTGRES_SCHEMA_PREFIX = "activecampaign_"
EXTRACTOR = "tap-activecampaign"
REVERSE_SYNC_JOB = "warehouse-to-activecampaign"

NAME_RE = re.compile(r"^[a-z0-9_]+$")
# Environment variable names, and Airflow connection ids (which may also hold '-' and '.').
TOKEN_REF_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
SELECT_RE = re.compile(r"^[A-Za-z0-9_*?\[\]!-]+(\.[A-Za-z0-9_*?\[\]!-]+)?$")
# How often an account is due, at most once per DAG run. The boundary of each class is UTC.
SCHEDULE_CLASSES = ("every_run", "hourly", "daily", "weekly")
REQUIRED_FIELDS = ("name", "api_url", "api_token_env")
OPTIONAL_FIELDS = ("start_date", "streams", "schedule", "requests_per_second", "reverse_sync")
POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


PLUGIN_ERROR_RE = re.compile(r"\b(tap|target)-[\w-]+ \S*(Error|Exception): ")
ERROR_LINE_RE = re.compile(r"(Error|Exception|refused|failed)\b")


class AccountsFileError(ValueError):
    """The accounts file is unusable; the message names the file, the entry and the field."""


class WarehouseConfigError(ValueError):
    """ACTIVECAMPAIGN_WAREHOUSE_URI or _DIR is unusable (the message never holds a password)."""


@dataclass(frozen=True)
class Account:
    """One ActiveCampaign account as the accounts file describes it (no token, ever)."""

    name: str
    api_url: str
    api_token_env: str
    start_date: str | None = None
    streams: tuple[str, ...] = ()
    schedule: str = "every_run"
    requests_per_second: int | None = None
    reverse_sync: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, for Airflow's XCom and task mapping."""
        data = asdict(self)
        data["streams"] = list(self.streams)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Account:
        return cls(**{**data, "streams": tuple(data.get("streams") or ())})

    @property
    def select(self) -> list[str]:
        """Meltano select patterns for the streams override (`contacts` -> `contacts.*`)."""
        return [s if "." in s else f"{s}.*" for s in self.streams]


# -- the accounts file ----------------------------------------------------------------------


def accounts_file(environ: Mapping[str, str], project_root: Path) -> Path:
    """ACTIVECAMPAIGN_ACCOUNTS_FILE, relative paths taken from the project root."""
    path = Path(environ.get("ACTIVECAMPAIGN_ACCOUNTS_FILE") or DEFAULT_ACCOUNTS_FILE)
    return path if path.is_absolute() else project_root / path


def load_accounts(path: Path) -> list[Account]:
    """Read and check the accounts file; AccountsFileError on the first problem found."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AccountsFileError(f"{path}: cannot read the accounts file: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise AccountsFileError(f"{path}: not valid YAML: {exc}") from exc
    return parse_accounts(data, source=str(path))


def parse_accounts(data: Any, *, source: str = "accounts file") -> list[Account]:
    """Check the decoded YAML: a list of account mappings with unique names."""
    if data is None:
        return []
    if not isinstance(data, list):
        raise AccountsFileError(
            f"{source}: must be a YAML list of accounts (one '- name: ...' entry each), "
            f"got {type(data).__name__}"
        )
    accounts: list[Account] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(data, start=1):
        account = parse_entry(entry, f"{source}: entry {index}")
        if account.name in seen:
            raise AccountsFileError(
                f"{source}: entry {index} ({account.name!r}): field 'name': "
                f"already used by entry {seen[account.name]}"
            )
        seen[account.name] = index
        accounts.append(account)
    return accounts


def parse_entry(entry: Any, where: str) -> Account:
    """One entry; `where` ("<file>: entry 3") starts every error message."""
    if not isinstance(entry, dict):
        raise AccountsFileError(f"{where}: must be a mapping of fields, got {entry!r}")
    raw_name = entry.get("name")
    label = f"{where} ({raw_name!r})" if isinstance(raw_name, str) and raw_name else where

    def fail(name: str, problem: str) -> AccountsFileError:
        return AccountsFileError(f"{label}: field {name!r}: {problem}")

    if "api_token" in entry:
        raise fail(
            "api_token",
            "tokens never live in the accounts file: put the token in an environment "
            "variable (or Airflow connection) and give its name as api_token_env",
        )
    unknown = sorted(set(entry) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        allowed = ", ".join((*REQUIRED_FIELDS, *OPTIONAL_FIELDS))
        raise fail(str(unknown[0]), f"unknown field (fields: {allowed})")
    for name in REQUIRED_FIELDS:
        if entry.get(name) in (None, ""):
            raise fail(name, "required")
    name = _string(entry["name"], fail, "name")
    if not NAME_RE.match(name):
        raise fail("name", f"must be a slug of a-z, 0-9 and _ (got {name!r})")
    api_url = _string(entry["api_url"], fail, "api_url")
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise fail("api_url", f"must be the account's whole API URL, https://... (got {api_url!r})")
    token_ref = _string(entry["api_token_env"], fail, "api_token_env")
    if not TOKEN_REF_RE.match(token_ref):
        raise fail(
            "api_token_env",
            "must be the name of an environment variable or Airflow connection "
            "(letters, digits, _ . -), not the token itself",
        )
    schedule = entry.get("schedule") or "every_run"
    if schedule not in SCHEDULE_CLASSES:
        raise fail("schedule", f"must be one of {', '.join(SCHEDULE_CLASSES)} (got {schedule!r})")
    return Account(
        name=name,
        api_url=api_url.rstrip("/"),
        api_token_env=token_ref,
        start_date=_start_date(entry.get("start_date"), fail),
        streams=_streams(entry.get("streams"), fail),
        schedule=schedule,
        requests_per_second=_positive_int(entry.get("requests_per_second"), fail),
        reverse_sync=_boolean(entry.get("reverse_sync", False), fail, "reverse_sync"),
    )


Fail = Callable[[str, str], AccountsFileError]


def _string(value: Any, fail: Fail, name: str) -> str:
    if not isinstance(value, str):
        raise fail(name, f"must be a string (got {type(value).__name__})")
    return value.strip()


def _boolean(value: Any, fail: Fail, name: str) -> bool:
    if not isinstance(value, bool):
        raise fail(name, f"must be true or false (got {value!r})")
    return value


def _positive_int(value: Any, fail: Fail) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise fail("requests_per_second", f"must be a whole number >= 1 (got {value!r})")
    return value


def _start_date(value: Any, fail: Fail) -> str | None:
    """ISO 8601 in UTC; YAML hands a bare 2024-01-01 over as a date."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise fail(
                "start_date", f"must be an ISO date, e.g. 2024-01-01 (got {value!r})"
            ) from None
    else:
        raise fail("start_date", f"must be an ISO date, e.g. 2024-01-01 (got {value!r})")
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _streams(value: Any, fail: Fail) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        raise fail("streams", "must be a non-empty list of stream names (or select patterns)")
    for item in value:
        if not isinstance(item, str) or not SELECT_RE.match(item):
            raise fail("streams", f"{item!r} is not a stream name or 'stream.property' pattern")
    return tuple(value)


# -- when an account is due -----------------------------------------------------------------


def is_due(schedule: str, start: datetime | None, end: datetime | None) -> bool:
    """Whether a run covering (start, end] includes the start of the class's period.

    A manual run (no interval, or an empty one) runs every account. A class never runs more
    often than the DAG itself: `daily` under an @hourly DAG is the run whose interval crosses
    midnight UTC.
    """
    if schedule == "every_run" or start is None or end is None or start >= end:
        return True
    return _period_start(schedule, end.astimezone(UTC)) > start.astimezone(UTC)


def _period_start(schedule: str, moment: datetime) -> datetime:
    hour = moment.replace(minute=0, second=0, microsecond=0)
    if schedule == "hourly":
        return hour
    day = hour.replace(hour=0)
    if schedule == "daily":
        return day
    return day - timedelta(days=day.weekday())  # weekly: Monday 00:00 UTC


# -- the warehouse ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Warehouse:
    """Where every account loads: one DuckDB file each, or one PostgreSQL database."""

    directory: Path
    uri: str | None = None

    @property
    def kind(self) -> str:
        return "postgres" if self.uri else "duckdb"

    @property
    def loader(self) -> str:
        """The Meltano loader plugin."""
        return "target-postgres" if self.uri else "target-duckdb"

    def duckdb_path(self, account: Account) -> Path:
        return self.directory / f"{account.name}.duckdb"

    def schema(self, account: Account) -> str:
        return f"{POSTGRES_SCHEMA_PREFIX}{account.name}" if self.uri else DUCKDB_SCHEMA

    def describe(self, account: Account) -> str:
        """Where this account lands, fit for a log line (no password)."""
        if self.uri:
            return f"PostgreSQL {redact_uri(self.uri)}, schema {self.schema(account)}"
        return f"DuckDB {self.duckdb_path(account)}, schema {DUCKDB_SCHEMA}"

    def env(self, account: Account) -> dict[str, str]:
        """The loader's settings for this account, as Meltano environment variables."""
        if self.uri:
            return {
                "TARGET_POSTGRES_SQLALCHEMY_URL": sqlalchemy_url(self.uri),
                "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": self.schema(account),
            }
        path = str(self.duckdb_path(account))
        return {
            "TARGET_DUCKDB_FILEPATH": path,
            "TARGET_DUCKDB_DEFAULT_TARGET_SCHEMA": DUCKDB_SCHEMA,
            "WAREHOUSE_FILEPATH": path,  # the `warehouse` utility (counts, reverse-sync export)
        }


def warehouse_from_env(environ: Mapping[str, str], project_root: Path) -> Warehouse:
    """ACTIVECAMPAIGN_WAREHOUSE_URI (PostgreSQL) if set, else DuckDB files in _DIR."""
    directory = Path(environ.get("ACTIVECAMPAIGN_WAREHOUSE_DIR") or DEFAULT_WAREHOUSE_DIR)
    directory = directory if directory.is_absolute() else project_root / directory
    uri = (environ.get("ACTIVECAMPAIGN_WAREHOUSE_URI") or "").strip() or None
    if uri is not None:
        parts = urlsplit(uri)
        if parts.scheme not in POSTGRES_SCHEMES or not parts.hostname or not parts.path.strip("/"):
            raise WarehouseConfigError(
                "ACTIVECAMPAIGN_WAREHOUSE_URI must be postgresql://user:password@host:port/"
                f"database (got {redact_uri(uri)!r}); unset it for DuckDB files"
            )
    return Warehouse(directory=directory, uri=uri)


def sqlalchemy_url(uri: str) -> str:
    """postgresql://... with the psycopg 3 driver that target-postgres ships."""
    scheme, rest = uri.split("://", 1)
    return f"postgresql+psycopg://{rest}" if scheme in POSTGRES_SCHEMES else uri


def redact_uri(uri: str) -> str:
    """The URI with its password replaced by ***."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = parts.netloc.rsplit("@", 1)[-1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


# -- one account's Meltano runs --------------------------------------------------------------


def account_env(
    account: Account,
    token: str,
    warehouse: Warehouse,
    base: Mapping[str, str],
    *,
    stream_maps: Mapping[str, Any] | None = None,
    work_dir: Path | None = None,
) -> dict[str, str]:
    """The worker's environment with this account's values on top.

    Everything a terminal user sets (<PLUGIN>_<SETTING>, MELTANO_*) passes through; the
    account's API URL, token, overrides and warehouse replace any single-account values.
    `stream_maps` are the project's (meltano.yml); see maps_for_left_out.
    `work_dir` holds the account's reverse-sync batch and rejects (default: beside its
    warehouse).
    """
    env = worker_env(base)
    env.update(
        {
            "TAP_ACTIVECAMPAIGN_API_URL": account.api_url,
            "TAP_ACTIVECAMPAIGN_API_TOKEN": token,
            "TARGET_ACTIVECAMPAIGN_API_URL": account.api_url,
            "TARGET_ACTIVECAMPAIGN_API_TOKEN": token,
        }
    )
    if account.start_date:
        env["TAP_ACTIVECAMPAIGN_START_DATE"] = account.start_date
    if account.requests_per_second:
        for plugin in ("TAP", "TARGET"):
            env[f"{plugin}_ACTIVECAMPAIGN_REQUESTS_PER_SECOND"] = str(account.requests_per_second)
    if account.streams:
        env["TAP_ACTIVECAMPAIGN__SELECT"] = json.dumps(account.select)
        left_out = maps_for_left_out(stream_maps or {}, account.select)
        if left_out:
            env["TAP_ACTIVECAMPAIGN_STREAM_MAPS"] = json.dumps(left_out)
    env.update(warehouse.env(account))
    work = work_dir or warehouse.directory / account.name
    env.update(
        {
            "WAREHOUSE_EXPORT_DIR": str(work / "reverse_sync"),
            "TAP_WAREHOUSE_CONTACTS_PATH": str(work / "reverse_sync" / "contacts.jsonl"),
            "TARGET_ACTIVECAMPAIGN_REJECTS_FILE": str(work / "rejects.jsonl"),
        }
    )
    return env


def project_stream_maps(project_root: Path) -> dict[str, Any]:
    """tap-activecampaign's `stream_maps` as meltano.yml configures them."""
    data = yaml.safe_load((project_root / "meltano.yml").read_text(encoding="utf-8")) or {}
    for plugin in (data.get("plugins") or {}).get("extractors") or []:
        if plugin.get("name") == EXTRACTOR:
            return dict((plugin.get("config") or {}).get("stream_maps") or {})
    return {}


def maps_for_left_out(stream_maps: Mapping[str, Any], select: Iterable[str]) -> dict[str, Any]:
    """Overrides that let the project's stream maps stand over streams the selection leaves out.

    The SDK checks a map's key properties against the *selected* schema, so a map over a
    stream with nothing selected fails the run; Meltano deep-merges object settings, so the map
    cannot be removed from the environment either. Declaring no key properties for those maps
    passes the check; the streams are still not read.
    """
    streams = [pattern.split(".", 1)[0] for pattern in select]
    return {
        name: {"__key_properties__": []}
        for name, value in stream_maps.items()
        if isinstance(value, dict)
        and not any(fnmatch.fnmatchcase(name, stream) for stream in streams)
    }


def default_environment(project_root: Path, environ: Mapping[str, str]) -> str:
    """The Meltano environment a run uses: MELTANO_ENVIRONMENT, else meltano.yml's default."""
    if environ.get("MELTANO_ENVIRONMENT"):
        return environ["MELTANO_ENVIRONMENT"]
    data = yaml.safe_load((project_root / "meltano.yml").read_text(encoding="utf-8")) or {}
    return str(data.get("default_environment") or "prod")


def state_id(account: Account, warehouse: Warehouse, environment: str) -> str:
    """The account's state id: what `meltano run --state-id-suffix <name>` would use too."""
    return f"{environment}:{EXTRACTOR}-to-{warehouse.loader}:{account.name}"


def run_report(
    planned: Iterable[Account], loaded: Iterable[Any], synced: Iterable[Any], warehouse: Warehouse
) -> tuple[list[str], str | None]:
    """The report task's lines, and the error it must raise (None when every account finished).

    `loaded` / `synced` are the extract_load / reverse_sync results (None for a task that
    failed). A failed reverse sync counts too: without it the run would end green, since
    only the report is a leaf task.
    """
    accounts = list(planned)
    done = {r["account"]: r for r in loaded if isinstance(r, dict)}
    synced_names = {r["account"] for r in synced if isinstance(r, dict)}
    lines = [
        f"account {a.name!r}: loaded {done[a.name]['records']} records"
        for a in accounts
        if a.name in done
    ]
    failed_loads = [a.name for a in accounts if a.name not in done]
    failed_syncs = [
        a.name
        for a in accounts
        if a.reverse_sync
        and warehouse.kind == "duckdb"
        and a.name in done
        and a.name not in synced_names
    ]
    problems = []
    if failed_loads:
        problems.append(
            f"{len(failed_loads)} of {len(accounts)} accounts failed to load: "
            f"{', '.join(failed_loads)} (their extract_load logs say why)"
        )
    if failed_syncs:
        problems.append(
            f"the reverse sync failed for {', '.join(failed_syncs)} (see their reverse_sync logs)"
        )
    if problems:
        return lines, "; ".join(problems) + "; the other accounts finished"
    return [*lines, f"all {len(accounts)} accounts loaded"], None


def worker_env(base: Mapping[str, str]) -> dict[str, str]:
    """The worker's environment, minus what would leak its venv into Meltano's plugin venvs."""
    env = dict(base)
    for var in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
        env.pop(var, None)
    return env


def prepare_args() -> list[str]:
    """One cheap meltano command to run before the fan-out: it creates or migrates Meltano's
    system database, which N runs starting together on a fresh one would race to do (and all
    but one fail: "table alembic_version already exists")."""
    return ["state", "list", "--pattern", "__none__"]


def load_args(account: Account, warehouse: Warehouse, environment: str, run_id: str) -> list[str]:
    """`meltano el` arguments for extract+load under the account's own state id.

    `meltano el`, not `meltano run`: `run` writes every invocation's config and catalog to
    one folder per plugin (.meltano/run/<plugin>/), so two accounts loading at once in one
    project would overwrite each other's; `el` gives each run its own folder, named by
    `run_id` (see run_load, which removes it afterwards).
    """
    return [
        "el",
        "--state-id",
        state_id(account, warehouse, environment),
        "--run-id",
        run_id,
        EXTRACTOR,
        warehouse.loader,
    ]


def run_dirs(project_root: Path, environ: Mapping[str, str], run_id: str) -> list[Path]:
    """The folders `meltano el --run-id <run_id>` left under .meltano/run/elt/."""
    sys_root = Path(environ.get("MELTANO_SYS_DIR_ROOT") or project_root / ".meltano")
    return sorted((sys_root / "run" / "elt").glob(f"*/{run_id}"))


def run_load(
    meltano: str,
    account: Account,
    warehouse: Warehouse,
    env: Mapping[str, str],
    project_root: Path,
    *,
    on_line: Callable[[str], None] | None = None,
) -> RunResult:
    """Extract+load one account (what the DAG's extract_load task runs), then remove the run's
    folder: Meltano keeps each `el` run's catalog (~400 KB), which hourly runs of many
    accounts would pile up (the config files holding the token are deleted by Meltano)."""
    run_id = str(uuid.uuid4())
    environment = default_environment(project_root, env)
    try:
        args = load_args(account, warehouse, environment, run_id)
        return run_meltano(meltano, args, env, project_root, on_line=on_line)
    finally:
        for folder in run_dirs(project_root, env, run_id):
            shutil.rmtree(folder, ignore_errors=True)


def reverse_sync_args(account: Account) -> list[str]:
    """`meltano run` arguments for the account's reverse sync (the project's job).

    A job needs `meltano run`, hence run_lock around it: one at a time per project folder.
    """
    return ["run", "--state-id-suffix", account.name, REVERSE_SYNC_JOB]


@contextmanager
def run_lock(project_root: Path, name: str) -> Iterator[None]:
    """An exclusive lock file under .meltano/, held while one `meltano run` uses the
    per-plugin run folders (other workers' projects are other folders: no contention)."""
    path = project_root / ".meltano" / f".{name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def failure_reason(tail: Iterable[str]) -> str:
    """The most telling line of a failed run's output, for the task's error message: the
    plugin's own last exception line, else Meltano's fullest error line."""
    lines = [line.strip() for line in tail if line.strip()]
    plugin = [line for line in lines if PLUGIN_ERROR_RE.search(line)]
    if plugin:
        return plugin[-1].split("] ", 1)[-1][-400:]
    errors = [line for line in lines if ERROR_LINE_RE.search(line)]
    if errors:
        return max(errors, key=len)[-400:]
    return lines[-1][-400:] if lines else "no output"


def resolve_token(account: Account, environ: Mapping[str, str]) -> str | None:
    """The token from the environment variable the account names, or None."""
    value = environ.get(account.api_token_env)
    return value if value else None


def ensure_dirs(account: Account, warehouse: Warehouse) -> None:
    """Create the account's folders (DuckDB file, reverse-sync batch, rejects)."""
    (warehouse.directory / account.name).mkdir(parents=True, exist_ok=True)


def env_flag(environ: Mapping[str, str], name: str, default: int) -> int:
    """A whole-number knob from the environment, with its name in the error."""
    value = environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number (got {value!r})") from None
