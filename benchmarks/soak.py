"""`make soak`: does our tap or target lose a record under faults, throttling, kills, bad input?

    python -m benchmarks.soak [--contacts 1500] [--load 2000] [--seed 42]

Tap: the set of (stream, key, updated time) under `--fail 0.1`, under `--rate 5` with bursts of
429s, and over five SIGKILLs resumed from the last state, must equal a clean run's.
Target: under `--fail 0.1` every input record ends in the sandbox or the rejects file; a replay
changes nothing; each kind of bad input gets a clear error or reject and nothing else is lost.
Prints a summary (faults injected, retries, records lost, duplicates) and exits non-zero, loudly,
if any record is lost or any check fails.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from benchmarks import datagen
from benchmarks.workspace import WORK, bench_sandbox, log_file, select_streams, write_json
from orchestrate.harness import Sandbox, console_script
from orchestrate.runs import RunResult, log, run_measured

START_DATE = "2000-01-01T00:00:00Z"
RETRY_LINE = re.compile(r"retry \d+/\d+ in|: 429, waiting")


class Soak:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rnd = random.Random(args.seed)
        self.checks: list[tuple[str, bool, str]] = []
        self.faults = 0
        self.throttled = 0
        self.retries = 0
        self.lost = 0
        self.duplicates = 0  # within one uninterrupted run, or rows a replay added: must be 0
        self.resumed_again = 0  # records emitted again after a SIGKILL resume (at-least-once)
        self._catalog: dict | None = None

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append((name, ok, detail))
        log(f"{'PASS' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")
        return ok

    def count_server(self, stats: dict) -> None:
        self.faults += nfaults(stats)
        self.throttled += int(stats.get("rate_limited") or 0)

    @staticmethod
    def client_retries(res: RunResult) -> int:
        if not res.log_path or not res.log_path.exists():
            return 0
        text = res.log_path.read_text(errors="replace")
        return sum(1 for line in text.splitlines() if RETRY_LINE.search(line))

    @staticmethod
    def client_429s(res: RunResult) -> int:
        if not res.log_path or not res.log_path.exists():
            return 0
        return res.log_path.read_text(errors="replace").count(": 429, waiting")

    # -- tap ---------------------------------------------------------------------------------
    def tap_run(
        self,
        sb: Sandbox,
        label: str,
        *,
        rps: float,
        state: Any = None,
        kill_after: float | None = None,
    ) -> RunResult:
        cfg = write_json(
            WORK / "soak" / "tap-config.json",
            {
                "api_url": sb.api_url,
                "api_token": sb.token,
                "start_date": START_DATE,
                "requests_per_second": rps,
            },
        )
        if self._catalog is None:
            out = subprocess.run(
                [console_script("tap-activecampaign"), "--config", str(cfg), "--discover"],
                capture_output=True,
                text=True,
                check=True,
                timeout=300,
            )
            self._catalog, _ = select_streams(json.loads(out.stdout), lambda name: True)
        cat = write_json(WORK / "soak" / "tap-catalog.json", self._catalog)
        argv = [console_script("tap-activecampaign"), "--config", str(cfg), "--catalog", str(cat)]
        if state is not None:
            argv += ["--state", str(write_json(WORK / "soak" / f"{label}-state.json", state))]
        sb.reset_stats()
        res = run_measured(
            f"soak-{label}",
            argv,
            log_file(f"soak-{label}"),
            collect_keys=True,
            kill_after=kill_after,
            timeout=900,
        )
        res.server = sb.stats()
        self.count_server(res.server)
        self.retries += self.client_retries(res)
        res.throttled_seen = self.client_429s(res)  # type: ignore[attr-defined]
        log(
            f"  {label}: exit {res.exit_code}{' (SIGKILL)' if res.killed else ''}, "
            f"{res.records:,} records, "
            f"{res.wall:.1f}s, requests {res.server.get('total')}, "
            f"faults {res.server.get('faults')}, "
            f"429s {res.server.get('rate_limited')}"
        )
        if res.exit_code != 0 and not res.killed:
            log(f"  stderr tail:\n{res.log_tail()}")
        return res

    def compare(self, name: str, clean: set, got: list[tuple], resumed: bool = False) -> None:
        seen = set(got)
        missing = clean - seen
        extra = seen - clean
        dups = len(got) - len(seen)
        self.lost += len(missing)
        if resumed:
            self.resumed_again += dups
        else:
            self.duplicates += dups
        detail = (
            f"{len(seen):,} distinct of {len(clean):,}, missing {len(missing)}, "
            f"unexpected {len(extra)}, duplicates {dups}"
        )
        if missing:
            detail += f"; e.g. missing {sorted(missing)[:3]}"
        if extra:
            detail += f"; e.g. unexpected {sorted(extra)[:3]}"
        self.check(name, not missing and not extra and (resumed or not dups), detail)

    def tap(self) -> None:
        n = self.args.contacts
        with bench_sandbox(n, seed=self.args.seed, name="soak-tap") as sb:
            log("tap: clean run")
            clean_run = self.tap_run(sb, "tap-clean", rps=50)
            self.check(
                "tap clean run exits 0", clean_run.exit_code == 0, f"exit {clean_run.exit_code}"
            )
            clean = set(clean_run.keys)
            if len(clean) != len(clean_run.keys):
                log(
                    f"  note: the clean run itself emitted "
                    f"{len(clean_run.keys) - len(clean)} duplicates"
                )
            log(f"  clean: {len(clean):,} distinct records in {len(clean_run.counts)} streams")

            log("tap: --fail 0.1")
            sb.configure(fail=0.1)
            res = self.tap_run(sb, "tap-fail", rps=50)
            sb.configure(fail=0.0)
            self.check("tap under --fail 0.1 exits 0", res.exit_code == 0, f"exit {res.exit_code}")
            self.check(
                "faults were injected",
                nfaults(res.server) > 0,
                str(res.server.get("faults")),
            )
            self.compare("tap under --fail 0.1 = clean run", clean, res.keys)

            log("tap: --rate 5 with bursts of 429 from a noisy neighbour on the same account")
            sb.configure(rate=5)
            stop = threading.Event()
            burst = threading.Thread(
                target=noisy_neighbour, args=(sb, stop, self.rnd.random()), daemon=True
            )
            burst.start()
            res = self.tap_run(sb, "tap-rate5-bursts", rps=5)
            stop.set()
            burst.join(10)
            sb.configure(rate=0)
            self.check(
                "tap at --rate 5 with bursts exits 0", res.exit_code == 0, f"exit {res.exit_code}"
            )
            self.check(
                "the tap met 429s and waited them out",
                res.throttled_seen > 0,  # type: ignore[attr-defined]
                f"{res.throttled_seen} 429s in the tap's log, "  # type: ignore[attr-defined]
                f"{res.server.get('rate_limited')} served in all (tap and neighbour)",
            )
            self.compare("tap at --rate 5 with 429 bursts = clean run", clean, res.keys)

            log("tap: SIGKILL at random points five times, resuming from the last state")
            sb.configure(latency_ms=self.args.kill_latency_ms)
            probe = self.tap_run(sb, "tap-kill-timing", rps=50)
            span = probe.wall
            # A resumed run can finish before its kill point; it then closes a chain of runs
            # (whose union must equal the clean run) and the next kill starts a fresh chain.
            chains: list[list[tuple]] = []
            union: list[tuple] = []
            state = None
            kills = attempts = 0
            while kills < 5 and attempts < 12:
                attempts += 1
                at = self.rnd.uniform(0.1, 0.7) * span
                res = self.tap_run(sb, f"tap-kill-{attempts}", rps=50, state=state, kill_after=at)
                union.extend(res.keys)
                if res.killed:
                    kills += 1
                    state = res.last_state if res.last_state is not None else state
                    log(
                        f"  killed at {at:.1f}s of ~{span:.1f}s; resumes from "
                        + (json.dumps(state)[:120] if state else "the start (no state yet)")
                    )
                else:
                    log(f"  finished before the kill at {at:.1f}s; next kill starts a new chain")
                    self.check(f"run {attempts} (resumed) exits 0", res.exit_code == 0)
                    chains.append(union)
                    union, state = [], None
            final = self.tap_run(sb, "tap-kill-final", rps=50, state=state)
            union.extend(final.keys)
            chains.append(union)
            sb.configure(latency_ms=0)
            self.check(
                "five SIGKILLs landed mid-run",
                kills == 5,
                f"{kills} kills in {attempts} runs",
            )
            self.check("resumed run finishes", final.exit_code == 0, f"exit {final.exit_code}")
            for n, chain in enumerate(chains, 1):
                label = "" if len(chains) == 1 else f" (chain {n} of {len(chains)})"
                self.compare(
                    f"union over the SIGKILLed runs + resume = clean run{label}",
                    clean,
                    chain,
                    resumed=True,
                )

    # -- target --------------------------------------------------------------------------------
    def target_run(self, sb: Sandbox, label: str, input_path: Path) -> tuple[RunResult, Path]:
        rejects = WORK / "soak" / f"{label}-rejects.jsonl"
        if rejects.exists():
            rejects.unlink()
        cfg = write_json(
            WORK / "soak" / f"{label}-target.json",
            {
                "api_url": sb.api_url,
                "api_token": sb.token,
                "requests_per_second": 20,
                "rejects_file": str(rejects),
            },
        )
        sb.reset_stats()
        res = run_measured(
            f"soak-{label}",
            [console_script("target-activecampaign"), "--config", str(cfg)],
            log_file(f"soak-{label}"),
            stdin_path=input_path,
            timeout=900,
        )
        res.server = sb.stats()
        self.count_server(res.server)
        self.retries += self.client_retries(res)
        log(
            f"  {label}: exit {res.exit_code}, {res.wall:.1f}s, "
            f"requests {res.server.get('total')}, "
            f"faults {res.server.get('faults')}, rejects {len(read_rejects(rejects))}"
        )
        return res, rejects

    def target(self) -> None:
        m = self.args.load
        with bench_sandbox(100, seed=self.args.seed, name="soak-target") as sb:
            fields, lists = datagen.sandbox_vocabulary(sb)
            msgs = list(datagen.messages(m, "soak", fields, lists, seed=self.args.seed))
            path = datagen.write_input(WORK / "soak" / "target-input.jsonl", msgs)
            records = [x["record"] for x in msgs if x["type"] == "RECORD"]
            log(f"target: loading {m:,} contacts under --fail 0.1")
            sb.configure(fail=0.1)
            res, rejects_path = self.target_run(sb, "target-fail", path)
            self.check(
                "faults were injected into the load",
                nfaults(res.server) > 0,
                str(res.server.get("faults")),
            )
            snap = Snapshot(sb)
            rejected = rejected_emails(read_rejects(rejects_path))
            missing, wrong = snap.verify(records, rejected)
            self.lost += len(missing) + len(wrong)
            self.check(
                "every input record is in the sandbox or the rejects file",
                not missing and not wrong,
                f"{m - len(rejected) - len(missing) - len(wrong):,} loaded and complete, "
                f"{len(rejected)} rejected, "
                f"{len(missing)} missing, {len(wrong)} incomplete"
                + (f"; e.g. {(missing + wrong)[:3]}" if missing or wrong else ""),
            )
            self.check(
                "target run exit code reflects rejects",
                (res.exit_code != 0) == bool(rejected),
                f"exit {res.exit_code}, {len(rejected)} rejected",
            )
            log("target: replaying the same input (faults still on)")
            before = snap.fingerprint()
            self.target_run(sb, "target-replay", path)
            after = Snapshot(sb).fingerprint()
            diff = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            dup = sum(
                max(0, a - b) for b, a in ((before[k]["rows"], after[k]["rows"]) for k in before)
            )
            self.duplicates += dup
            self.check(
                "replay leaves the sandbox unchanged",
                not diff,
                "identical"
                if not diff
                else "changed: "
                + ", ".join(f"{k} rows {v[0]['rows']}->{v[1]['rows']}" for k, v in diff.items()),
            )
            sb.configure(fail=0.0)
            self.bad_input(sb, fields, lists)

    def bad_input(self, sb: Sandbox, fields: dict, lists: list[str]) -> None:
        log("target: bad input, one case at a time, each between good records")
        rnd = random.Random(self.args.seed)
        schema = {
            "type": "SCHEMA",
            "stream": "contacts",
            "schema": datagen.CONTACT_SCHEMA,
            "key_properties": ["email"],
        }

        def good(tag: str, k: int) -> list[dict]:
            return [
                {
                    "type": "RECORD",
                    "stream": "contacts",
                    "record": datagen.contact_record(i, f"bad-{tag}-ok", fields, lists, rnd),
                }
                for i in range(k)
            ]

        def rec(r: dict) -> dict:
            return {"type": "RECORD", "stream": "contacts", "record": r}

        base = {"first_name": "Bad", "last_name": "Input"}
        cases: list[dict[str, Any]] = [
            {
                "name": "malformed JSON line",
                "lines": [
                    schema,
                    *good("json", 3),
                    '{"type": "RECORD", "stream": "contacts", "record": {"email": ',
                    *good("json2", 3),
                ],
                "expect": "stop",
                "needle": "line 5",
            },
            {
                "name": "record missing the required email",
                "lines": [
                    schema,
                    *good("noemail", 3),
                    rec({**base, "phone": "+15550001"}),
                    *good("noemail2", 3),
                ],
                "expect": "reject",
                "needle": "+15550001",
            },
            {
                "name": "wrong types",
                "lines": [
                    schema,
                    *good("types", 3),
                    rec(
                        {
                            "email": "wrongtype1@bench.example.com",
                            "first_name": ["not", "a", "string"],
                        }
                    ),
                    rec({"email": "wrongtype2@bench.example.com", "tags": "not-a-list"}),
                    *good("types2", 3),
                ],
                "expect": "reject",
                "needle": "wrongtype",
                "bad_count": 2,
            },
            {
                "name": "invalid emails",
                "lines": [
                    schema,
                    *good("email", 3),
                    rec({**base, "email": "not-an-email"}),
                    rec({**base, "email": "two@@bench.example.com"}),
                    rec({**base, "email": "sp ace@bench.example.com"}),
                    *good("email2", 3),
                ],
                "expect": "reject",
                "needle": "not-an-email",
                "bad_count": 3,
            },
            {
                "name": "oversized values",
                "lines": [
                    schema,
                    *good("big", 3),
                    rec({"email": "oversized@bench.example.com", "first_name": "x" * 100_000}),
                    *good("big2", 3),
                ],
                "expect": "reject",
                "needle": "oversized@bench.example.com",
            },
            {
                "name": "unknown stream",
                # The unknown stream comes first: the target must refuse it before writing.
                "lines": [
                    {
                        "type": "SCHEMA",
                        "stream": "no_such_object",
                        "schema": {"type": "object", "properties": {"id": {"type": "string"}}},
                        "key_properties": ["id"],
                    },
                    {"type": "RECORD", "stream": "no_such_object", "record": {"id": "1"}},
                    schema,
                    *good("stream", 3),
                ],
                "expect": "error_before_write",
                "needle": "no_such_object",
            },
            {
                "name": "schema changes mid-stream",
                "lines": [
                    schema,
                    *good("schema", 3),
                    {
                        "type": "SCHEMA",
                        "stream": "contacts",
                        "key_properties": ["email"],
                        "schema": {
                            **datagen.CONTACT_SCHEMA,
                            "properties": {
                                **datagen.CONTACT_SCHEMA["properties"],
                                "phone": {"type": ["integer", "null"]},
                                "nickname": {"type": ["string", "null"]},
                            },
                        },
                    },
                    rec(
                        {
                            "email": "schema-v2@bench.example.com",
                            "first_name": "Vee",
                            "phone": 15550002,
                            "nickname": "v2",
                        }
                    ),
                    # records after the change follow the new schema (an integer phone)
                    *[
                        {**m, "record": {**m["record"], "phone": int(m["record"]["phone"][1:])}}
                        for m in good("schema2", 3)
                    ],
                ],
                "expect": "any",
                "needle": "schema-v2@bench.example.com",
            },
        ]
        for case in cases:
            name = case["name"]
            path = WORK / "soak" / f"bad-{re.sub(r'[^a-z]+', '-', name)}.jsonl"
            with path.open("w") as fh:
                for line in case["lines"]:
                    fh.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
            before = Snapshot(sb).emails()
            res, rejects_path = self.target_run(sb, f"bad-{re.sub(r'[^a-z]+', '-', name)}", path)
            rejects = read_rejects(rejects_path)
            stderr = res.log_path.read_text(errors="replace") if res.log_path else ""
            after = Snapshot(sb).emails()
            goods = [
                x["record"]["email"]
                for x in case["lines"]
                if isinstance(x, dict)
                and x.get("type") == "RECORD"
                and "-ok" in str(x["record"].get("email", ""))
            ]
            rejected_text = "\n".join(json.dumps(r) for r in rejects)
            if case["expect"] == "stop":
                before_bad = goods[:3]
                lost = [e for e in before_bad if e.lower() not in after]
                said = re.search(r"line\D{0,3}5\b", stderr, re.IGNORECASE) is not None
                ok = res.exit_code != 0 and said and not lost
                detail = (
                    f"exit {res.exit_code}; message gives the line number (5): {said}; "
                    f"records before it loaded: {3 - len(lost)}/3 (records after a malformed "
                    "line are not read: "
                    "the run stops, as documented)"
                )
                self.lost += len(lost)
            elif case["expect"] == "error_before_write":
                written = sorted(after - before)
                ok = res.exit_code != 0 and case["needle"] in stderr and not written
                detail = (
                    f"exit {res.exit_code}; message names the stream: {case['needle'] in stderr}; "
                    f"contacts written before the error: {len(written)}"
                )
            else:
                lost = [e for e in goods if e.lower() not in after]
                self.lost += len(lost)
                named = case["needle"] in rejected_text or case["needle"] in stderr
                n_bad = case.get("bad_count", 1)
                if case["expect"] == "reject":
                    ok = (
                        named
                        and not lost
                        and len(rejects) >= n_bad
                        and all(r.get("reason") for r in rejects)
                    )
                else:  # schema change: the new-shape record is loaded, or rejected/named
                    loaded_new = case["needle"] in after
                    ok = not lost and (loaded_new or named)
                detail = (
                    f"exit {res.exit_code}; {len(rejects)} rejects, naming the record: {named}; "
                    f"good records lost: {len(lost)}"
                )
                if rejects:
                    detail += f"; first reason: {str(rejects[0].get('reason'))[:120]!r}"
                elif res.exit_code != 0:
                    last = stderr.strip().splitlines()[-1][:160] if stderr.strip() else ""
                    detail += f"; stderr: {last!r}"
            self.check(f"bad input: {name}", ok, detail)

    def summary(self) -> int:
        failed = [c for c in self.checks if not c[1]]
        print()
        print("=" * 72)
        print("SOAK SUMMARY")
        print(f"  faults injected (sandbox)  : {self.faults}")
        print(f"  429s served (sandbox)      : {self.throttled}")
        print(f"  retries (client logs)      : {self.retries}")
        print(f"  records lost               : {self.lost}")
        print(f"  duplicates                 : {self.duplicates}")
        print(
            f"  re-emitted after a resume  : {self.resumed_again} (at-least-once after SIGKILL: "
            "records since the last state come again)"
        )
        print(
            f"  checks                     : {len(self.checks) - len(failed)} passed, "
            f"{len(failed)} failed"
        )
        for name, ok, detail in self.checks:
            print(f"  [{'PASS' if ok else 'FAIL'}] {name}: {detail}")
        print("=" * 72)
        if self.lost:
            print(f"\n!!! {self.lost} RECORD(S) LOST !!!\n", file=sys.stderr)
            return 1
        if failed:
            print(f"\n!!! {len(failed)} CHECK(S) FAILED !!!\n", file=sys.stderr)
            return 1
        return 0


def nfaults(stats: dict) -> int:
    """Injected faults in a stats snapshot (a dict by kind, or a plain count)."""
    faults = stats.get("faults") or 0
    return sum(faults.values()) if isinstance(faults, dict) else int(faults)


def noisy_neighbour(sb: Sandbox, stop: threading.Event, jitter: float) -> None:
    """Another client of the same account that bursts every few seconds: the tap gets 429s."""
    url = f"{sb.api_url}/users/me"
    time.sleep(1.0 + jitter)
    sent = 0
    while not stop.is_set() and sent < 400:
        for _ in range(12):
            req = urllib.request.Request(url, headers={"Api-Token": sb.token})
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:
                    resp.read()
            except (urllib.error.URLError, OSError):
                pass
            sent += 1
        stop.wait(3.0)


def read_rejects(path: Path) -> list[dict]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"unparsed": line})
    return out


def rejected_emails(rejects: list[dict]) -> set[str]:
    emails = set()
    for r in rejects:
        rec = r.get("record") or {}
        if isinstance(rec, dict) and rec.get("email"):
            emails.add(str(rec["email"]).lower())
    return emails


class Snapshot:
    """What the sandbox holds for contacts, their tags, lists and field values."""

    def __init__(self, sb: Sandbox) -> None:
        self.sb = sb
        self.contacts = sb.resource("contacts")
        self.tags = {str(t["id"]): str(t.get("tag")) for t in sb.resource("tags")}
        self.lists = {str(x["id"]): x for x in sb.resource("lists")}
        self.contact_tags = sb.resource("contactTags")
        self.contact_lists = sb.resource("contactLists")
        self.field_values = sb.resource("fieldValues")
        self.fields = {str(f["id"]): f for f in sb.resource("fields")}

    def emails(self) -> set[str]:
        return {str(c.get("email", "")).lower() for c in self.contacts}

    def fingerprint(self) -> dict[str, dict]:
        def fp(rows: list[dict], keys: tuple[str, ...]) -> dict:
            return {
                "rows": len(rows),
                "content": sorted(tuple(str(r.get(k)) for k in keys) for r in rows),
            }

        return {
            "contacts": fp(self.contacts, ("id", "email", "firstName", "lastName", "phone")),
            "tags": fp(list({"id": k, "tag": v} for k, v in self.tags.items()), ("id", "tag")),
            "contactTags": fp(self.contact_tags, ("contact", "tag")),
            "contactLists": fp(self.contact_lists, ("contact", "list", "status")),
            "fieldValues": fp(self.field_values, ("contact", "field", "value")),
        }

    def verify(self, records: list[dict], rejected: set[str]) -> tuple[list[str], list[str]]:
        by_email = {str(c.get("email", "")).lower(): c for c in self.contacts}
        tags_of: dict[str, set[str]] = {}
        for ct in self.contact_tags:
            tags_of.setdefault(str(ct.get("contact")), set()).add(
                self.tags.get(str(ct.get("tag")), "?")
            )
        lists_of: dict[str, set[str]] = {}
        for cl in self.contact_lists:
            if str(cl.get("status")) == "1":
                lst = self.lists.get(str(cl.get("list")), {})
                lists_of.setdefault(str(cl.get("contact")), set()).update(
                    {str(cl.get("list")), str(lst.get("name"))}
                )
        values: dict[str, dict[str, str]] = {}
        for fv in self.field_values:
            f = self.fields.get(str(fv.get("field")), {})
            values.setdefault(str(fv.get("contact")), {})[str(f.get("perstag"))] = str(
                fv.get("value")
            )
        missing, wrong = [], []
        for r in records:
            email = r["email"].lower()
            if email in rejected:
                continue
            c = by_email.get(email)
            if c is None:
                missing.append(email)
                continue
            cid = str(c["id"])
            problems = []
            if r.get("first_name") and c.get("firstName") != r["first_name"]:
                problems.append("firstName")
            if r.get("last_name") and c.get("lastName") != r["last_name"]:
                problems.append("lastName")
            if not set(r.get("tags") or []) <= tags_of.get(cid, set()):
                problems.append("tags")
            if not {str(x) for x in r.get("lists") or []} <= lists_of.get(cid, set()):
                problems.append("lists")
            for tag, val in (r.get("custom_fields") or {}).items():
                if values.get(cid, {}).get(tag) != str(val):
                    problems.append(f"field {tag}")
            if problems:
                wrong.append(f"{email} ({', '.join(problems)})")
        return missing, wrong


def main() -> int:
    parser = argparse.ArgumentParser(description="reliability soak for the tap and the target")
    parser.add_argument("--contacts", type=int, default=1500, help="sandbox size for the tap soak")
    parser.add_argument("--load", type=int, default=5000, help="contacts loaded in the target soak")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--kill-latency-ms", type=int, default=20)
    parser.add_argument("--only", choices=("tap", "target"), default=None)
    args = parser.parse_args()
    log(f"soak: seed {args.seed} (rerun with --seed {args.seed} to repeat the same kill points)")
    soak = Soak(args)
    started = time.monotonic()
    for part in ("tap", "target"):
        if args.only and part != args.only:
            continue
        try:
            getattr(soak, part)()
        except Exception as exc:
            soak.check(f"{part} soak ran to the end", False, f"{type(exc).__name__}: {exc}")
    log(f"soak took {time.monotonic() - started:.0f}s")
    return soak.summary()


if __name__ == "__main__":
    sys.exit(main())
