"""Audience mirror benchmark: a tag mirrored from a warehouse snapshot, requests and wall time.

An account whose tag VIP has `members` contacts gets a snapshot of `members` contacts in which
`changes / 2` current members are missing and `changes / 2` other contacts are new. The target
(`audiences: {"vip_customers": {"tag": "VIP", "mode": "mirror"}}`) runs against the sandbox at
`--rate 5`; the budget for 10,000 members and 2,000 changes is 1,250 requests: the members pages,
the imports and their confirmations, and one DELETE per removal (link ids sideloaded with
`include=contactTags` where the account honours it, else one `GET /contacts/{id}/contactTags` per
removed contact on top).

    python -m benchmarks.audience [--quick]     # --quick: 500 members, 100 changes

`make bench` runs it as section `audience` (sizes follow `--scale`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from benchmarks.workspace import WORK, bench_sandbox, log_file, write_json
from orchestrate.harness import Sandbox, console_script
from orchestrate.runs import log, run_measured

FULL_MEMBERS = 10_000
FULL_CHANGES = 2_000
FULL_BUDGET = 1_250
TAG = "VIP"
STREAM = "vip_customers"


def email(i: int) -> str:
    return f"aud{i}@example.com"


def write_stream(path: Path, stream: str, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = {"type": "object", "properties": {k: {} for r in records[:1] for k in r}}
    with path.open("w") as fh:
        fh.write(json.dumps({"type": "SCHEMA", "stream": stream, "schema": schema}) + "\n")
        for rec in records:
            fh.write(json.dumps({"type": "RECORD", "stream": stream, "record": rec}) + "\n")
    return path


def target_config(sb: Sandbox, label: str, rps: float, **extra: Any) -> Path:
    return write_json(
        WORK / "cfg" / f"target-{label}.json",
        {
            "api_url": sb.api_url,
            "api_token": sb.token,
            "requests_per_second": rps,
            "rejects_file": str(WORK / "rejects" / f"{label}.jsonl"),
            **extra,
        },
    )


def run_target(sb: Sandbox, label: str, cfg: Path, data: Path):
    sb.reset_stats()
    res = run_measured(
        label,
        [console_script("target-activecampaign"), "--config", str(cfg)],
        log_file(label),
        stdin_path=data,
        timeout=3600,
    )
    res.server = sb.stats()
    log(f"  {label}: exit {res.exit_code}, wall {res.wall:.1f}s, requests {res.server['total']}")
    return res


def run_summary(stderr_path: Path | None) -> dict:
    """The target's `Summary: {...}` log line."""
    text = stderr_path.read_text(errors="replace") if stderr_path else ""
    found = re.findall(r"Summary: (\{.*\})", text)
    return json.loads(found[-1]) if found else {}


def tagged(sb: Sandbox) -> set[str]:
    tag_ids = {t["id"] for t in sb.resource("tags") if t.get("tag") == TAG}
    emails = {c["id"]: str(c["email"]).lower() for c in sb.resource("contacts")}
    return {emails[ct["contact"]] for ct in sb.resource("contactTags") if ct["tag"] in tag_ids}


def measure(scale: float = 1.0, rate: float = 5.0) -> dict:
    """Seed the tag unthrottled, then time the mirror at `rate` requests/s."""
    members = max(100, int(FULL_MEMBERS * scale))
    changes = max(20, int(FULL_CHANGES * scale)) // 2 * 2
    half = changes // 2
    budget = FULL_BUDGET * members // FULL_MEMBERS
    # current members: 0 .. members-1; the snapshot drops the first `half`, adds `half` new
    with bench_sandbox(0, name="sb-audience") as sb:
        seed = [{"email": email(i), "tags": [TAG]} for i in range(members)]
        seed_path = write_stream(
            WORK / "input" / f"audience-seed-{members}.jsonl", "contacts", seed
        )
        seeded = run_target(
            sb, "audience-seed", target_config(sb, "audience-seed", 50.0), seed_path
        )
        if seeded.exit_code != 0:
            raise RuntimeError(f"seeding the tag failed:\n{seeded.log_tail()}")
        snapshot = [{"email": email(i)} for i in range(half, members + half)]
        snap_path = write_stream(
            WORK / "input" / f"audience-{members}-{changes}.jsonl", STREAM, snapshot
        )
        sb.configure(rate=rate)
        cfg = target_config(
            sb,
            "audience-mirror",
            rate,
            audiences={STREAM: {"tag": TAG, "mode": "mirror"}},
        )
        res = run_target(sb, "ours-audience-mirror", cfg, snap_path)
        sb.configure(rate=None)
        right = tagged(sb) == {email(i) for i in range(half, members + half)}
    by_route = res.server.get("by_route", {})
    summary = (run_summary(res.log_path).get("audiences") or {}).get(STREAM, {})
    requests = res.server.get("total")
    return {
        "members": members,
        "changes": changes,
        "rate": rate,
        "budget": budget,
        "requests": requests,
        "within_budget": requests is not None and requests <= budget,
        "wall_s": round(res.wall, 1),
        "exit_code": res.exit_code,
        "tag_exactly_mirrored": right,
        "added": summary.get("added"),
        "removed": summary.get("removed"),
        "member_pages": by_route.get("GET /contacts", 0),
        "imports": by_route.get("POST /import/bulk_import", 0),
        "confirmations": by_route.get("GET /import/info", 0),
        "link_reads": by_route.get("GET /contacts/{id}/contactTags", 0),
        "link_deletes": by_route.get("DELETE /contactTags/{id}", 0),
        "links_sideloaded": by_route.get("GET /contacts/{id}/contactTags", 0) == 0,
        "by_route": by_route,
    }


def report_lines(section: dict | None) -> list[str]:
    """The RESULTS.md section for `make bench` (empty when the section did not run)."""
    if not section:
        return []
    s = section
    how = (
        "sideloaded with `include=contactTags`"
        if s.get("links_sideloaded")
        else "read per removed contact: the sandbox does not sideload `contactTags`"
    )
    return [
        "",
        f"### Audience mirror: a tag of {s['members']:,} members, {s['changes']:,} changes, "
        f"`--rate {s['rate']:g}`",
        "",
        "| figure | value |",
        "|---|---|",
        f"| requests (budget {s['budget']:,}) | **{s['requests']:,}** "
        f"({'within' if s['within_budget'] else 'OVER'} budget) |",
        f"| requests without the per-contact link reads | {s['requests'] - s['link_reads']:,} |",
        f"| wall time | {s['wall_s']} s |",
        f"| members pages / imports / confirmations | {s['member_pages']} / {s['imports']} / "
        f"{s['confirmations']} |",
        f"| link reads / link deletes | {s['link_reads']} / {s['link_deletes']} (link ids {how}) |",
        f"| added / removed (target summary) | {s['added']} / {s['removed']} |",
        f"| tag holds exactly the snapshot afterwards | {s['tag_exactly_mirrored']} |",
        f"| exit code | {s['exit_code']} |",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 members, 100 changes")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rate", type=float, default=5.0)
    args = parser.parse_args()
    result = measure(0.05 if args.quick else args.scale, args.rate)
    print("\n".join(report_lines(result)))
    ok = result["exit_code"] == 0 and result["tag_exactly_mirrored"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
