"""The load-side baseline: upsert one contact per `POST /contact/sync` request.

This is what a simple connector does, and what the target's bulk path is measured against. It
reads the same Singer input as the target, resolves custom fields once (`GET /fields`), then sends
one `contact/sync` per record at the account's rate limit, honouring `Retry-After` and retrying
5xx. `contact/sync` cannot set tags or lists, so this baseline skips them: a real one-at-a-time
connector would need at least one more request per tag and list, so the baseline is generous.

Usage: BASELINE_API_TOKEN=... python baseline_loader.py --api-url URL [--rps 5] < input.jsonl
Prints one JSON summary line on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import requests


class Pacer:
    """Even spacing at `rps` requests per second; a 429's Retry-After pushes the next slot."""

    def __init__(self, rps: float) -> None:
        self.interval = 1.0 / rps if rps > 0 else 0.0
        self.next = 0.0

    def wait(self) -> None:
        now = time.monotonic()
        slot = max(now, self.next)
        self.next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)

    def pause(self, seconds: float) -> None:
        self.next = max(self.next, time.monotonic() + seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-url", required=True, help="e.g. http://127.0.0.1:PORT/api/3")
    parser.add_argument("--rps", type=float, default=5.0)
    parser.add_argument("--max-retries", type=int, default=8)
    args = parser.parse_args()
    token = os.environ.get("BASELINE_API_TOKEN", "")
    session = requests.Session()
    session.headers.update({"Api-Token": token, "Accept": "application/json"})
    pacer = Pacer(args.rps)
    stats = {"contacts": 0, "requests": 0, "retries": 0, "throttled": 0, "failed": 0}

    def call(method: str, path: str, **kwargs: object) -> requests.Response | None:
        for attempt in range(args.max_retries + 1):
            pacer.wait()
            stats["requests"] += 1
            try:
                resp = session.request(method, f"{args.api_url}/{path}", timeout=30, **kwargs)
            except requests.RequestException:
                stats["retries"] += 1
                time.sleep(min(8.0, 0.5 * 2**attempt))
                continue
            if resp.status_code == 429:
                stats["throttled"] += 1
                pacer.pause(float(resp.headers.get("Retry-After") or 1))
                continue
            if resp.status_code >= 500:
                stats["retries"] += 1
                time.sleep(min(8.0, 0.5 * 2**attempt))
                continue
            return resp
        return None

    # Custom fields by perstag, title and id, fetched once.
    fields: dict[str, str] = {}
    offset = 0
    while True:
        resp = call("GET", "fields", params={"limit": 100, "offset": offset})
        if resp is None or resp.status_code != 200:
            print(json.dumps({"error": "could not read fields"}))
            return 2
        body = resp.json()
        for f in body.get("fields", []):
            for key in (f.get("perstag"), f.get("title"), f.get("id")):
                if key:
                    fields[str(key).lower()] = str(f["id"])
        offset += 100
        if offset >= int((body.get("meta") or {}).get("total") or 0):
            break

    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        if msg.get("type") != "RECORD" or msg.get("stream") != "contacts":
            continue
        rec = msg["record"]
        contact: dict[str, object] = {"email": rec["email"]}
        for src, dst in (
            ("first_name", "firstName"),
            ("last_name", "lastName"),
            ("phone", "phone"),
        ):
            if rec.get(src) is not None:
                contact[dst] = rec[src]
        values = [
            {"field": fields[str(k).lower()], "value": v}
            for k, v in (rec.get("custom_fields") or {}).items()
            if str(k).lower() in fields
        ]
        if values:
            contact["fieldValues"] = values
        resp = call("POST", "contact/sync", json={"contact": contact})
        if resp is not None and resp.status_code in (200, 201):
            stats["contacts"] += 1
        else:
            stats["failed"] += 1
    print(json.dumps(stats))
    return 0 if stats["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
