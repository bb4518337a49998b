"""Warehouse helper run by Meltano's `warehouse` utility (its venv has the pinned duckdb).

Commands:
  summary           tables with live row counts and a sample mart query, for people (the demo)
  counts            {"schema.table": live rows} as JSON on stdout, for tests
  export-contacts   write the contacts to push back to ActiveCampaign as one JSONL batch
  export-audiences  write every audience model (schema `audiences`, built by dbt) as JSONL
  query SQL         run one read-only query, rows as JSON objects on stdout (for tests)

The warehouse is the loader's file: TARGET_DUCKDB_FILEPATH (target-duckdb's `filepath`), so
one setting moves the loader, dbt and this utility together; WAREHOUSE_FILEPATH, when set,
overrides it for this utility alone. The export folder and the rest come from the environment
Meltano sets from meltano.yml (WAREHOUSE_EXPORT_DIR, WAREHOUSE_EXPORT_LIMIT,
WAREHOUSE_LEADS_FILE). Rows whose `_sdc_deleted_at` is set (records the source deleted) are
never counted as live nor exported. Only stdlib and duckdb: this file runs outside .venv.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WAREHOUSE = PROJECT_ROOT / "output" / "warehouse.duckdb"
DEFAULT_EXPORT_DIR = PROJECT_ROOT / "output" / "reverse_sync"
SCHEMA = "activecampaign"
AUDIENCE_SCHEMA = "audiences"
DELETED_AT = "_sdc_deleted_at"
# The one column tap-warehouse-audiences' stream maps split the batch on (then drop).
AUDIENCE_COLUMN = "audience"
SYNC_TAG = "warehouse-sync"
# One batch file, rewritten each run; tap-warehouse-contacts reads it (meltano.yml `path`).
BATCH_NAME = "contacts.jsonl"


def warehouse_path() -> Path:
    """Where the loader writes: its own setting, so moving the loader moves us too."""
    return Path(
        os.environ.get("WAREHOUSE_FILEPATH")
        or os.environ.get("TARGET_DUCKDB_FILEPATH")
        or DEFAULT_WAREHOUSE
    )


def export_dir() -> Path:
    """Folder tap-warehouse-contacts globs for the reverse-sync batch."""
    return Path(os.environ.get("WAREHOUSE_EXPORT_DIR") or DEFAULT_EXPORT_DIR)


def leads_file() -> Path | None:
    """New contacts to add to each batch; set only in the dev environment (demo leads)."""
    value = os.environ.get("WAREHOUSE_LEADS_FILE")
    return Path(value) if value else None


def connect(read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; fail with a plain message when no load has run yet."""
    path = warehouse_path()
    if not path.exists():
        sys.exit(
            f"warehouse {path} does not exist yet: run `meltano run activecampaign-to-warehouse`"
        )
    return duckdb.connect(str(path), read_only=read_only)


def list_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """User tables as (schema, table), sorted, system schemas excluded."""
    rows = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' "
        "AND table_schema NOT IN ('information_schema', 'pg_catalog') "
        "ORDER BY 1, 2"
    ).fetchall()
    return [(str(s), str(t)) for s, t in rows]


def quote(name: str) -> str:
    """Quote an identifier for DuckDB."""
    return '"' + name.replace('"', '""') + '"'


def live_filter(con: duckdb.DuckDBPyConnection, table: str, schema: str, alias: str = "") -> str:
    """SQL condition keeping live rows: `_sdc_deleted_at` null where the table has it."""
    if DELETED_AT not in columns(con, table, schema):
        return "TRUE"
    return f"{alias + '.' if alias else ''}{quote(DELETED_AT)} IS NULL"


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Live row count per table keyed by schema.table (deleted records not counted)."""
    counts: dict[str, int] = {}
    for schema, table in list_tables(con):
        row = con.execute(
            f"SELECT count(*) FROM {quote(schema)}.{quote(table)} "
            f"WHERE {live_filter(con, table, schema)}"
        ).fetchone()
        counts[f"{schema}.{table}"] = int(row[0]) if row else 0
    return counts


def columns(con: duckdb.DuckDBPyConnection, table: str, schema: str = SCHEMA) -> list[str]:
    """Column names of one table, empty when it does not exist."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()
    return [str(r[0]) for r in rows]


def first_present(cols: Sequence[str], *candidates: str) -> str | None:
    """Pick the first candidate column that exists (tap column names are snake_case)."""
    lowered = {c.lower(): c for c in cols}
    for cand in candidates:
        if cand.lower() in lowered:
            return lowered[cand.lower()]
    return None


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Plain fixed-width table; the demo output should read well in a terminal log."""
    data = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in data:
        for i, v in enumerate(row):
            widths[i] = min(max(widths[i], len(v)), 48)
    line = "  ".join(h.ljust(widths[i]) for i, h in enumerate(headers))
    print(line)
    print("  ".join("-" * w for w in widths))
    for row in data:
        print("  ".join(v[: widths[i]].ljust(widths[i]) for i, v in enumerate(row)))


MART_SCHEMA = "analytics"
MART_QUERY = (
    "-- the deals mart (dbt): deals, contacts and value per pipeline and status\n"
    "SELECT pipeline_name, status, count(*) AS deals,\n"
    "       count(DISTINCT contact_id) AS contacts, sum(value) AS total_value\n"
    f"FROM {MART_SCHEMA}.deals\n"
    "GROUP BY 1, 2 ORDER BY 1, 2"
)


def sample_query(
    con: duckdb.DuckDBPyConnection,
) -> tuple[str, list[str], list[tuple[Any, ...]]] | None:
    """A query a person would ask first: the deals mart when dbt has built it, else deals by
    status joined to contacts in the raw tables, else the newest contacts."""
    if columns(con, "deals", MART_SCHEMA):
        cur = con.execute(MART_QUERY)
        return MART_QUERY, [d[0] for d in cur.description], cur.fetchall()
    contact_cols = columns(con, "contacts")
    deal_cols = columns(con, "deals")
    if contact_cols and deal_cols:
        d_contact = first_present(deal_cols, "contact", "contact_id")
        d_status = first_present(deal_cols, "status")
        d_value = first_present(deal_cols, "value")
        c_id = first_present(contact_cols, "id")
        if d_contact and d_status and c_id:
            value_expr = (
                f"sum(TRY_CAST(d.{quote(d_value)} AS BIGINT)) / 100.0" if d_value else "NULL"
            )
            st = f"CAST(d.{quote(d_status)} AS VARCHAR)"
            sql = (
                "-- deals and their contacts by deal status (0 open, 1 won, 2 lost)\n"
                f"SELECT CASE {st} WHEN '0' THEN 'open' WHEN '1' THEN 'won'\n"
                f"         WHEN '2' THEN 'lost' ELSE {st} END AS deal_status,\n"
                f"       count(DISTINCT c.{quote(c_id)}) AS contacts, count(*) AS deals,\n"
                f"       {value_expr} AS total_value\n"
                f"FROM {SCHEMA}.deals d\n"
                f"JOIN {SCHEMA}.contacts c\n"
                f"  ON CAST(c.{quote(c_id)} AS VARCHAR) = CAST(d.{quote(d_contact)} AS VARCHAR)\n"
                f"WHERE {live_filter(con, 'deals', SCHEMA, 'd')}"
                f" AND {live_filter(con, 'contacts', SCHEMA, 'c')}\n"
                "GROUP BY 1 ORDER BY 1"
            )
            cur = con.execute(sql)
            return sql, [d[0] for d in cur.description], cur.fetchall()
    if contact_cols:
        wanted = [
            c
            for c in (
                first_present(contact_cols, "id"),
                first_present(contact_cols, "email"),
                first_present(contact_cols, "first_name", "firstname"),
                first_present(contact_cols, "last_name", "lastname"),
                first_present(contact_cols, "updated_timestamp", "udate"),
            )
            if c
        ]
        order = first_present(contact_cols, "updated_timestamp", "udate", "id") or wanted[0]
        sql = (
            f"SELECT {', '.join(quote(c) for c in wanted)}\nFROM {SCHEMA}.contacts\n"
            f"WHERE {live_filter(con, 'contacts', SCHEMA)}\n"
            f"ORDER BY {quote(order)} DESC LIMIT 5"
        )
        cur = con.execute(sql)
        return sql, [d[0] for d in cur.description], cur.fetchall()
    return None


def cmd_summary(_: argparse.Namespace) -> int:
    """Human summary for the demo."""
    with connect() as con:
        counts = table_counts(con)
        print(f"warehouse: {warehouse_path()}")
        print_table(["table", "rows"], sorted(counts.items()))
        print(f"total rows: {sum(counts.values())}")
        sample = sample_query(con)
        if sample:
            sql, headers, rows = sample
            print("\nsample query:\n" + sql + "\n")
            print_table(headers, rows)
    return 0


def cmd_counts(_: argparse.Namespace) -> int:
    """Machine-readable counts, one JSON object on stdout."""
    with connect() as con:
        print(json.dumps(table_counts(con), sort_keys=True))
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    """One read-only query, printed as a JSON array of objects."""
    with connect() as con:
        cur = con.execute(args.sql)
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    print(json.dumps(rows, default=str, sort_keys=True))
    return 0


def contacts_to_update(con: duckdb.DuckDBPyConnection, limit: int) -> list[dict[str, Any]]:
    """Warehouse contacts tagged for the round trip: the classic reverse-ETL segment push.

    Picks contacts that have at least one deal when deals were loaded (a warehouse-only join
    the CRM cannot do by itself), else the lowest ids; each gets the sync tag.
    """
    cols = columns(con, "contacts")
    if not cols:
        return []
    c_id = first_present(cols, "id")
    c_email = first_present(cols, "email")
    if not c_id or not c_email:
        return []
    c_first = first_present(cols, "first_name", "firstname")
    c_last = first_present(cols, "last_name", "lastname")
    c_phone = first_present(cols, "phone")
    select = [f"c.{quote(c_id)} AS contact_id", f"c.{quote(c_email)} AS email"]
    select += [
        f"c.{quote(c)} AS {k}"
        for k, c in (("first_name", c_first), ("last_name", c_last), ("phone", c_phone))
        if c
    ]
    deal_cols = columns(con, "deals")
    d_contact = first_present(deal_cols, "contact", "contact_id") if deal_cols else None
    live = live_filter(con, "contacts", SCHEMA, "c")
    if d_contact:
        # Contacts with deals: a join the CRM cannot segment on by itself.
        sql = (
            f"SELECT {', '.join(select)}, dc.deals FROM {SCHEMA}.contacts c "
            f"JOIN (SELECT CAST({quote(d_contact)} AS VARCHAR) AS cid, count(*) AS deals "
            f"FROM {SCHEMA}.deals WHERE {live_filter(con, 'deals', SCHEMA)} GROUP BY 1) dc "
            f"ON CAST(c.{quote(c_id)} AS VARCHAR) = dc.cid "
            f"WHERE {live} AND c.{quote(c_email)} IS NOT NULL AND c.{quote(c_email)} <> '' "
            f"ORDER BY TRY_CAST(c.{quote(c_id)} AS BIGINT) LIMIT ?"
        )
    else:
        sql = (
            f"SELECT {', '.join(select)}, 0 AS deals FROM {SCHEMA}.contacts c "
            f"WHERE {live} AND c.{quote(c_email)} IS NOT NULL AND c.{quote(c_email)} <> '' "
            f"ORDER BY TRY_CAST(c.{quote(c_id)} AS BIGINT) LIMIT ?"
        )
    cur = con.execute(sql, [limit])
    names = [d[0] for d in cur.description]
    out: list[dict[str, Any]] = []
    for row in cur.fetchall():
        rec = dict(zip(names, row, strict=True))
        deals = int(rec.pop("deals") or 0)
        rec.pop("contact_id", None)
        rec = {k: v for k, v in rec.items() if v not in (None, "")}
        rec["tags"] = [SYNC_TAG, "has-deal"] if deals else [SYNC_TAG]
        out.append(rec)
    return out


def write_batch(target: Path, records: Iterable[dict[str, Any]]) -> int:
    """Replace one JSONL batch atomically; returns how many records it holds.

    tap-jsonl re-reads a file only when its whole-second mtime passed its bookmark, so each
    batch's mtime is made at least a second newer than the one it replaces.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    previous = target.stat().st_mtime if target.exists() else 0.0
    tmp = target.with_suffix(".tmp")
    written = 0
    with tmp.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, sort_keys=True, default=str) + "\n")
            written += 1
    stamp = max(time.time(), int(previous) + 1.0)
    os.utime(tmp, (stamp, stamp))
    tmp.replace(target)
    return written


def deleted_emails(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Emails of contacts the source deleted (`_sdc_deleted_at` set) and no live contact has:
    the reverse sync must never send such a contact back."""
    cols = columns(con, "contacts")
    c_email = first_present(cols, "email")
    if not c_email or DELETED_AT not in cols:
        return set()
    email = f"lower(trim({quote(c_email)}))"
    rows = con.execute(
        f"SELECT {email} FROM {SCHEMA}.contacts WHERE {quote(DELETED_AT)} IS NOT NULL "
        f"EXCEPT SELECT {email} FROM {SCHEMA}.contacts WHERE {quote(DELETED_AT)} IS NULL"
    ).fetchall()
    return {str(r[0]) for r in rows if r[0]}


def audience_records(
    con: duckdb.DuckDBPyConnection, model: str, deleted: set[str]
) -> tuple[list[dict[str, Any]], int]:
    """One audience model's rows as contact records tagged with their audience, and how many
    rows were dropped (no email, or a deleted contact)."""
    cur = con.execute(f"SELECT * FROM {quote(AUDIENCE_SCHEMA)}.{quote(model)}")
    names = [d[0] for d in cur.description]
    if "email" not in names:
        sys.exit(f"audience model {model} has no `email` column: every audience needs one")
    out: list[dict[str, Any]] = []
    dropped = 0
    for row in cur.fetchall():
        rec = {k: v for k, v in zip(names, row, strict=True) if v is not None}
        email = str(rec.get("email") or "").strip()
        if not email or email.lower() in deleted:
            dropped += 1
            continue
        rec["email"] = email
        rec[AUDIENCE_COLUMN] = model
        out.append(rec)
    return out, dropped


def cmd_export_audiences(_: argparse.Namespace) -> int:
    """Write each audience model (a table in the `audiences` schema) as <model>.jsonl in the
    audiences folder, which tap-warehouse-audiences reads; stale files are removed so a model
    that was dropped is not sent again."""
    out_dir = export_dir() / AUDIENCE_SCHEMA
    with connect() as con:
        models = [t for s, t in list_tables(con) if s == AUDIENCE_SCHEMA]
        if not models:
            print(
                f"no audience models in schema {AUDIENCE_SCHEMA!r}: build them with "
                "`meltano invoke dbt-duckdb:build`",
                file=sys.stderr,
            )
        deleted = deleted_emails(con)
        batches = {m: audience_records(con, m, deleted) for m in models}
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.jsonl"):
        if stale.stem not in batches:
            stale.unlink()
    for model, (records, dropped) in sorted(batches.items()):
        n = write_batch(out_dir / f"{model}.jsonl", records)
        print(
            f"audience {model}: exported {n} contacts"
            + (f", left out {dropped} (no email or deleted)" if dropped else ""),
            file=sys.stderr,
        )
    return 0


def cmd_export_contacts(args: argparse.Namespace) -> int:
    """Write warehouse contacts (plus any leads file) as one fresh JSONL batch."""
    with connect() as con:
        updates = contacts_to_update(con, args.limit)
    new_leads: list[dict[str, Any]] = []
    leads = leads_file()
    if leads is not None:
        for line in leads.read_text(encoding="utf-8").splitlines():
            if line.strip():
                new_leads.append(json.loads(line))
    target = export_dir() / BATCH_NAME
    write_batch(target, [*updates, *new_leads])
    print(
        f"exported {len(updates)} warehouse contacts to update and {len(new_leads)} new leads "
        f"to {target}",
        file=sys.stderr,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("summary").set_defaults(func=cmd_summary)
    sub.add_parser("counts").set_defaults(func=cmd_counts)
    query = sub.add_parser("query")
    query.add_argument("sql")
    query.set_defaults(func=cmd_query)
    exp = sub.add_parser("export-contacts")
    exp.add_argument(
        "--limit",
        type=int,
        default=int(os.environ.get("WAREHOUSE_EXPORT_LIMIT") or "25"),
        help="how many warehouse contacts to push back (default 25)",
    )
    exp.set_defaults(func=cmd_export_contacts)
    sub.add_parser("export-audiences").set_defaults(func=cmd_export_audiences)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
