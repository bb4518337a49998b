"""Every stream against the sandbox over real HTTP: same records, real types, few requests."""

from __future__ import annotations

import math
import re

import pytest
from tap_helpers import tap_config

from tap_activecampaign.streams import ALL

PATHS = {cls.name: cls.path for cls in ALL}  # activities: account-wide by default
SIDELOADED = {cls.name for cls in ALL if cls.sideload_key}
OFFSET_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")


@pytest.fixture(scope="module")
def full_run(sandbox, tmp_path_factory):
    """One full sync of the session sandbox, with the request count it cost."""
    import json
    import subprocess
    import sys

    from tap_helpers import parse_output

    cfg = tap_config(sandbox)
    path = tmp_path_factory.mktemp("full") / "config.json"
    path.write_text(json.dumps(cfg))
    sandbox.reset_stats()
    proc = subprocess.run(
        [sys.executable, "-m", "tap_activecampaign.tap", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    stats = sandbox.stats()
    assert proc.returncode == 0, proc.stderr[-2000:]
    return parse_output(proc.returncode, proc.stdout, proc.stderr), stats


def _ids(records: list[dict], key: str = "id") -> list[str]:
    return sorted(str(r[key]) for r in records)


@pytest.mark.parametrize("stream", sorted(PATHS))
def test_stream_matches_sandbox(full_run, sandbox, stream: str) -> None:
    run, _ = full_run
    if stream == "webhook_events":
        want = sorted(r["name"] for r in sandbox.dump("webhook/events"))
        assert _ids(run.records[stream], "event") == want
        return
    dump = sandbox.dump(PATHS[stream])
    assert dump, f"sandbox has no {stream}: the comparison would prove nothing"
    assert _ids(run.records[stream]) == _ids(dump)


def test_custom_objects_one_stream_per_schema_flattened(full_run, sandbox) -> None:
    run, _ = full_run
    schemas = {s["id"]: s for s in sandbox.dump("customObjects/schemas")}
    for sid, schema in schemas.items():
        stream = f"custom_object_{schema['slug'].replace('-', '_')}"
        dump = sandbox.dump(f"customObjects/records/{sid}")
        got = {r["id"]: r for r in run.records[stream]}
        assert sorted(got) == sorted(r["id"] for r in dump)
        for raw in dump:
            rec = got[raw["id"]]
            assert "fields" not in rec
            assert rec["relationships"] == raw["relationships"]
            for item in raw["fields"]:
                value = rec[item["id"]]
                if isinstance(item["value"], (int, float)):
                    assert value == item["value"]
                else:
                    assert str(value)[:10] == str(item["value"])[:10]


def test_records_have_real_types(full_run) -> None:
    run, _ = full_run
    contacts = run.records["contacts"]
    assert all(isinstance(c["id"], int) for c in contacts)
    assert all(isinstance(c["deleted"], bool) for c in contacts)
    assert all(c["bounced_date"] is None or len(c["bounced_date"]) == 10 for c in contacts)
    # zero dates become null; every timestamp carries an offset
    assert any(c["socialdata_lastcheck"] is None for c in contacts)
    for c in contacts:
        for key in ("cdate", "udate", "created_timestamp", "updated_timestamp"):
            assert c[key] is None or OFFSET_TS.match(c[key]), (key, c[key])
    assert contacts[0]["udate"].endswith("-05:00")  # the API's own offset is kept
    deals = run.records["deals"]
    assert all(isinstance(d["value"], int) for d in deals)


def test_every_field_the_api_sends_is_in_a_schema(full_run) -> None:
    run, _ = full_run
    assert "fields not in the schema" not in run.stderr


def test_concurrent_pages_are_emitted_in_order(full_run, sandbox) -> None:
    """Contacts (id ranges) and multi-page offset streams come out in the API's order."""
    run, _ = full_run
    ids = [c["id"] for c in run.records["contacts"]]
    assert ids == sorted(ids)
    for stream, path in (("activities", "activities"), ("contact_data", "contactData")):
        assert len(sandbox.dump(path)) > 200  # several pages, fetched concurrently
        assert run.ids(stream) == [str(r["id"]) for r in sandbox.dump(path)]
    # Children that came with the contacts pages: in contact order, as the pages carry them.
    by_contact = [int(r["contact"]) for r in run.records["contact_tags"]]
    assert by_contact == sorted(by_contact)


def test_request_count_is_minimal(full_run, sandbox) -> None:
    """Offset streams cost ceil(n/100) requests (one when empty), no trailing empty page;
    children of contacts cost none (they come with the contacts pages)."""
    run, stats = full_run
    by_route = stats["by_route"]
    for stream, path in PATHS.items():
        if stream in {"contacts", "webhook_events"}:
            continue
        if stream in SIDELOADED:  # tag links: two requests to note where the endpoint ends
            assert by_route.get(f"GET /{path}", 0) <= (2 if stream == "contact_tags" else 0)
            continue
        n = len(sandbox.dump(path))
        got = by_route.get(f"GET /{path}", 0)
        assert got == max(1, math.ceil(n / 100)), (stream, n, got)
    # contacts: keyset pages plus one probe for the highest id
    assert by_route.get("GET /contacts", 0) <= math.ceil(len(run.records["contacts"]) / 100) + 1
