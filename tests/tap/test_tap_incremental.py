"""Incremental runs emit only what changed, and cost ceil(changed/100) + 1 requests."""

from __future__ import annotations

import datetime as dt
import math
import time

from tap_helpers import tap_config

STREAMS = {"contacts", "deals", "accounts", "contact_tags", "field_values"}
RESOURCES = {
    "contacts": "contacts",
    "deals": "deals",
    "accounts": "accounts",
    "contact_tags": "contactTags",
    "field_values": "fieldValues",
}


def test_incremental_emits_only_changed(sandbox_factory, run_tap) -> None:
    sb = sandbox_factory(seed=5, contacts=600)
    cfg = tap_config(sb)
    first = run_tap(cfg, streams=STREAMS)
    assert first.returncode == 0, first.stderr[-2000:]
    assert len(first.records["contacts"]) == 600
    bookmarks = first.state["bookmarks"]
    assert bookmarks["contacts"]["replication_key"] == "udate"
    assert "resume" not in bookmarks["contacts"]  # cleared after a complete run

    changed = {
        stream: {str(i) for i in sb.mutate(resource, fraction=0.05)}
        for stream, resource in RESOURCES.items()
    }
    # Timestamps have one-second resolution and a run's bookmark stops a second before it
    # started: starting a second after the edits lets this run's bookmark cover them.
    time.sleep(1.1)
    sb.reset_stats()
    second = run_tap(cfg, streams=STREAMS, state=first.state)
    assert second.returncode == 0, second.stderr[-2000:]
    for stream in STREAMS:
        assert set(second.ids(stream)) == changed[stream], stream
    routes = sb.stats()["by_route"]
    for stream in ("contacts", "deals"):
        budget = math.ceil(len(changed[stream]) / 100) + 1
        assert routes.get(f"GET /{stream}", 0) <= budget, (stream, routes)

    # Nothing changed since: a third run emits nothing from these streams.
    third = run_tap(cfg, streams=STREAMS, state=second.state)
    assert third.returncode == 0
    assert not any(third.records.get(s) for s in STREAMS)


def test_lookback_rereads_recent_changes(sandbox_factory, run_tap) -> None:
    sb = sandbox_factory(seed=6, contacts=200)
    cfg = tap_config(sb)
    first = run_tap(cfg, streams={"contacts"})
    changed = {str(i) for i in sb.mutate("contacts", fraction=0.05)}
    second = run_tap(cfg, streams={"contacts"}, state=first.state)
    assert set(second.ids("contacts")) == changed
    # With a lookback window, what changed within it is read again (at-least-once).
    third = run_tap({**cfg, "lookback_window": 3600}, streams={"contacts"}, state=second.state)
    assert changed <= set(third.ids("contacts"))

    # Re-reading older rows never moves the bookmark backwards. (It may move forward: the
    # second run caps its bookmark a second before it started, which can fall just short of
    # edits made in that same second.)
    def bookmark(run) -> dt.datetime:
        value = run.state["bookmarks"]["contacts"]["replication_key_value"]
        return dt.datetime.fromisoformat(value)

    assert bookmark(third) >= bookmark(second)


def test_activities_per_contact_with_after(sandbox_factory, run_tap) -> None:
    """Opt-in activities: every contact's activity once, then only newer ones (`after`)."""
    sb = sandbox_factory(seed=12, contacts=40)
    cfg = tap_config(sb, include_activities=True)
    first = run_tap(cfg, streams={"contacts", "activities"})
    assert first.returncode == 0, first.stderr[-2000:]
    want = sorted(str(r["id"]) for r in sb.dump("activities"))
    assert want and sorted(first.ids("activities")) == want
    assert first.state["bookmarks"]["activities"]["replication_key"] == "tstamp"
    second = run_tap(cfg, streams={"contacts", "activities"}, state=first.state)
    assert second.returncode == 0
    assert not second.records.get("activities")
    assert len(second.records["contacts"]) == 40  # read in full: activity does not touch udate
