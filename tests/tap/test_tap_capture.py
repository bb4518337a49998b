"""Change capture over real HTTP: sideloaded children, tails, re-reads, deletions, filters."""

from __future__ import annotations

import datetime as dt
import math
import time

import pytest
from capture_helpers import DELETED, api, deleted_ids, incremental_state, live_ids, routes
from tap_helpers import tap_config

CHILDREN = {"field_values", "contact_tags", "contact_lists", "contact_automations"}
CHILD_ROUTES = ("GET /fieldValues", "GET /contactLists", "GET /contactAutomations")


def settle() -> None:
    """Timestamps have one-second resolution and a run's bookmark stops a second before it
    started: starting a second after the edits lets the next run's bookmark cover them."""
    time.sleep(1.1)


@pytest.mark.parametrize("bump", [False, True])
def test_children_of_changed_contacts_come_with_the_contacts_pages(
    sandbox_factory, run_tap, bump: bool
) -> None:
    sb = sandbox_factory(seed=21, contacts=400, link_writes_bump_contact_udate=bump)
    cfg = tap_config(sb)
    streams = {"contacts", *CHILDREN}
    sb.reset_stats()
    first = run_tap(cfg, streams=streams)
    assert first.returncode == 0, first.stderr[-2000:]
    # A full sync takes every child from the contacts pages: no request of their own (tag
    # links: two, to note where their endpoint ends, for the next run's tail).
    assert not any(routes(sb).get(r) for r in CHILD_ROUTES), routes(sb)
    assert routes(sb)["GET /contactTags"] <= 2
    assert live_ids(first, "contact_tags") == {str(r["id"]) for r in sb.dump("contactTags")}
    assert live_ids(first, "field_values") == {str(r["id"]) for r in sb.dump("fieldValues")}

    changed = sb.control(
        "POST", "mutate", {"resource": "contacts", "fraction": 0.05, "with_links": True}
    )
    # A tag link and a list subscription written through the API: they move the contact's
    # udate only where the account does.
    other = next(c["id"] for c in sb.dump("contacts") if int(c["id"]) not in changed["ids"])
    have = {str(r["tag"]) for r in sb.dump("contactTags") if str(r["contact"]) == str(other)}
    tag = next(t["id"] for t in sb.dump("tags") if str(t["id"]) not in have)
    link = api(sb, "POST", "contactTags", {"contactTag": {"contact": other, "tag": tag}})
    link_id = str(link.json()["contactTag"]["id"])
    on = {str(r["list"]) for r in sb.dump("contactLists") if str(r["contact"]) == str(other)}
    listid = next(x["id"] for x in sb.dump("lists") if str(x["id"]) not in on)
    body = {"contactList": {"list": listid, "contact": other, "status": 1}}
    sub_id = str(api(sb, "POST", "contactLists", body).json()["contactList"]["id"])
    settle()
    sb.reset_stats()
    second = run_tap(cfg, streams=streams, state=first.state)
    assert second.returncode == 0, second.stderr[-2000:]
    seen = routes(sb)
    assert not any(seen.get(r) for r in CHILD_ROUTES), seen
    assert seen["GET /contactTags"] == 1  # the tail: the page from the last run's end
    want_contacts = {str(i) for i in changed["ids"]} | ({str(other)} if bump else set())
    assert live_ids(second, "contacts") == want_contacts
    assert seen["GET /contacts"] <= math.ceil(len(want_contacts) / 100) + 1
    for stream, key in (
        ("field_values", "fieldValues"),
        ("contact_tags", "contactTags"),
        ("contact_lists", "contactLists"),
    ):
        assert {str(i) for i in changed[key]} <= live_ids(second, stream), stream
    # Every membership emitted belongs to a changed contact (the rows that came with its page).
    assert {str(r["contact"]) for r in second.records["contact_lists"]} <= want_contacts
    assert (sub_id in live_ids(second, "contact_lists")) is bump
    # New tag links are also read from the end of their endpoint: seen either way.
    assert link_id in live_ids(second, "contact_tags")

    # Either way the re-read (here: due on every run) brings the subscription, filtered by the
    # memberships' own bookmark, as a whole read of their endpoint would be.
    third = run_tap({**cfg, "reread_interval": 0}, streams=streams, state=second.state)
    assert third.returncode == 0, third.stderr[-2000:]
    want_lists = {str(i) for i in changed["contactLists"]} | {sub_id}
    assert live_ids(third, "contact_lists") == want_lists
    assert not any(deleted_ids(third, s) for s in streams)


def test_an_include_the_account_does_not_serve_falls_back_to_its_endpoint(
    sandbox_factory, run_tap
) -> None:
    sb = sandbox_factory(seed=22, contacts=300)
    sb.configure(list_includes=["fieldValues"])
    cfg = tap_config(sb)
    streams = {"contacts", "field_values", "contact_tags"}
    sb.reset_stats()
    first = run_tap(cfg, streams=streams)
    assert first.returncode == 0, first.stderr[-2000:]
    seen = routes(sb)
    assert not seen.get("GET /fieldValues")
    assert seen["GET /contactTags"] == math.ceil(len(sb.dump("contactTags")) / 100)
    assert live_ids(first, "contact_tags") == {str(r["id"]) for r in sb.dump("contactTags")}
    includes = first.state["bookmarks"]["contacts"]["capture"]["includes"]
    assert includes == {"fieldValues": True, "contactTags": False}
    # Not due for its re-read: the tags endpoint is left alone until then.
    sb.reset_stats()
    second = run_tap(cfg, streams=streams, state=first.state)
    assert second.returncode == 0
    assert not routes(sb).get("GET /contactTags")


def test_contact_lists_replicate_on_updated_timestamp(sandbox_factory, run_tap) -> None:
    """`udate` on a membership is its unsubscribe date (null while subscribed): a change to a
    subscribed row moves only `updated_timestamp`, which is what the stream replicates on."""
    sb = sandbox_factory(seed=23, contacts=300)
    cfg = tap_config(sb, reread_interval=0)
    first = run_tap(cfg, streams={"contact_lists"})
    assert first.returncode == 0, first.stderr[-2000:]
    assert first.state["bookmarks"]["contact_lists"]["replication_key"] == "updated_timestamp"
    row = first.records["contact_lists"][0]
    assert {"created_timestamp", "updated_timestamp"} <= set(row)
    rows = sb.dump("contactLists")
    gone = next(r for r in rows if str(r["status"]) == "2")
    subscribed = next(r for r in rows if str(r["status"]) == "1" and r["udate"] is None)
    settle()
    body = {"list": gone["list"], "contact": gone["contact"], "status": 1, "sourceid": 4}
    api(sb, "POST", "contactLists", {"contactList": body})  # a re-subscription
    sb.mutate("contactLists", ids=[subscribed["id"]])  # e.g. the contact's name changed
    settle()
    second = run_tap(cfg, streams={"contact_lists"}, state=first.state)
    assert second.returncode == 0, second.stderr[-2000:]
    assert live_ids(second, "contact_lists") == {str(gone["id"]), str(subscribed["id"])}
    back = next(r for r in second.records["contact_lists"] if str(r["id"]) == str(gone["id"]))
    assert back["status"] == 1 and back["udate"] is None


@pytest.mark.parametrize("reading", ["offset", "account_wall_time"])
def test_date_filters_in_account_time_with_offset(sandbox_factory, run_tap, reading) -> None:
    """`2026-12-03T02:18:41-05:00` is right whether the API honours the offset or reads the
    wall time in the account's zone (a UTC value would then be read five hours late)."""
    sb = sandbox_factory(seed=24, contacts=200, filter_time_reading=reading)
    cfg = tap_config(sb, account_timezone="Etc/GMT+5")  # the sandbox account: -05:00
    mark = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    state = incremental_state("contacts", "udate", mark)
    state["bookmarks"].update(incremental_state("activities", "tstamp", mark)["bookmarks"])
    changed = {str(i) for i in sb.mutate("contacts", fraction=0.05)}
    added = {
        str(i) for i in sb.control("POST", "append", {"resource": "activities", "count": 3})["ids"]
    }
    settle()
    sb.reset_stats()
    run = run_tap(cfg, streams={"contacts", "activities"}, state=state)
    assert run.returncode == 0, run.stderr[-2000:]
    assert live_ids(run, "contacts") == changed
    assert live_ids(run, "activities") == added
    sent = [r["query"] for r in sb.requests() if r["path"].endswith(("/contacts", "/activities"))]
    assert sent and all("-05%3A00" in q or "-05:00" in q for q in sent), sent


def test_append_only_logs_are_read_from_where_the_last_run_stopped(sandbox_factory, run_tap):
    sb = sandbox_factory(seed=25, contacts=600)
    cfg = tap_config(sb)
    streams = {"email_activities", "deal_activities"}
    first = run_tap(cfg, streams=streams)
    assert first.returncode == 0, first.stderr[-2000:]
    before = {str(r["id"]) for r in sb.dump("emailActivities")}
    assert live_ids(first, "email_activities") == before and len(before) > 200

    added = {
        str(i)
        for i in sb.control("POST", "append", {"resource": "emailActivities", "count": 3})["ids"]
    }
    settle()
    sb.reset_stats()
    second = run_tap(cfg, streams=streams, state=first.state)
    assert second.returncode == 0, second.stderr[-2000:]
    assert live_ids(second, "email_activities") == added
    assert not second.records.get("deal_activities")
    assert routes(sb).get("GET /emailActivities") == 1  # the boundary page only
    assert routes(sb).get("GET /dealActivities") == 1

    # A deletion earlier in the log shifts every later offset: the boundary check sees it,
    # the stream is read whole, the deleted row is signalled and nothing else is.
    victim = sorted(before, key=int)[10]
    sb.control("POST", "delete", {"resource": "emailActivities", "ids": [int(victim)]})
    more = {
        str(i)
        for i in sb.control("POST", "append", {"resource": "emailActivities", "count": 2})["ids"]
    }
    settle()
    third = run_tap(cfg, streams=streams, state=second.state)
    assert third.returncode == 0, third.stderr[-2000:]
    assert deleted_ids(third, "email_activities") == {victim}
    assert live_ids(third, "email_activities") == more
    fourth = run_tap(cfg, streams=streams, state=third.state)
    assert not fourth.records.get("email_activities")


def test_streams_without_a_change_filter_wait_for_their_reread(sandbox_factory, run_tap):
    sb = sandbox_factory(seed=26, contacts=2500)
    streams = {"deal_tasks"}  # several pages, no change filter
    cfg = tap_config(sb, reread_interval=3600)
    first = run_tap(cfg, streams=streams)
    assert first.returncode == 0, first.stderr[-2000:]
    pages = math.ceil(len(sb.dump("dealTasks")) / 100)
    assert pages > 1
    changed = {str(i) for i in sb.mutate("dealTasks", fraction=0.05)}
    settle()
    sb.reset_stats()
    skipped = run_tap(cfg, streams=streams, state=first.state)
    assert skipped.returncode == 0
    assert not routes(sb).get("GET /dealTasks")
    assert not skipped.records.get("deal_tasks")
    # Due (an interval shorter than the time since the last whole read): read whole.
    sb.reset_stats()
    due = run_tap({**cfg, "reread_interval": 1}, streams=streams, state=skipped.state)
    assert due.returncode == 0
    assert routes(sb)["GET /dealTasks"] == pages
    assert live_ids(due, "deal_tasks") == changed


def test_deletions_of_contacts_deals_and_tag_links_are_signalled(sandbox_factory, run_tap):
    sb = sandbox_factory(seed=27, contacts=300)
    cfg = tap_config(sb)
    streams = {"contacts", "deals", "contact_tags"}
    first = run_tap(cfg, streams=streams)
    assert first.returncode == 0, first.stderr[-2000:]
    assert not any(deleted_ids(first, s) for s in streams)

    contact = sb.dump("contacts")[5]["id"]
    deal = next(d["id"] for d in sb.dump("deals") if str(d["contact"]) != str(contact))
    tag_link = next(r["id"] for r in sb.dump("contactTags") if str(r["contact"]) != str(contact))
    gone = sb.control("POST", "delete", {"resource": "contacts", "ids": [int(contact)]})["deleted"]
    sb.control("POST", "delete", {"resource": "deals", "ids": [int(deal)]})
    api(sb, "DELETE", f"contactTags/{tag_link}")
    settle()
    # Not due yet: an incremental run signals nothing.
    quiet = run_tap(cfg, streams=streams, state=first.state)
    assert quiet.returncode == 0
    assert not any(deleted_ids(quiet, s) for s in streams)

    rerun = run_tap({**cfg, "reread_interval": 0}, streams=streams, state=quiet.state)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert deleted_ids(rerun, "contacts") == {str(contact)}
    assert deleted_ids(rerun, "deals") == {str(deal)} | {str(i) for i in gone.get("deals", [])}
    want_tags = {str(tag_link)} | {str(i) for i in gone.get("contactTags", [])}
    assert deleted_ids(rerun, "contact_tags") == want_tags
    record = next(r for r in rerun.records["contacts"] if r.get(DELETED))
    assert dt.datetime.fromisoformat(record[DELETED]).tzinfo is not None
    # Signalled once: the next whole read finds nothing more gone.
    again = run_tap({**cfg, "reread_interval": 0}, streams=streams, state=rerun.state)
    assert not any(deleted_ids(again, s) for s in streams)


def test_mass_deletion_guard_signals_nothing_and_says_why(sandbox_factory, run_tap) -> None:
    sb = sandbox_factory(seed=28, contacts=300)
    cfg = tap_config(sb, reread_interval=0)
    first = run_tap(cfg, streams={"deals"})
    ids = [int(d["id"]) for d in sb.dump("deals")]
    sb.control("POST", "delete", {"resource": "deals", "ids": ids[: int(len(ids) * 0.6)]})
    guarded = run_tap(cfg, streams={"deals"}, state=first.state)
    assert guarded.returncode == 0, guarded.stderr[-2000:]
    assert not deleted_ids(guarded, "deals")
    assert "max_deleted_percent" in guarded.stderr
    allowed = run_tap({**cfg, "max_deleted_percent": 90}, streams={"deals"}, state=guarded.state)
    assert deleted_ids(allowed, "deals") == {str(i) for i in ids[: int(len(ids) * 0.6)]}


def test_nothing_changed_costs_one_request_per_stream_at_most(sandbox_factory, run_tap):
    sb = sandbox_factory(seed=29, contacts=1500)
    cfg = tap_config(sb)
    first = run_tap(cfg)
    assert first.returncode == 0, first.stderr[-2000:]
    streams = len({s for s, recs in first.records.items()} | set(first.state["bookmarks"]))
    settle()
    sb.reset_stats()
    second = run_tap(cfg, state=first.state)
    assert second.returncode == 0, second.stderr[-2000:]
    assert sb.stats()["total"] <= streams + 10
    assert not any(deleted_ids(second, s) for s in second.records)
