"""`make bench` section `shared_limit`: the account allows less than our configured pace.

The account's 5 requests/s are shared with every other integration of the account, so the
pace a user configures can be too fast through no fault of ours. Here the sandbox allows
3 requests/s, another integration spends 1/s of them, and our tap is configured at 5/s: it
reads the contacts stream twice per scenario, with today's client (`activecampaign_http` as it
was before the shared retry policy and the AIMD pace, taken from git) and with the new one.

Scenarios: the bucket's own `Retry-After` (about a second), then long penalties (a request
over the limit refuses the whole account for 5 s) with half the refusals as 503 pages.

    python -m benchmarks.bench --only shared_limit [--scale 0.25]
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks.workspace import WORK, bench_sandbox
from orchestrate.harness import ROOT
from orchestrate.runs import log

CONFIGURED_RPS = 5.0
ACCOUNT = {"rate": 3, "rate_others": 1}
SCENARIOS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("retry_after", "`Retry-After` from the bucket (~1 s)", {"rate_penalty_s": 0, "rate_503": 0}),
    (
        "penalty",
        "5 s penalties for the whole account, half the refusals 503 pages",
        {"rate_penalty_s": 5, "rate_503": 0.5},
    ),
)
#: The file the new client added: the commit before it holds today's client.
NEW_CLIENT_FILE = "activecampaign_http/retry.py"


def today_client() -> Path | None:
    """A copy of `activecampaign_http` from before the retry policy, or None without git."""
    dest = WORK / "today-client"
    try:
        git = ["git", "-C", str(ROOT)]
        added = subprocess.run(
            [*git, "log", "--diff-filter=A", "--format=%H", "--", NEW_CLIENT_FILE],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        if not added:
            return None
        base = f"{added[-1]}^"
        archive = subprocess.run(
            [*git, "archive", base, "activecampaign_http"],
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def summarize(res: Any) -> dict[str, Any]:
    server = res.server or {}
    total = server.get("total") or 0
    refused = server.get("rate_limited") or 0
    status = server.get("by_status") or {}
    records = res.counts.get("contacts", 0)
    return {
        "exit_code": res.exit_code,
        "wall_s": round(res.wall, 2),
        "records": records,
        "records_per_s": records / res.wall if res.wall else None,
        "requests": total,
        "refusals": refused,
        "refused_429": status.get("429", 0),
        "refused_503": status.get("503", 0),
        "refusal_fraction": refused / total if total else None,
        "requests_per_s": total / res.wall if res.wall else None,
    }


def run(tap: Any, contacts: int) -> dict[str, Any]:
    """Both clients in both scenarios against one sandbox; `tap` is bench's OurTap."""
    old = today_client()
    clients: list[tuple[str, dict[str, str]]] = [("new", {})]
    if old is not None:
        path = os.pathsep.join(p for p in (str(old), os.environ.get("PYTHONPATH", "")) if p)
        clients.insert(0, ("today", {"PYTHONPATH": path}))
    else:
        log("  shared_limit: no git history here, so only the new client is measured")
    out: dict[str, Any] = {
        "contacts": contacts,
        "configured_rps": CONFIGURED_RPS,
        **{f"account_{k}": v for k, v in ACCOUNT.items()},
        "points": [],
    }
    with bench_sandbox(contacts, rate=ACCOUNT["rate"], name="sb-shared-limit") as sb:
        for key, title, extra in SCENARIOS:
            sb.configure(**ACCOUNT, **extra)
            point: dict[str, Any] = {"scenario": key, "title": title, **extra}
            for who, env in clients:
                time.sleep(float(extra.get("rate_penalty_s") or 0) + 1.5)  # a fresh account
                res = tap.run(
                    sb,
                    f"shared-limit-{key}-{who}",
                    streams="contacts",
                    rps=CONFIGURED_RPS,
                    env=env,
                    timeout=1800,
                )
                point[who] = summarize(res)
                log(
                    f"  {who}: {point[who]['requests']} requests, "
                    f"{point[who]['refusals']} refused, "
                    f"{point[who]['records_per_s'] or 0:.0f} records/s"
                )
            out["points"].append(point)
    return out
