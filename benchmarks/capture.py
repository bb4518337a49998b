"""Change capture figures: requests per incremental run by account size, ours and the peer's.

For each size: a full sync, a run with nothing changed, a run after 1% of contacts changed
(with a field value, a tag link and a list membership each), and a run with every re-read due
(the daily one). From those, what an hourly schedule costs a day. Part of `make bench`
(section "capture"); alone, quickly, at small sizes (5% of them: 250, 1,000, 5,000):

    python -m benchmarks.bench --only capture --scale 0.05 --skip-peer --results /tmp/r.md
"""

from __future__ import annotations

import copy
import json
import math
import time
from typing import Any

from benchmarks.workspace import bench_sandbox
from orchestrate.runs import log

SIZES = (5_000, 20_000, 100_000)
LONG_AGO = "2000-01-01T00:00:00+00:00"
CHANGED_FRACTION = 0.01
UNTHROTTLED_RPS = 100.0
HOURLY_RUNS = 24
# The peer reads at a fixed 5 requests/s: at 100,000 contacts one of its runs takes about an hour
# (three per size), so above this size its figures are projected from the measured sizes.
PEER_MAX_CONTACTS = 20_000
PEER_KEYS = ("peer_full", "peer_nothing_changed", "peer_changed")


def _settle() -> None:
    """Bookmarks stop a second before a run starts: let the next run's cover the edits."""
    time.sleep(1.1)


def _requests(res: Any) -> int:
    return int(res.server.get("total") or 0)


def _missed(res: Any, reply: dict) -> dict[str, int]:
    """Changed rows (contacts and their links) the run did not emit."""
    streams = {
        "ids": "contacts",
        "fieldValues": "field_values",
        "contactTags": "contact_tags",
        "contactLists": "contact_lists",
    }
    missed: dict[str, int] = {}
    for key, stream in streams.items():
        want = {str(i) for i in reply.get(key) or []}
        got = {k[1][0] for k in res.keys if k[0] == stream}
        missed[stream] = len(want - got)
    return missed


def every_reread_due(state: Any) -> Any:
    """The state as if the last whole reads were long ago: the next run does them all."""
    aged = copy.deepcopy(state)
    for bookmark in (aged or {}).get("bookmarks", {}).values():
        capture = bookmark.get("capture") if isinstance(bookmark, dict) else None
        if isinstance(capture, dict) and "read_at" in capture:
            capture["read_at"] = LONG_AGO
    return aged


def measure_size(ours: Any, peer: Any, n: int) -> dict[str, Any]:
    """The four runs of ours (and the peer's three) on one fresh account of n contacts."""
    point: dict[str, Any] = {"contacts": n}
    if n > PEER_MAX_CONTACTS:
        peer = None
    with bench_sandbox(n, name=f"sb-capture-{n}") as sb:
        full = ours.run(sb, f"ours-capture-full-{n}", streams="all", rps=UNTHROTTLED_RPS)
        point["streams"] = len(getattr(full, "selected", []) or [])
        point["ours_full"] = _requests(full)
        point["ours_full_cpu_s"] = round(full.cpu, 2)
        point["ours_full_records"] = full.records
        _settle()
        quiet = ours.run(
            sb, f"ours-capture-quiet-{n}", streams="all", rps=UNTHROTTLED_RPS, state=full.last_state
        )
        point["ours_nothing_changed"] = _requests(quiet)
        peer_full = None
        if peer is not None:
            peer_full = peer.run(sb, f"peer-capture-full-{n}", streams="all", timeout=7200)
            point["peer_full"] = _requests(peer_full)
            peer_quiet = peer.run(
                sb,
                f"peer-capture-quiet-{n}",
                streams="all",
                state=peer_full.last_state,
                timeout=7200,
            )
            point["peer_nothing_changed"] = _requests(peer_quiet)
        reply = sb.mutate("contacts", CHANGED_FRACTION, with_links=True)
        changed_n = len(reply.get("ids") or [])
        point["changed_contacts"] = changed_n
        _settle()
        changed = ours.run(
            sb,
            f"ours-capture-changed-{n}",
            streams="all",
            rps=UNTHROTTLED_RPS,
            state=quiet.last_state,
            collect_keys=True,
        )
        point["ours_changed"] = _requests(changed)
        point["ours_changed_missed"] = _missed(changed, reply)
        if peer is not None and peer_full is not None:
            peer_changed = peer.run(
                sb,
                f"peer-capture-changed-{n}",
                streams="all",
                state=peer_full.last_state,
                timeout=7200,
            )
            point["peer_changed"] = _requests(peer_changed)
        _settle()
        reread = ours.run(
            sb,
            f"ours-capture-reread-{n}",
            streams="all",
            rps=UNTHROTTLED_RPS,
            state=every_reread_due(changed.last_state),
        )
        point["ours_reread"] = _requests(reread)
    streams = point["streams"]
    point["budget_nothing_changed"] = streams + 10
    point["budget_changed"] = streams + 10 + 3 * math.ceil(changed_n / 100)
    # An hourly schedule: one run a day does the re-reads, the other 23 find what changed.
    point["hourly_day_quiet"] = (
        point["ours_reread"] + (HOURLY_RUNS - 1) * point["ours_nothing_changed"]
    )
    point["hourly_day_changing"] = point["ours_reread"] + (HOURLY_RUNS - 1) * point["ours_changed"]
    log(f"  capture at {n:,} contacts: {json.dumps(point)}")
    return point


def run(ours: Any, peer: Any, sizes: tuple[int, ...]) -> dict[str, Any]:
    """The section's figures, one point per account size."""
    points = [measure_size(ours, peer, n) for n in sizes]
    if peer is not None:
        project_peer(points)
    return {"sizes": list(sizes), "points": points}


def project_peer(points: list[dict[str, Any]]) -> None:
    """The peer's figures at sizes it was not run at: a straight line through the two largest
    measured sizes (its requests grow with the account: it re-reads every stream each run)."""
    measured = [p for p in points if all(isinstance(p.get(k), int) for k in PEER_KEYS)]
    if len(measured) < 2:
        return
    a, b = measured[-2], measured[-1]
    for p in points:
        if p in measured:
            continue
        for key in PEER_KEYS:
            slope = (b[key] - a[key]) / (b["contacts"] - a["contacts"])
            p[f"{key}_projected"] = round(b[key] + slope * (p["contacts"] - b["contacts"]))


def sizes_for(scale: float) -> tuple[int, ...]:
    """Account sizes for a bench scale (1.0: 5k, 20k, 100k)."""
    return tuple(max(250, int(n * scale)) for n in SIZES)


def _fmt(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else ("—" if value is None else str(value))


def _peer(point: dict[str, Any], key: str) -> str:
    """A peer figure as measured, or its projection marked with a tilde."""
    if point.get(key) is not None:
        return _fmt(point[key])
    projected = point.get(f"{key}_projected")
    return f"~{projected:,} (projected)" if isinstance(projected, int) else "—"


def report_lines(section: dict[str, Any]) -> list[str]:
    """The RESULTS.md part: table, budgets, the hourly-schedule figure, the plot."""
    points = section.get("points") or []
    if not points:
        return []
    out = [
        "## Change capture: requests per incremental run by account size",
        "",
        "Each size is a fresh sandbox: a full sync, a run with nothing changed, a run after 1% "
        "of contacts changed (each with a field value, a new tag link and a list membership), "
        "and a run with every re-read due (`reread_interval` passed: the daily whole reads and "
        "id scans). Budgets: nothing changed <= streams + 10; 1% changed <= streams + 10 + "
        "3 x ceil(changed/100). The peer runs at a fixed 5 requests/s, so above "
        f"{PEER_MAX_CONTACTS:,} contacts its figures are projected (a line through the two "
        "largest sizes it was run at), never measured.",
        "",
        "| contacts | streams | full: ours | full: peer | nothing changed: ours (budget) | "
        "nothing changed: peer | 1% changed: ours (budget) | 1% changed: peer | re-read run: "
        "ours | changed rows missed |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for p in points:
        missed = sum((p.get("ours_changed_missed") or {}).values())
        out.append(
            f"| {_fmt(p['contacts'])} | {p['streams']} | {_fmt(p['ours_full'])} | "
            f"{_peer(p, 'peer_full')} | {_fmt(p['ours_nothing_changed'])} "
            f"({p['budget_nothing_changed']}) | {_peer(p, 'peer_nothing_changed')} | "
            f"{_fmt(p['ours_changed'])} ({p['budget_changed']}) | "
            f"{_peer(p, 'peer_changed')} | {_fmt(p['ours_reread'])} | {missed} |"
        )
    big = points[-1]
    out += [
        "",
        f"An hourly schedule on {big['contacts']:,} contacts (one run a day with the re-reads, "
        f"23 incremental): {big['hourly_day_quiet']:,} requests a day when nothing changes "
        f"({big['hourly_day_quiet'] / HOURLY_RUNS:,.0f}/hour on average), "
        f"{big['hourly_day_changing']:,} when 1% of contacts change every hour "
        f"({big['hourly_day_changing'] / HOURLY_RUNS:,.0f}/hour).",
        "",
        "![requests per incremental run](plots/capture_requests.png)",
        "",
    ]
    return out
