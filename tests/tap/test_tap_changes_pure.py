"""Change capture logic: id sets, read plans, the deletion guard, stream declarations."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from tap_activecampaign import changes
from tap_activecampaign.changes import find_deletions, plan_read
from tap_activecampaign.idsets import IdBitmap, missing_ids
from tap_activecampaign.streams import ALL
from tap_activecampaign.streams.contacts import ContactsStream
from tap_activecampaign.tap import TapActiveCampaign

NOW = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)


def bitmap(ids) -> IdBitmap:
    found = IdBitmap()
    for i in ids:
        found.add(i)
    return found


def test_id_bitmap_round_trip_and_missing_ids() -> None:
    before = bitmap([1, 2, 3, 9, 64, 1000])
    after = bitmap([2, 3, 64, 1000, 1001])
    assert before.count == 6
    assert IdBitmap.decode(before.encode()).as_int() == before.as_int()
    assert missing_ids(before, after) == [1, 9]
    with pytest.raises(ValueError, match="not an encoded id set"):
        IdBitmap.decode("not base64 at all!")


def test_a_million_ids_stay_small_in_the_state() -> None:
    rng = random.Random(5)
    ids = bitmap(i for i in range(1, 1_000_001) if rng.random() > 0.01)  # 1% deleted
    text = ids.encode()
    assert len(text) < 200_000  # vs ~7 MB as a JSON list of ids
    assert IdBitmap.decode(text).count == ids.count


def test_plan_per_mode() -> None:
    fresh = {"read_at": (NOW - dt.timedelta(minutes=5)).isoformat(), "pages": 3}
    old = {"read_at": (NOW - dt.timedelta(days=2)).isoformat(), "pages": 3}

    def plan(mode, capture, interval=86400, **kw):
        return plan_read(mode, capture, interval=interval, now=NOW, **kw)

    assert plan(changes.SERVER, fresh) == changes.Plan(True, False, why="server filter")
    assert plan(changes.SERVER, old).whole
    assert plan(changes.SERVER, {}).whole  # never read whole yet
    assert not plan(changes.REREAD, fresh).read
    assert plan(changes.REREAD, old).whole
    assert plan(changes.REREAD, {**fresh, "pages": 1}).whole  # one page: every run
    assert plan(changes.REREAD, fresh, interval=0).whole  # today's behaviour
    assert not plan(changes.CONTACTS, fresh, sideloaded=True).read
    assert not plan(changes.CONTACTS, fresh, sideloaded=False).read  # falls back: re-read
    assert plan(changes.CONTACTS, old, sideloaded=False).whole
    tail = {"offset": 250, "last_id": "912"}
    assert plan(changes.TAIL, {**fresh, "tail": tail}).tail == tail
    assert plan(changes.TAIL, {**fresh, "tail": tail}, interval=0).whole
    assert plan(changes.TAIL, {}).whole


def test_deletion_guard() -> None:
    previous = bitmap(range(1, 101))
    assert find_deletions(None, bitmap([1]), 0.5).ids == []
    assert find_deletions(previous, bitmap(range(1, 96)), 0.5).ids == [96, 97, 98, 99, 100]
    refused = find_deletions(previous, bitmap(range(1, 40)), 0.5)
    assert refused.ids == [] and "max_deleted_percent" in refused.refused


def test_every_stream_declares_how_changes_are_found(sandbox) -> None:
    tap = TapActiveCampaign(config={"api_url": sandbox.api_url, "api_token": sandbox.token})
    for cls in ALL:
        stream = cls(tap=tap)
        assert stream.mode in {changes.SERVER, changes.CONTACTS, changes.TAIL, changes.REREAD}
        if stream.mode == changes.CONTACTS:
            assert stream.sideload_key == stream.path
        props = stream.schema["properties"]
        assert (changes.DELETED_AT in props) is stream.track_deletions, stream.name
    json.dumps(stream.schema)


def test_filter_values_are_account_local_time_with_offset(sandbox) -> None:
    tap = TapActiveCampaign(
        config={
            "api_url": sandbox.api_url,
            "api_token": sandbox.token,
            "account_timezone": "America/Chicago",
        }
    )
    stream = ContactsStream(tap=tap)
    value = dt.datetime(2026, 12, 3, 8, 18, 41, tzinfo=dt.UTC)
    assert stream.format_filter_value(value) == "2026-12-03T02:18:41-06:00"
