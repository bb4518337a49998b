"""`make bench`: our tap and target against the alternatives, on the same sandbox data, in one run.

Writes benchmarks/RESULTS.md (with the machine and date), benchmarks/results.json and the plots
under benchmarks/plots/. Each figure is ours, the peer's, and the ratio, all from this run.

    python -m benchmarks.bench [--scale 0.2] [--skip-peer]

`--scale` shrinks every data size (for a quick look; RESULTS.md says which sizes were used).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import audience, capture, datagen, dbt_build, fanout, shared_limit
from benchmarks.workspace import (
    BENCH_DIR,
    PEER_TAP_REQUIREMENT,
    PLOT_REQUIREMENTS,
    WORK,
    bench_sandbox,
    ensure_venv,
    log_file,
    machine_description,
    pip_version,
    select_streams,
    write_json,
)
from orchestrate.harness import Sandbox, console_script
from orchestrate.runs import RunResult, log, run_measured

PAGE = 100
CEILING = 500.0  # 5 requests/s x 100 records
LATENCIES = (0, 200, 400, 800)
START_DATE = "2000-01-01T00:00:00Z"
OURS_UNTHROTTLED_RPS = 100.0  # our tap's requests_per_second when the sandbox has no limit
OURS_TARGET_UNTHROTTLED_RPS = 50.0
OUR_CPU_RUNS = 3  # contacts-only runs of ours per size; the median one is reported


# -- the two taps ------------------------------------------------------------------------------


class TapSide:
    """How to configure, discover and run one tap."""

    def __init__(self, key: str, title: str, argv: list[str]) -> None:
        self.key = key
        self.title = title
        self.argv = argv
        self._catalogs: dict[str, dict] = {}
        self.notes: list[str] = []

    def config(self, sb: Sandbox, rps: float | None) -> dict:
        raise NotImplementedError

    def config_path(self, sb: Sandbox, rps: float | None) -> Path:
        name = f"{self.key}-{sb.name}-rps{rps or 'default'}.json"
        return write_json(WORK / "cfg" / name, self.config(sb, rps))

    def catalog(self, sb: Sandbox) -> dict:
        if sb.name not in self._catalogs:
            cfg = self.config_path(sb, None)
            out = subprocess.run(
                [*self.argv, "--config", str(cfg), "--discover"],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            if out.returncode != 0:
                raise RuntimeError(f"{self.title} --discover failed: {out.stderr[-1500:]}")
            self._catalogs[sb.name] = json.loads(out.stdout)
        return json.loads(json.dumps(self._catalogs[sb.name]))

    def full_catalog_filter(self, sb: Sandbox) -> Callable[[str], bool]:
        return lambda name: True

    def run(
        self,
        sb: Sandbox,
        label: str,
        *,
        streams: str,
        rps: float | None = None,
        state: Any = None,
        **kwargs: Any,
    ) -> RunResult:
        cfg = self.config_path(sb, rps)
        wanted = (
            (lambda n: n == "contacts") if streams == "contacts" else self.full_catalog_filter(sb)
        )
        catalog, chosen = select_streams(self.catalog(sb), wanted)
        cat_path = write_json(
            WORK / "cfg" / f"{self.key}-{sb.name}-{streams}-catalog.json", catalog
        )
        argv = [*self.argv, "--config", str(cfg), "--catalog", str(cat_path)]
        if state is not None:
            argv += [
                "--state",
                str(write_json(WORK / "cfg" / f"{self.key}-{label}-state.json", state)),
            ]
        sb.reset_stats()
        log(f"run {label} ({self.title}, {len(chosen)} streams)")
        res = run_measured(label, argv, log_file(label), **kwargs)
        res.server = sb.stats()
        log(
            f"  exit {res.exit_code}, {res.records:,} records, wall {res.wall:.1f}s, "
            f"cpu {res.cpu:.2f}s, rss {res.maxrss_mb:.0f} MB, requests {res.server.get('total')}"
        )
        if res.exit_code != 0:
            log(f"  stderr tail:\n{res.log_tail()}")
        res.selected = chosen  # type: ignore[attr-defined]
        return res


class OurTap(TapSide):
    def __init__(self) -> None:
        super().__init__(
            "ours", "ours (tap-activecampaign, this repo)", [console_script("tap-activecampaign")]
        )

    def config(self, sb: Sandbox, rps: float | None) -> dict:
        return {
            "api_url": sb.api_url,
            "api_token": sb.token,
            "start_date": START_DATE,
            "requests_per_second": rps or 5.0,
        }


class PeerTap(TapSide):
    def __init__(self, python: Path) -> None:
        super().__init__(
            "singerio",
            "singer-io tap-activecampaign 1.3.1",
            # -I: isolated, so neither the cwd nor PYTHONPATH can shadow the peer's package
            # with this repo's tap_activecampaign (same import name).
            [str(python), "-I", str(BENCH_DIR / "peer_singerio.py")],
        )
        self.python = python
        self._paths: dict[str, str] | None = None
        self.unserved: dict[str, dict[str, str]] = {}

    def config(self, sb: Sandbox, rps: float | None) -> dict:
        # The peer appends /api/3 itself and has a fixed client-side limit of 5 requests/s.
        return {
            "api_url": sb.base,
            "api_token": sb.token,
            "start_date": START_DATE,
            "user_agent": "activecampaign-singer-bench",
        }

    def stream_paths(self) -> dict[str, str]:
        if self._paths is None:
            code = (
                "import json; from tap_activecampaign.streams import STREAMS;"
                "print(json.dumps({k: v.path for k, v in STREAMS.items()}))"
            )
            out = subprocess.run(
                [str(self.python), "-I", "-c", code], capture_output=True, text=True, check=True
            )
            self._paths = json.loads(out.stdout)
        return self._paths

    def full_catalog_filter(self, sb: Sandbox) -> Callable[[str], bool]:
        """Every peer stream whose first request the sandbox answers.

        The peer aborts its whole run on any 4xx, so a stream the API refuses (a plan without
        the feature) is deselected and reported.
        """
        if sb.name not in self.unserved:
            refused: dict[str, str] = {}
            order_id = None
            for name, path in sorted(self.stream_paths().items()):
                if "{}" in path:
                    continue
                status, body = probe(sb, path)
                if status >= 400:
                    refused[name] = f"{path}: HTTP {status}"
                if path == "ecomOrders" and isinstance(body, dict) and body.get("ecomOrders"):
                    order_id = body["ecomOrders"][0].get("id")
            for name, path in self.stream_paths().items():
                if "{}" in path:
                    status, _ = probe(sb, path.format(order_id or 1))
                    if status >= 400:
                        refused[name] = f"{path}: HTTP {status}"
            self.unserved[sb.name] = refused
            if refused:
                log(f"  peer streams deselected (sandbox refuses their request): {refused}")
        skip = set(self.unserved[sb.name])
        return lambda name: name not in skip


# Endpoints that serve the peer's data under another route in our tap.
SAME_DATA = {
    "GET /": ("GET /users/me",),  # the token check
    "GET /ecomOrders/{id}/orderProducts": ("GET /ecomOrderProducts",),  # per order vs account-wide
    "GET /fields": ("GET /fields", "GET /fieldOptions", "GET /fieldRels"),  # one route, 3 streams
}


def same_data_requests(ours: dict[str, int], peer: dict[str, int]) -> int:
    """Our requests to the routes (or their equivalents) the peer reads: the same data."""
    routes: set[str] = set()
    for route in peer:
        routes.update(SAME_DATA.get(route, (route,)))
    return sum(n for route, n in ours.items() if route in routes)


def probe(sb: Sandbox, path: str) -> tuple[int, Any]:
    # The same request the peer sends first (offset/limit, and `after` for activities).
    req = urllib.request.Request(
        f"{sb.api_url}/{path}?offset=0&limit=1"
        + ("&after=2000-01-01T00:00:00Z" if path == "activities" else ""),
        headers={"Api-Token": sb.token, "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, None


# -- figures -------------------------------------------------------------------------------


def ratio(ours: float | None, peer: float | None) -> float | None:
    if ours is None or peer in (None, 0):
        return None
    return ours / peer  # type: ignore[operator]


def per_cpu(res: RunResult, stream: str | None = None) -> float | None:
    n = res.counts.get(stream, 0) if stream else res.records
    return n / res.cpu if res.cpu > 0 else None


def sustained_rate(res: RunResult, stream: str = "contacts") -> float | None:
    """Records after the first page over the time between the first and last record."""
    n = res.counts.get(stream, 0)
    if n <= PAGE or stream not in res.first_ts:
        return None
    span = res.last_ts[stream] - res.first_ts[stream]
    return (n - PAGE) / span if span > 0 else None


def route_count(server: dict, *needles: str) -> int:
    total = 0
    for route, n in (server.get("by_route") or {}).items():
        if any(
            route == nd or route.startswith(nd + " ") or route.startswith(nd + "?")
            for nd in needles
        ):
            total += n
    return total


def summarize_run(res: RunResult) -> dict:
    return {
        "label": res.label,
        "exit_code": res.exit_code,
        "records": res.records,
        "counts": dict(res.counts),
        "wall_s": round(res.wall, 3),
        "cpu_s": round(res.cpu, 3),
        "user_s": round(res.user, 3),
        "sys_s": round(res.sys, 3),
        "maxrss_mb": round(res.maxrss_mb, 1),
        "requests": res.server.get("total"),
        "by_route": res.server.get("by_route"),
        "by_status": res.server.get("by_status"),
        "rate_limited": res.server.get("rate_limited"),
        "faults": res.server.get("faults"),
        "selected_streams": len(getattr(res, "selected", []) or []),
    }


class Bench:
    def __init__(self, scale: float, skip_peer: bool, only: set[str] | None) -> None:
        self.scale = scale
        self.skip_peer = skip_peer
        self.only = only
        self.results: dict[str, Any] = {"sections": {}, "errors": {}, "notes": []}
        self.lost: list[str] = []
        self.ours = OurTap()
        self.peer: PeerTap | None = None
        n = lambda x: max(200, int(x * scale))  # noqa: E731
        self.sizes = {
            "catalog_contacts": n(5000),
            "latency_contacts": n(4000),
            "rss_small": n(10_000),
            "rss_large": n(100_000),
            "load_contacts": n(10_000),
            "baseline_contacts": max(50, int(500 * scale)),
            "target_rss_large": n(100_000),
            "shared_limit_contacts": max(1000, int(4000 * scale)),
        }
        self.results["sizes"] = self.sizes

    def want(self, section: str) -> bool:
        return self.only is None or section in self.only

    def section(self, name: str, fn: Callable[[], dict]) -> None:
        if not self.want(name):
            return
        started = time.monotonic()
        try:
            self.results["sections"][name] = fn()
        except Exception as exc:  # a broken piece must not hide the other figures
            log(f"section {name} failed: {exc}")
            self.results["errors"][name] = (
                f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-2000:]}"
            )
        log(f"section {name} took {time.monotonic() - started:.0f}s")

    def check_complete(self, res: RunResult, stream: str, expected: int, who: str) -> None:
        got = res.counts.get(stream, 0)
        if got != expected:
            msg = (
                f"{res.label}: {who} emitted {got:,} {stream} records, the sandbox has {expected:,}"
            )
            log("  " + msg)
            if who == "ours":
                self.lost.append(msg)
            else:
                self.results["notes"].append(msg)

    # 1 + 3: full catalog (records per CPU-second, requests), then an incremental run
    def catalog_and_incremental(self) -> dict:
        n = self.sizes["catalog_contacts"]
        out: dict[str, Any] = {"contacts": n}
        with bench_sandbox(n, name="sb-catalog") as sb:
            ours_full = self.ours.run(
                sb, "ours-full-catalog", streams="all", rps=OURS_UNTHROTTLED_RPS
            )
            self.check_complete(ours_full, "contacts", n, "ours")
            out["ours_full"] = summarize_run(ours_full)
            if self.peer:
                peer_full = self.peer.run(sb, "peer-full-catalog", streams="all", timeout=3600)
                self.check_complete(peer_full, "contacts", n, "peer")
                out["peer_full"] = summarize_run(peer_full)
                out["peer_unserved_streams"] = self.peer.unserved.get(sb.name, {})
                out["peer_short_streams"] = self.peer_short_streams(sb, peer_full)
            if self.peer and ours_full.server.get("by_route") and peer_full.server.get("by_route"):
                out["ours_full_same_data_requests"] = same_data_requests(
                    ours_full.server["by_route"], peer_full.server["by_route"]
                )
            changed: dict[str, Any] = {}
            changed_ids: dict[str, set[str]] = {}
            for resource in ("contacts", "deals"):
                before = sb.resource_count(resource)
                reply = sb.mutate(resource, 0.01)
                ids = reply.get("ids") if isinstance(reply, dict) else None
                if not isinstance(ids, list):
                    raise RuntimeError(f"/__sandbox/mutate answered {str(reply)[:200]}")
                changed_ids[resource] = {str(x) for x in ids}
                changed[resource] = len(ids)
                changed[resource + "_total"] = before
            out["changed"] = changed
            log(f"  mutated: {changed}")
            runs = [("ours", self.ours, ours_full)]
            if self.peer:
                runs.append(("peer", self.peer, peer_full))
            for who, side, full in runs:
                inc = side.run(
                    sb,
                    f"{who}-incremental",
                    streams="all",
                    rps=OURS_UNTHROTTLED_RPS if who == "ours" else None,
                    state=full.last_state,
                    collect_keys=True,
                    timeout=3600,
                )
                out[f"{who}_incremental"] = summarize_run(inc)
                # Every changed contact and deal must come out of the incremental run.
                for resource, ids in changed_ids.items():
                    got = {key[1][0] for key in inc.keys if key[0] == resource}
                    missed = sorted(ids - got, key=lambda x: int(x) if x.isdigit() else 0)
                    out[f"{who}_incremental"][f"missed_{resource}"] = len(missed)
                    if missed:
                        msg = (
                            f"{who}-incremental: {len(missed)} changed {resource} not emitted "
                            f"(e.g. ids {missed[:5]})"
                        )
                        log("  " + msg)
                        (self.lost if who == "ours" else self.results["notes"]).append(msg)
        return out

    def peer_short_streams(self, sb: Sandbox, run: RunResult) -> dict[str, dict]:
        """Peer streams of one account-wide endpoint that emitted fewer rows than it holds."""
        short: dict[str, dict] = {}
        assert self.peer is not None
        for name, path in self.peer.stream_paths().items():
            if "{" in path or name not in run.counts:
                continue
            held = sb.resource_count(path)
            if held is not None and run.counts[name] < held:
                short[name] = {"path": path, "emitted": run.counts[name], "held": held}
        if short:
            log(f"  peer streams short of the sandbox's rows: {short}")
        return short

    # 2: records/s at the rate limit, by latency
    def latency(self) -> dict:
        n = self.sizes["latency_contacts"]
        out: dict[str, Any] = {"contacts": n, "points": []}
        with bench_sandbox(n, rate=5, name="sb-rate5") as sb:
            for latency in LATENCIES:
                sb.configure(latency_ms=latency)
                point: dict[str, Any] = {"latency_ms": latency}
                sides: list[tuple[str, TapSide]] = [("ours", self.ours)]
                if self.peer:
                    sides.append(("peer", self.peer))
                for who, side in sides:
                    res = side.run(
                        sb, f"{who}-rate5-latency{latency}", streams="contacts", timeout=1800
                    )
                    self.check_complete(res, "contacts", n, who)
                    total = res.server.get("total") or 0
                    point[who] = {
                        **summarize_run(res),
                        "sustained_rps": sustained_rate(res),
                        "end_to_end_rps": res.counts.get("contacts", 0) / res.wall
                        if res.wall
                        else None,
                        "share_429": (res.server.get("rate_limited") or 0) / total
                        if total
                        else None,
                    }
                out["points"].append(point)
            sb.configure(latency_ms=0)
        return out

    # 1 (contacts) + 5: contacts only at two sizes, unthrottled; the big target load alongside
    def memory(self) -> dict:
        """Contacts-only tap runs at two sizes, both sides, with nothing else of ours running."""
        out: dict[str, Any] = {"points": []}
        for key in ("rss_small", "rss_large"):
            n = self.sizes[key]
            with bench_sandbox(n, name=f"sb-{key}") as sb:
                point: dict[str, Any] = {"contacts": n}
                # Ours takes a second or ten: run it OUR_CPU_RUNS times and keep the median
                # run, since one run's CPU time moves by a fifth with the machine's other load.
                runs = []
                for i in range(OUR_CPU_RUNS):
                    ours = self.ours.run(
                        sb, f"ours-contacts-{n}-{i}", streams="contacts", rps=OURS_UNTHROTTLED_RPS
                    )
                    self.check_complete(ours, "contacts", n, "ours")
                    runs.append(ours)
                runs.sort(key=lambda r: r.cpu)
                ours = runs[len(runs) // 2]
                point["ours"] = {
                    **summarize_run(ours),
                    "per_cpu_s": per_cpu(ours, "contacts"),
                    "per_cpu_s_runs": [per_cpu(r, "contacts") for r in runs],
                }
                if self.peer:
                    peer = self.peer.run(sb, f"peer-contacts-{n}", streams="contacts", timeout=3600)
                    self.check_complete(peer, "contacts", n, "peer")
                    point["peer"] = {**summarize_run(peer), "per_cpu_s": per_cpu(peer, "contacts")}
                out["points"].append(point)
        pts = out["points"]
        if len(pts) == 2:
            for who in ("ours", "peer"):
                a, b = pts[0].get(who), pts[1].get(who)
                if a and b and b["cpu_s"] > a["cpu_s"]:
                    out[f"{who}_marginal_per_cpu_s"] = (b["records"] - a["records"]) / (
                        b["cpu_s"] - a["cpu_s"]
                    )
        return out

    def target_large(self) -> dict:
        """The target loading 100k contacts into an unthrottled sandbox, for its peak RSS.

        Paced by the API's 100 bulk imports a minute (over 4 minutes), mostly waiting, so it
        runs beside the catalog runs; RSS is per process and unaffected by the company.
        """
        n = self.sizes["target_rss_large"]
        with bench_sandbox(200, name="sb-target-rss") as sb:
            fields, lists = datagen.sandbox_vocabulary(sb)
            path = datagen.write_input(
                WORK / "input" / f"rss-{n}.jsonl",
                datagen.messages(n, f"rss{n}-", fields, lists),
            )
            res = run_target(sb, f"ours-target-{n}", path, rps=OURS_TARGET_UNTHROTTLED_RPS)
            loaded = sum(
                1 for c in sb.resource("contacts") if str(c.get("email", "")).startswith(f"rss{n}-")
            )
        rejects = count_lines(WORK / "rejects" / f"ours-target-{n}.jsonl")
        if loaded + rejects < n:
            self.lost.append(
                f"ours-target-{n}: {n - loaded - rejects} contacts neither loaded nor rejected"
            )
        return {
            "points": [
                {
                    "contacts": n,
                    "ours": {
                        **summarize_run(res),
                        "contacts_per_s": n / res.wall if res.wall else None,
                        "loaded": loaded,
                        "rejected": rejects,
                    },
                }
            ]
        }

    # the account allows less than our configured pace: today's client vs the new one
    def shared_limit(self) -> dict:
        return shared_limit.run(self.ours, self.sizes["shared_limit_contacts"])

    # 4: loading contacts at the rate limit, ours vs one contact per request
    def load(self) -> dict:
        n = self.sizes["load_contacts"]
        nb = self.sizes["baseline_contacts"]
        out: dict[str, Any] = {"contacts": n, "baseline_contacts": nb}
        with bench_sandbox(200, rate=5, name="sb-load") as sb:
            fields, lists = datagen.sandbox_vocabulary(sb)
            out["custom_fields"] = sorted(fields)
            out["lists"] = lists
            before = sb.resource_count("contacts")
            ours_in = datagen.write_input(
                WORK / "input" / f"load-{n}.jsonl", datagen.messages(n, "load", fields, lists)
            )
            res = run_target(sb, "ours-load", ours_in, rps=5.0)
            after = sb.resource("contacts")
            loaded = sum(1 for c in after if str(c.get("email", "")).startswith("load"))
            rejects = count_lines(WORK / "rejects" / "ours-load.jsonl")
            if loaded + rejects < n:
                self.lost.append(
                    f"ours-load: {n - loaded - rejects} contacts neither loaded nor rejected"
                )
            out["ours"] = {
                **summarize_run(res),
                "contacts_per_s": n / res.wall if res.wall else None,
                "loaded": loaded,
                "rejected": rejects,
                "contact_requests": route_count(
                    res.server, "POST /import/bulk_import", "GET /import/info", "POST /contact/sync"
                ),
                "contacts_before": before,
            }
            base_in = datagen.write_input(
                WORK / "input" / f"baseline-{nb}.jsonl", datagen.messages(nb, "base", fields, lists)
            )
            sb.reset_stats()
            log(f"run baseline-load ({nb} contacts, one contact/sync each)")
            bres = run_measured(
                "baseline-load",
                [
                    sys.executable,
                    str(BENCH_DIR / "baseline_loader.py"),
                    "--api-url",
                    sb.api_url,
                    "--rps",
                    "5",
                ],
                log_file("baseline-load"),
                stdin_path=base_in,
                env={"BASELINE_API_TOKEN": sb.token},
                timeout=3600,
            )
            bres.server = sb.stats()
            log(
                f"  exit {bres.exit_code}, wall {bres.wall:.1f}s, "
                f"requests {bres.server.get('total')}"
            )
            out["baseline"] = {
                **summarize_run(bres),
                "contacts_per_s": nb / bres.wall if bres.wall else None,
                "contact_requests": route_count(bres.server, "POST /contact/sync"),
            }
        return out


def count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as fh:
        return sum(1 for line in fh if line.strip())


def run_target(sb: Sandbox, label: str, input_path: Path, *, rps: float) -> RunResult:
    rejects = WORK / "rejects" / f"{label}.jsonl"
    rejects.parent.mkdir(parents=True, exist_ok=True)
    if rejects.exists():
        rejects.unlink()
    cfg = write_json(
        WORK / "cfg" / f"target-{label}.json",
        {
            "api_url": sb.api_url,
            "api_token": sb.token,
            "requests_per_second": rps,
            "rejects_file": str(rejects),
        },
    )
    sb.reset_stats()
    log(f"run {label} (ours target, {count_lines(input_path) - 2:,} records)")
    res = run_measured(
        label,
        [console_script("target-activecampaign"), "--config", str(cfg)],
        log_file(label),
        stdin_path=input_path,
        timeout=3600,
    )
    res.server = sb.stats()
    log(
        f"  exit {res.exit_code}, wall {res.wall:.1f}s, cpu {res.cpu:.2f}s, "
        f"rss {res.maxrss_mb:.0f} MB, "
        f"requests {res.server.get('total')}"
    )
    if res.exit_code != 0:
        log(f"  stderr tail:\n{res.log_tail()}")
    return res


def main() -> int:
    parser = argparse.ArgumentParser(description="ActiveCampaign connector benchmarks")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated sections")
    parser.add_argument("--results", default=str(BENCH_DIR / "RESULTS.md"))
    args = parser.parse_args()
    started = time.monotonic()
    bench = Bench(args.scale, args.skip_peer, set(args.only.split(",")) if args.only else None)
    bench.results["machine"] = machine_description()
    bench.results["ours_unthrottled_rps"] = OURS_UNTHROTTLED_RPS
    if not args.skip_peer:
        peer_python = ensure_venv("singerio", [PEER_TAP_REQUIREMENT])
        bench.peer = PeerTap(peer_python)
        bench.results["peer_version"] = pip_version(peer_python, "tap-activecampaign")
    plot_python = ensure_venv("plot", PLOT_REQUIREMENTS)
    # Wall-clock figures (2, 4) and the contacts-only CPU/RSS runs (1, 5) run alone; then the
    # full-catalog runs (1, 3) share the machine with the target's long, mostly idle 100k load
    # (5: peak RSS only), which is paced by the API's bulk-import limit.
    bench.section("latency", bench.latency)
    bench.section("load", bench.load)
    bench.section("shared_limit", bench.shared_limit)
    bench.section("audience", lambda: audience.measure(bench.scale))  # tag mirror at --rate 5
    bench.section("memory", bench.memory)
    side = threading.Thread(
        target=bench.section, args=("target_memory", bench.target_large), daemon=True
    )
    side.start()
    bench.section("catalog", bench.catalog_and_incremental)
    side.join()
    bench.section(
        "capture", lambda: capture.run(bench.ours, bench.peer, capture.sizes_for(bench.scale))
    )
    # Many accounts at once (the accounts DAG's fan-out), alone on the machine.
    bench.section("fanout", lambda: fanout.measure(contacts=max(100, int(5_000 * args.scale))))
    # dbt build of the warehouse models on a grown 100,000-contact DuckDB warehouse.
    dbt_contacts = max(2_000, int(100_000 * args.scale))
    bench.section("dbt_build", lambda: dbt_build.measure(contacts=dbt_contacts))
    bench.results["lost"] = bench.lost
    bench.results["duration_s"] = round(time.monotonic() - started, 1)
    results_json = write_json(BENCH_DIR / "results.json", bench.results)
    plot = subprocess.run(
        [
            str(plot_python),
            str(BENCH_DIR / "plots.py"),
            str(results_json),
            str(BENCH_DIR / "plots"),
        ],
        check=False,
    )
    if plot.returncode != 0:
        bench.results["errors"]["plots"] = "plots.py failed (see output above)"
    capture_plot = [str(BENCH_DIR / "capture_plot.py"), str(results_json), str(BENCH_DIR / "plots")]
    if subprocess.run([str(plot_python), *capture_plot], check=False).returncode != 0:
        bench.results["errors"]["capture_plot"] = "capture_plot.py failed (see output above)"
    from benchmarks.report import write_report

    text = write_report(bench.results, Path(args.results))
    fanout.append_report(bench.results["sections"].get("fanout"), Path(args.results))
    text += fanout.markdown(bench.results["sections"].get("fanout"))
    dbt_build.append_report(bench.results["sections"].get("dbt_build"), Path(args.results))
    text += dbt_build.markdown(bench.results["sections"].get("dbt_build"))
    print(text)
    log(f"wrote {args.results} in {time.monotonic() - started:.0f}s")
    if bench.lost:
        print("\nRECORDS LOST:\n  " + "\n  ".join(bench.lost), file=sys.stderr)
        return 1
    if bench.results["errors"]:
        print("\nSECTIONS FAILED: " + ", ".join(bench.results["errors"]), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
