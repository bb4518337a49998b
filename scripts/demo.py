"""`make demo`: the whole pipeline against a local sandbox, in a few minutes.

Starts the ActiveCampaign sandbox, installs Meltano's plugins, loads the DuckDB warehouse and
builds the dbt models (`meltano run activecampaign-to-warehouse`), shows its tables and a query
on the marts, changes some sandbox records and loads again to show the small incremental run,
pushes warehouse contacts back (`meltano run warehouse-to-activecampaign`) and shows what the
sandbox now holds and what was rejected, mirrors an audience model into a sandbox tag, then
stops the sandbox. Run with the project venv: `.venv/bin/python
scripts/demo.py`. Everything lands in output/demo/ (logs, warehouse, Meltano state).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orchestrate import harness  # noqa: E402
from orchestrate.runs import record_metric  # noqa: E402

T0 = time.monotonic()
SYNC_RE = re.compile(r"Beginning (?:\w+ )?sync of '([^']+)'")
# Known, harmless warnings that would only distract in the demo's output.
NOISE = ("progress is not resumable", "No state was found")
# Streams the incremental table shows first: the ones the API can filter by change date.
CORE = ("contacts", "deals", "accounts", "field_values", "contact_tags", "contact_lists")
# The example audience (transform/models/audiences/) and the sync that mirrors it.
AUDIENCE = "open_deal_contacts"
MART_COLUMNS = ["contact_id", "email", "tag_names", "list_names", "company_size", "region"]
MART_SQL = (
    f"SELECT {', '.join(MART_COLUMNS)} "
    "FROM analytics.contacts WHERE tag_names IS NOT NULL ORDER BY contact_id LIMIT 5"
)


def say(msg: str = "") -> None:
    """Print with the elapsed time, flushed so `make demo` shows progress live."""
    stamp = time.monotonic() - T0
    print(f"[{int(stamp // 60):02d}:{int(stamp % 60):02d}] {msg}" if msg else "", flush=True)


def step(n: int, total: int, title: str) -> None:
    """A visible section header."""
    print(flush=True)
    say(f"== {n}/{total} {title}")


def progress() -> Callable[[str], None]:
    """A line handler that prints a heartbeat and every warning or error line."""
    state: dict[str, Any] = {"last": time.monotonic(), "records": 0, "streams": set()}

    def on_line(line: str) -> None:
        found = record_metric(line)
        started = SYNC_RE.search(line)
        if found:
            state["records"] += found[1]
        elif started:
            state["streams"].add(started.group(1))
        elif ("[error" in line or "[warning" in line) and not any(n in line for n in NOISE):
            print("    " + line.split("] ", 1)[-1][:200], flush=True)
        now = time.monotonic()
        if now - state["last"] >= 5:
            state["last"] = now
            say(f"   ... {len(state['streams'])} streams, {state['records']:,} records so far")

    return on_line


def run(args: list[str], env: dict[str, str], log: Path) -> harness.RunResult:
    """Run meltano with progress, fail loudly with the log tail."""
    say(f"$ meltano {' '.join(args)}   (log: {log.relative_to(ROOT)})")
    result = harness.run_meltano(args, env, log, on_line=progress()).check()
    say(f"   done in {result.wall:.0f}s")
    return result


def show_table(headers: list[str], rows: list[list[Any]], indent: str = "    ") -> None:
    """Fixed-width table."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    print(indent + "  ".join(h.ljust(widths[i]) for i, h in enumerate(headers)))
    print(indent + "  ".join("-" * w for w in widths))
    for row in cells:
        print(indent + "  ".join(v.ljust(widths[i]) for i, v in enumerate(row)))
    sys.stdout.flush()


def print_invoke(args: list[str], env: dict[str, str], log: Path) -> None:
    """Run `meltano invoke` and print the plugin's own output (not Meltano's log lines)."""
    result = harness.run_meltano(args, env, log).check()
    for line in result.log_path.read_text(errors="replace").splitlines():
        if not line.startswith("20") or "] " not in line[:40]:
            print("    " + line)
    sys.stdout.flush()


def contacts_by_email(sb: harness.Sandbox) -> dict[str, dict[str, Any]]:
    """Sandbox contacts keyed by lower-cased email."""
    return {str(c.get("email", "")).lower(): c for c in sb.resource("contacts")}


def tags_of(sb: harness.Sandbox) -> dict[str, list[str]]:
    """Tag names per contact id, from the sandbox's tags and contactTags tables."""
    names = {str(t["id"]): t.get("tag") for t in sb.resource("tags")}
    out: dict[str, list[str]] = {}
    for link in sb.resource("contactTags"):
        out.setdefault(str(link.get("contact")), []).append(str(names.get(str(link.get("tag")))))
    return out


def query_rows(env: dict[str, str], sql: str, log: Path) -> list[dict[str, Any]]:
    """Rows of one warehouse query, through the `warehouse` utility."""
    result = harness.run_meltano(["invoke", "warehouse:query", sql], env, log).check()
    for line in reversed(result.log_path.read_text(errors="replace").splitlines()):
        if line.startswith("["):
            return list(json.loads(line))
    return []


def audience_tag() -> str:
    """The tag meltano.yml binds the example audience to (target `audiences` setting)."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    target = next(p for p in project["plugins"]["loaders"] if p["name"] == "target-activecampaign")
    return str(target["config"]["audiences"][AUDIENCE]["tag"])


def tagged(sb: harness.Sandbox, tag_name: str) -> set[str]:
    """Emails of the sandbox contacts carrying one tag."""
    ids = {str(t["id"]) for t in sb.resource("tags") if t.get("tag") == tag_name}
    members = {str(x["contact"]) for x in sb.resource("contactTags") if str(x["tag"]) in ids}
    return {str(c["email"]).lower() for c in sb.resource("contacts") if str(c["id"]) in members}


def main(argv: list[str] | None = None) -> int:
    """The demo."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=500, help="sandbox size (500)")
    parser.add_argument(
        "--rate", type=int, default=5, help="sandbox rate limit and tap pace, req/s (5, as AC)"
    )
    parser.add_argument("--workdir", type=Path, default=ROOT / "output" / "demo")
    args = parser.parse_args(argv)
    total = 8
    workdir: Path = args.workdir.resolve()
    logs = workdir / "logs"

    step(1, total, "Meltano: .venv-meltano and the plugins in meltano.yml (reused when present)")
    harness.bootstrap("meltano")
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)

    step(2, total, f"Starting the sandbox: {args.contacts} contacts, {args.rate} requests/s")
    with harness.sandbox(
        contacts=args.contacts, seed=1, token="demo-token", extra=["--rate", str(args.rate)]
    ) as sb:
        say(f"   sandbox API at {sb.api_url}")
        env = harness.pipeline_env(sb, workdir, requests_per_second=args.rate)

        step(3, total, "Full load: ActiveCampaign -> DuckDB warehouse, then the dbt models")
        first = run(["run", "activecampaign-to-warehouse"], env, logs / "1-load.log")
        say(f"   {sum(first.counts.values()):,} records read; dbt built the marts")
        print_invoke(["invoke", "warehouse:summary"], env, logs / "1-summary.log")
        say("   the contacts mart: tags, lists and custom fields as columns")
        print("    " + MART_SQL)
        mart = query_rows(env, MART_SQL, logs / "1-mart.log")
        if mart:
            show_table(MART_COLUMNS, [[r.get(c) for c in MART_COLUMNS] for r in mart])

        step(4, total, "Changing records in the sandbox (its control API)")
        changed = {}
        for resource, fraction in (("contacts", 0.03), ("deals", 0.1), ("accounts", 0.1)):
            ids = sb.control("POST", "mutate", {"resource": resource, "fraction": fraction})
            changed[resource] = len(ids.get("ids", []))
        say("   updated: " + ", ".join(f"{n} {k}" for k, n in changed.items()))

        step(5, total, "Incremental load: only what changed since the bookmark")
        second = run(["run", "activecampaign-to-warehouse"], env, logs / "2-incremental.log")
        rows = [[k, first.counts.get(k, 0), second.counts.get(k, 0)] for k in CORE]
        show_table(["stream", "full load", "incremental"], rows)
        print(
            "    (streams the API cannot filter by change are read whole each run and upserted;\n"
            "     a record at the bookmark's edge is read again: at-least-once)"
        )
        say(
            f"   incremental run read {sum(second.counts.values()):,} records "
            f"(full load: {sum(first.counts.values()):,})"
        )
        counts = harness.warehouse_counts(env, logs / "2-counts.log")
        core = ("contacts", "deals", "accounts")
        now = ", ".join(f"{t} {counts.get('activecampaign.' + t, 0)}" for t in core)
        say(f"   warehouse now: {now} rows (changed records updated in place, not appended)")

        step(6, total, "Reverse sync: warehouse -> ActiveCampaign (target-activecampaign)")
        before = contacts_by_email(sb)
        reverse = run(["run", "warehouse-to-activecampaign"], env, logs / "3-reverse.log")
        totals = harness.target_summary(reverse.log_path).get("totals")
        if totals:
            say(
                f"   target-activecampaign: {totals.get('written', 0)} written, "
                f"{totals.get('rejected', 0)} rejected"
            )
        batch = sorted((workdir / "reverse_sync").glob("contacts.jsonl"))
        sent = [json.loads(x) for f in batch for x in f.read_text().splitlines() if x.strip()]
        after = contacts_by_email(sb)
        tags = tags_of(sb)
        table = []
        for rec in sent:
            email = str(rec.get("email", "")).lower()
            contact = after.get(email)
            if contact is None:
                continue
            cid = str(contact.get("id"))
            action = "updated" if email in before else "created"
            shown = [t for t in tags.get(cid, []) if t in ("warehouse-sync", "has-deal")]
            name = f"{contact.get('firstName', '')} {contact.get('lastName', '')}".strip()
            table.append([cid, email, name, action, ",".join(shown)])
        table.sort(key=lambda r: (r[3] != "created", int(r[0]) if r[0].isdigit() else 0))
        created = sum(1 for r in table if r[3] == "created")
        say(
            f"   sent {len(sent)} contacts: {created} created, {len(table) - created} updated "
            "in the sandbox"
        )
        show_table(["id", "email", "name", "action", "sync tags"], table[:12])
        if len(table) > 12:
            print(f"    ... and {len(table) - 12} more updated")
        rejects_file = workdir / "rejects.jsonl"
        rejects = (
            [json.loads(x) for x in rejects_file.read_text().splitlines() if x.strip()]
            if rejects_file.exists()
            else []
        )
        say(f"   rejects: {len(rejects)} (file: {rejects_file.relative_to(ROOT)})")
        for rej in rejects[:10]:
            record = rej.get("record") or {}
            print(f"    {rej.get('stream')}: {record.get('email')!r}: {rej.get('reason')}")

        step(7, total, f"Audience: the dbt model audiences.{AUDIENCE} mirrored into a tag")
        audience = query_rows(env, f"SELECT email FROM audiences.{AUDIENCE}", logs / "4-aud.log")
        say(f"   the model holds {len(audience)} contacts (live contacts with an open deal)")
        tag_name = audience_tag()
        run(["run", "audiences-to-activecampaign"], env, logs / "4-audience.log")
        members = tagged(sb, tag_name)
        want = {str(r["email"]).lower() for r in audience}
        say(
            f"   sandbox tag {tag_name!r} now has {len(members)} contacts; "
            f"equal to the model: {members == want}"
        )

        step(8, total, "Stopping the sandbox")
    say(f"Demo finished in {time.monotonic() - T0:.0f}s. Explore the warehouse with:")
    print(
        f"    TARGET_DUCKDB_FILEPATH={workdir / 'warehouse.duckdb'} "
        ".venv-meltano/bin/meltano invoke warehouse:summary"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
