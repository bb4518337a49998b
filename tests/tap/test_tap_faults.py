"""Faults (429, 5xx, 403 under load, drops, truncation, stalls) change nothing in the output."""

from __future__ import annotations

import json

from tap_helpers import tap_config


def _comparable(run, api_url: str) -> dict[str, str]:
    """Records per stream as text, with the sandbox's own URL (in `links`) neutralised."""
    return {
        stream: json.dumps(records, sort_keys=True).replace(api_url, "API")
        for stream, records in run.records.items()
    }


def test_faulty_api_gives_exactly_the_clean_records(sandbox_factory, run_tap) -> None:
    clean_sb = sandbox_factory(seed=9, contacts=250)
    faulty_sb = sandbox_factory(seed=9, contacts=250, fail=0.1, stall_s=1.5)
    clean = run_tap(tap_config(clean_sb))
    assert clean.returncode == 0, clean.stderr[-2000:]
    faulty = run_tap(tap_config(faulty_sb, request_timeout=1.0, max_retries=10))
    assert faulty.returncode == 0, faulty.stderr[-3000:]
    faults = faulty_sb.stats()["faults"]
    assert sum(faults.values()) > 0, faults  # the faults did happen
    got = _comparable(faulty, faulty_sb.api_url)
    want = _comparable(clean, clean_sb.api_url)
    assert sorted(got) == sorted(want)
    assert [s for s in want if got[s] != want[s]] == []


def test_over_the_rate_limit_still_reads_everything(sandbox_factory, run_tap) -> None:
    """Configured too fast for the account: 429s are honoured (Retry-After) and retried."""
    sb = sandbox_factory(seed=10, contacts=300, rate=5)
    streams = {"contacts", "contact_tags", "field_values"}
    run = run_tap(tap_config(sb, requests_per_second=40), streams=streams)
    assert run.returncode == 0, run.stderr[-2000:]
    assert sb.stats()["rate_limited"] > 0  # the limit was hit, and recovered from
    for stream, resource in (
        ("contacts", "contacts"),
        ("contact_tags", "contactTags"),
        ("field_values", "fieldValues"),
    ):
        assert sorted(run.ids(stream)) == sorted(str(r["id"]) for r in sb.dump(resource))
