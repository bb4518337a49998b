"""`dbt build` on a large DuckDB warehouse: target under 60 s for 100,000 contacts.

The warehouse is made the way a user's is, then grown: the real pipeline (sandbox -> tap ->
target-duckdb) loads a small account, and every per-contact table (contacts, their field
values, tags, lists, activity, emails, bounces, deals, orders) is copied with shifted ids until
it holds the wanted number of contacts; account-level tables (fields, tags, lists, stages,
users, campaigns) stay as loaded. Then `meltano invoke dbt-duckdb:build` runs on it and is
timed (wall clock, dbt's own run time from its log, and the models' row counts).

    python -m benchmarks.dbt_build                      # 100,000 contacts
    python -m benchmarks.dbt_build --contacts 2000      # quick check
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from orchestrate import harness

WAREHOUSE_PYTHON = harness.ROOT / ".meltano" / "utilities" / "warehouse" / "venv" / "bin" / "python"
BASE_CONTACTS = 1000
TARGET_SECONDS = 60.0
ID_STRIDE = 10_000_000  # copy k's ids are id + k * stride: no clash with loaded ids
# Per-contact tables and the id columns a copy shifts (its own id and its contact/deal/order).
GROWN: dict[str, tuple[str, ...]] = {
    "contacts": ("id",),
    "field_values": ("id", "contact"),
    "contact_tags": ("id", "contact"),
    "contact_lists": ("id", "contact"),
    "account_contacts": ("id", "contact"),
    "activities": ("id", "contact"),
    "contact_emails": ("id", "contact"),
    "bounce_logs": ("id", "contact"),
    "deals": ("id", "contact"),
    "deal_custom_field_data": ("id", "dealid"),
    "ecom_orders": ("id",),
    "ecom_order_products": ("id", "orderid"),
}
DONE_RE = re.compile(r"Finished running .* in .*\(([\d.]+)s\)")


def grow_sql(table: str, shifted: tuple[str, ...], columns: list[str], copies: int) -> str:
    """INSERT the copies 1..copies of a table's loaded rows, ids shifted, emails made unique."""
    exprs = []
    for col in columns:
        q = f'"{col}"'
        if col in shifted:
            exprs.append(f"{q} + k * {ID_STRIDE} AS {q}")
        elif table == "contacts" and col == "email":
            exprs.append(f"'c' || k || '.' || {q} AS {q}")
        else:
            exprs.append(q)
    return (
        f"INSERT INTO activecampaign.{table} SELECT {', '.join(exprs)} "
        f"FROM activecampaign.{table}, range(1, {copies + 1}) AS r(k)"
    )


GROW_SCRIPT = """
import duckdb, json, sys
path, plan = sys.argv[1], json.loads(sys.argv[2])
con = duckdb.connect(path)
for table, sql in plan.items():
    con.execute(sql)
print(json.dumps({t: con.execute(f"SELECT count(*) FROM activecampaign.{t}").fetchone()[0]
                  for t in plan}))
"""

COLUMNS_SCRIPT = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
rows = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                   "WHERE table_schema = 'activecampaign' ORDER BY table_name, ordinal_position")
out = {}
for t, c in rows.fetchall():
    out.setdefault(t, []).append(c)
print(json.dumps(out))
"""


def duck(script: str, *args: str) -> Any:
    """Run a snippet with the warehouse utility's pinned duckdb; its JSON answer."""
    out = subprocess.run(
        [str(WAREHOUSE_PYTHON), "-c", script, *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def measure(contacts: int = 100_000, base: int = BASE_CONTACTS) -> dict[str, Any]:
    """Load `base` contacts, grow the warehouse to `contacts`, time one dbt build."""
    harness.bootstrap("meltano")
    base = min(base, contacts)
    copies = max(0, -(-contacts // base) - 1)  # ceil(contacts / base) - 1
    (harness.ROOT / "output").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-dbt-", dir=harness.ROOT / "output") as tmp:
        work = Path(tmp)
        with harness.sandbox(contacts=base, seed=3, token="bench-dbt-token") as sb:
            env = harness.pipeline_env(sb, work, requests_per_second=100)
            started = time.monotonic()
            harness.run_meltano(
                ["run", "tap-activecampaign", "target-duckdb"], env, work / "load.log"
            ).check()
            load_s = time.monotonic() - started
        warehouse = env["TARGET_DUCKDB_FILEPATH"]
        cols = duck(COLUMNS_SCRIPT, warehouse)
        plan = {
            t: grow_sql(t, shifted, cols[t], copies)
            for t, shifted in GROWN.items()
            if t in cols and copies
        }
        started = time.monotonic()
        grown = duck(GROW_SCRIPT, warehouse, json.dumps(plan)) if plan else {}
        grow_s = time.monotonic() - started
        started = time.monotonic()
        build = harness.run_meltano(["invoke", "dbt-duckdb:build"], env, work / "build.log")
        build.check()
        wall = time.monotonic() - started
        found = DONE_RE.findall(build.log_path.read_text(errors="replace"))
        marts = duck(
            "import duckdb, json, sys\n"
            "con = duckdb.connect(sys.argv[1], read_only=True)\n"
            "print(json.dumps({t: con.execute(f'SELECT count(*) FROM analytics.{t}').fetchone()[0]"
            ' for (t,) in con.execute("SELECT table_name FROM information_schema.tables '
            "WHERE table_schema = 'analytics'\").fetchall()}))",
            warehouse,
        )
    return {
        "contacts": grown.get("contacts", base),
        "base_contacts": base,
        "load_seconds": round(load_s, 1),
        "grow_seconds": round(grow_s, 1),
        "build_wall_seconds": round(wall, 1),
        "dbt_run_seconds": float(found[-1]) if found else None,
        "target_seconds": TARGET_SECONDS,
        "marts": marts,
    }


def markdown(section: dict[str, Any] | None) -> str:
    """The RESULTS.md section for one measurement."""
    if not section:
        return ""
    ok = section["build_wall_seconds"] < section["target_seconds"]
    rows = "\n".join(f"| `{t}` | {n:,} |" for t, n in sorted(section["marts"].items()))
    return (
        "\n## dbt build on DuckDB\n\n"
        f"`meltano invoke dbt-duckdb:build` on a warehouse of {section['contacts']:,} contacts "
        f"({section['base_contacts']:,} loaded through the pipeline, then grown): "
        f"**{section['build_wall_seconds']} s** wall clock (dbt's own run: "
        f"{section['dbt_run_seconds']} s); target under {section['target_seconds']:.0f} s: "
        f"{'met' if ok else 'NOT met'}.\n\n| mart | rows |\n| --- | --- |\n{rows}\n"
    )


def append_report(section: dict[str, Any] | None, path: Path) -> None:
    """Add the section to a RESULTS.md the main report wrote."""
    text = markdown(section)
    if text and path.exists():
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=BASE_CONTACTS)
    args = parser.parse_args()
    section = measure(args.contacts, args.base)
    print(json.dumps(section, indent=2))
    print(markdown(section))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
