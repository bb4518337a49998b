"""Fan-out benchmark: N sandbox accounts loaded at once, as the accounts DAG loads them.

Each account is its own sandbox process with ActiveCampaign's limit (`--rate 5`) and its own
DuckDB file; every account's load is the DAG's own command (orchestrate/accounts.py:
`meltano el` under the account's state id), run in N worker slots at once as Airflow's
LocalExecutor would (without the scheduler, whose overhead is per task, not per record).
Reported per N: total wall time, the sum and the slowest of the per-account times, wall time
against one account alone, and CPU per record of all the Meltano processes together.

    python -m benchmarks.fanout             # N = 1, 4, 16 accounts of 5,000 contacts
    python -m benchmarks.fanout --quick     # N = 1, 2 accounts of 300 contacts (a minute)

`make bench` runs it as the `fanout` section (sizes x --scale) and appends its table to
RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from benchmarks.workspace import LOGS, WORK, bench_sandbox, write_json
from orchestrate import accounts as ac
from orchestrate import harness as pipeline
from orchestrate.runs import log

SIZES = (1, 4, 16)
QUICK_SIZES = (1, 2)
CONTACTS = 5_000
QUICK_CONTACTS = 300
RATE = 5  # the API's limit, per account
GOAL_16 = 4.0  # 16 accounts within 4x one account's wall time


def one_account(
    account: ac.Account, token: str, warehouse: ac.Warehouse, base: dict[str, str], log_dir: Path
) -> dict[str, Any]:
    """What the DAG's extract_load task does for one account, timed."""
    env = ac.account_env(
        account, token, warehouse, base, stream_maps=ac.project_stream_maps(pipeline.ROOT)
    )
    ac.ensure_dirs(account, warehouse)
    with (log_dir / f"{account.name}.log").open("w") as out:
        outcome = ac.run_load(
            str(pipeline.MELTANO),
            account,
            warehouse,
            env,
            pipeline.ROOT,
            on_line=lambda line: out.write(line + "\n"),
        )
    if outcome.exit_code != 0:
        raise RuntimeError(
            f"account {account.name}: meltano exited {outcome.exit_code}: "
            f"{ac.failure_reason(outcome.tail)} (log {log_dir / account.name}.log)"
        )
    return {"seconds": outcome.wall, "records": outcome.records}


def children_cpu() -> float:
    """User + system CPU of every child process that has ended (the Meltano runs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def largest_child_rss_mb() -> float:
    """Peak RSS of the largest process that has ended (Meltano, a tap or a loader), in MB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def fan_out(n: int, contacts: int, work: Path) -> dict[str, Any]:
    """Start n sandbox accounts, load them all at once in n slots, and measure."""
    shutil.rmtree(work, ignore_errors=True)
    log_dir = LOGS / "fanout" / f"n{n}"
    log_dir.mkdir(parents=True, exist_ok=True)
    warehouse = ac.Warehouse(directory=work / "warehouses")
    base = pipeline.base_env()
    base["MELTANO_DATABASE_URI"] = f"sqlite:///{work / 'meltano.db'}"
    base["MELTANO_ENVIRONMENT"] = "dev"
    work.mkdir(parents=True)
    with ExitStack() as stack:
        sandboxes = [
            stack.enter_context(
                bench_sandbox(contacts, name=f"fanout-n{n}-{i}", seed=100 + i, rate=RATE)
            )
            for i in range(n)
        ]
        accounts = [
            ac.Account(
                name=f"acct_{i}",
                api_url=sb.api_url,
                api_token_env=f"FANOUT_TOKEN_{i}",
                requests_per_second=RATE,
            )
            for i, sb in enumerate(sandboxes)
        ]
        # As the DAG's plan task does: create the system database before the runs race to.
        prepared = ac.run_meltano(str(pipeline.MELTANO), ac.prepare_args(), base, pipeline.ROOT)
        if prepared.exit_code != 0:
            raise RuntimeError(f"meltano: {ac.failure_reason(prepared.tail)}")
        cpu_before = children_cpu()
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=n) as pool:
            futures = [
                pool.submit(one_account, a, sb.token, warehouse, base, log_dir)
                for a, sb in zip(accounts, sandboxes, strict=True)
            ]
            runs = [f.result() for f in futures]
        wall = time.monotonic() - started
        cpu = children_cpu() - cpu_before
    records = sum(r["records"] for r in runs)
    result = {
        "accounts": n,
        "contacts_per_account": contacts,
        "wall_s": round(wall, 1),
        "sum_account_s": round(sum(r["seconds"] for r in runs), 1),
        "slowest_account_s": round(max(r["seconds"] for r in runs), 1),
        "records": records,
        "cpu_s": round(cpu, 1),
        "cpu_ms_per_record": round(1000 * cpu / records, 3) if records else None,
        "largest_process_rss_mb": round(largest_child_rss_mb()),
    }
    log(f"fan-out N={n}: {json.dumps(result)}")
    return result


def measure(sizes: tuple[int, ...] = SIZES, contacts: int = CONTACTS) -> dict[str, Any]:
    """Every size in turn; ratios against the one-account run (the first size)."""
    pipeline.bootstrap("meltano")
    runs = [fan_out(n, contacts, WORK / "fanout" / f"n{n}") for n in sizes]
    single = runs[0]["wall_s"] if runs and runs[0]["accounts"] == 1 else None
    for run in runs:
        run["wall_vs_one_account"] = round(run["wall_s"] / single, 2) if single else None
        run["parallel_speedup"] = (
            round(run["sum_account_s"] / run["wall_s"], 2) if run["wall_s"] else None
        )
    largest = runs[-1] if runs else None
    return {
        "rate_per_account": RATE,
        "cpus": os.cpu_count(),
        "runs": runs,
        "goal": f"{largest['accounts']} accounts <= {GOAL_16}x one account" if largest else None,
        "goal_met": (
            largest["wall_vs_one_account"] <= GOAL_16
            if largest and largest["wall_vs_one_account"] is not None
            else None
        ),
    }


def markdown(results: dict[str, Any] | None) -> str:
    """The fan-out table, for RESULTS.md and the terminal."""
    if not results or not results.get("runs"):
        return ""
    lines = [
        "",
        "## Many accounts: fan-out (`benchmarks/fanout.py`)",
        "",
        f"Each account its own sandbox at `--rate {results['rate_per_account']}` and its own "
        f"DuckDB file, all loaded at once, on {results['cpus']} CPUs.",
        "",
        "| accounts | contacts each | wall | sum of account times | slowest account | "
        "wall vs 1 account | records | CPU per record |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results["runs"]:
        ratio = r["wall_vs_one_account"]
        lines.append(
            f"| {r['accounts']} | {r['contacts_per_account']:,} | {r['wall_s']:.0f} s | "
            f"{r['sum_account_s']:.0f} s | {r['slowest_account_s']:.0f} s | "
            f"{f'{ratio}x' if ratio is not None else 'n/a'} | {r['records']:,} | "
            f"{r['cpu_ms_per_record']} ms |"
        )
    if results.get("goal"):
        met = {True: "met", False: "**not met**", None: "n/a (no one-account run)"}[
            results.get("goal_met")
        ]
        lines += ["", f"Goal: {results['goal']}: {met}."]
    return "\n".join(lines) + "\n"


def append_report(results: dict[str, Any] | None, path: Path) -> None:
    """Add the fan-out table to a RESULTS.md that bench.py has just written."""
    text = markdown(results)
    if text and path.exists():
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 1, 2 of 300 contacts")
    parser.add_argument("--sizes", default="", help="comma-separated account counts")
    parser.add_argument("--contacts", type=int, default=0, help="contacts per account")
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else None
    sizes = sizes or (QUICK_SIZES if args.quick else SIZES)
    contacts = args.contacts or (QUICK_CONTACTS if args.quick else CONTACTS)
    results = measure(sizes, contacts)
    write_json(WORK / "fanout" / "results.json", results)
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
