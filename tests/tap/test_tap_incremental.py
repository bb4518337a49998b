"""Incremental runs emit only what changed, and cost ceil(changed/100) + 1 requests."""

from __future__ import annotations

import datetime as dt
import math
import time

from tap_helpers import tap_config

STREAMS = {"contacts", "deals", "accounts"}
RESOURCES = {"contacts": "contacts", "deals": "deals", "accounts": "accounts"}


def ts(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def route_count(sb, route: str) -> int:
    return int(sb.stats()["by_route"].get(route, 0))


def bookmark_state(stream: str, key: str, value: dt.datetime) -> dict:
    """A state as the tap writes it, with the bookmark at `value`."""
    mark = value.astimezone(dt.UTC).isoformat()
    return {"bookmarks": {stream: {"replication_key": key, "replication_key_value": mark}}}


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


def test_activities_account_wide_with_after(sandbox_factory, run_tap) -> None:
    """One feed for the account; from a bookmark, `after` sends only what is newer."""
    sb = sandbox_factory(seed=12, contacts=400)
    cfg = tap_config(sb)
    acts = sorted(sb.dump("activities"), key=lambda a: (ts(a["tstamp"]), int(a["id"])))
    assert len(acts) > 300  # several pages
    sb.reset_stats()
    first = run_tap(cfg, streams={"activities"})
    assert first.returncode == 0, first.stderr[-2000:]
    assert sorted(first.ids("activities")) == sorted(str(a["id"]) for a in acts)
    assert route_count(sb, "GET /activities") == math.ceil(len(acts) / 100)

    # A bookmark at the 250th activity: only the later ones are asked for and emitted.
    mark = ts(acts[249]["tstamp"])
    newer = [str(a["id"]) for a in acts if ts(a["tstamp"]) > mark]
    state = bookmark_state("activities", "tstamp", mark)
    sb.reset_stats()
    second = run_tap({**cfg, "lookback_window": 0}, streams={"activities"}, state=state)
    assert second.returncode == 0, second.stderr[-2000:]
    assert sorted(second.ids("activities")) == sorted(newer)
    sent = [r for r in sb.requests() if r["path"].endswith("/activities")]
    assert sent and all("after=" in r["query"] for r in sent)
    assert len(sent) == math.ceil((len(acts) - 249) / 100)  # `after` is inclusive


def test_activities_refused_account_wide_is_skipped_with_a_hint(sandbox_factory, run_tap) -> None:
    """An account that wants a contact on /activities: the stream is skipped, not the run."""
    sb = sandbox_factory(seed=12, contacts=40)
    sb.configure(activities_need_contact=True)
    run = run_tap(tap_config(sb), streams={"activities", "tags"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert not run.records.get("activities")
    assert sorted(run.ids("tags")) == sorted(str(t["id"]) for t in sb.dump("tags"))
    assert "activities_per_contact" in run.stderr

    # The whole catalog, as `meltano run` sends it: the refusal costs only that stream.
    whole = run_tap(tap_config(sb))
    assert whole.returncode == 0, whole.stderr[-2000:]
    assert not whole.records.get("activities")
    assert "activities_per_contact" in whole.stderr
    assert len(whole.records["contacts"]) == 40
    assert len(whole.records["contact_tags"]) == len(sb.dump("contactTags"))


def test_activities_per_contact_with_after(sandbox_factory, run_tap) -> None:
    """`activities_per_contact`: every contact's activity once, then only newer ones."""
    sb = sandbox_factory(seed=12, contacts=40)
    sb.configure(activities_need_contact=True)
    cfg = tap_config(sb, activities_per_contact=True)
    first = run_tap(cfg, streams={"contacts", "activities"})
    assert first.returncode == 0, first.stderr[-2000:]
    want = sorted(str(r["id"]) for r in sb.dump("activities"))
    assert want and sorted(first.ids("activities")) == want
    assert first.state["bookmarks"]["activities"]["replication_key"] == "tstamp"
    second = run_tap(cfg, streams={"contacts", "activities"}, state=first.state)
    assert second.returncode == 0
    assert not second.records.get("activities")
    assert len(second.records["contacts"]) == 40  # read in full: activity does not touch udate
