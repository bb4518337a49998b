"""Pure logic: value conversion and offset paging decisions (no HTTP)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tap_activecampaign.client import ActiveCampaignPaginator
from tap_activecampaign.conform import DateTimeConverter, RecordConverter, to_boolean, to_integer
from tap_activecampaign.paging import meta_total
from tap_activecampaign.streams import ALL
from tap_activecampaign.streams.automations import ContactActivitiesStream
from tap_activecampaign.streams.custom_objects import record_schema

SCHEMA = {
    "properties": {
        "id": {"type": ["integer"]},
        "udate": {"type": ["string", "null"], "format": "date-time"},
        "bounced_date": {"type": ["string", "null"], "format": "date"},
        "deleted": {"type": ["boolean", "null"]},
        "value": {"type": ["number", "null"]},
        "email": {"type": ["string", "null"]},
        "links": {"type": ["object", "null"]},
    }
}


def test_record_conversion_types_and_unknown_keys() -> None:
    conv = RecordConverter(SCHEMA)
    out = conv(
        {
            "id": "12",
            "udate": "2018-09-12T16:53:50-05:00",
            "bounced_date": "0000-00-00",
            "deleted": "0",
            "value": "12.50",
            "email": "a@b.example",
            "links": {"x": "y"},
            "surprise": 1,
        }
    )
    assert out == {
        "id": 12,
        "udate": "2018-09-12T16:53:50-05:00",  # offset kept exactly
        "bounced_date": None,  # zero date
        "deleted": False,
        "value": 12.5,
        "email": "a@b.example",
        "links": {"x": "y"},
    }
    assert conv.unknown_seen == {"surprise"}


@pytest.mark.parametrize(
    ("raw", "tz", "want"),
    [
        ("2019-11-22 14:15:37", "UTC", "2019-11-22T14:15:37+00:00"),
        ("2019-11-22 14:15:37", "America/Chicago", "2019-11-22T14:15:37-06:00"),
        ("2019-07-22 14:15:37", "America/Chicago", "2019-07-22T14:15:37-05:00"),
        ("0000-00-00 00:00:00", "UTC", None),
        ("", "UTC", None),
        ("2021-04-16T16:12:22.222685095Z", "UTC", "2021-04-16T16:12:22.222685+00:00"),
        ("2024-13-45 10:00:00", "UTC", None),
    ],
)
def test_datetime_conversion(raw: str, tz: str, want: str | None) -> None:
    from zoneinfo import ZoneInfo

    assert DateTimeConverter(ZoneInfo(tz))(raw) == want


def test_scalar_converters() -> None:
    assert to_integer(" 7 ") == 7
    assert to_integer("") is None
    assert to_integer("3.0") == 3
    assert to_boolean("1") is True
    assert to_boolean("false") is False
    assert to_boolean("maybe") is None


def _resp(body: dict) -> SimpleNamespace:
    return SimpleNamespace(ac_json=body)


def test_paginator_stops_on_total_without_trailing_request() -> None:
    pager = ActiveCampaignPaginator("deals")
    pager.advance(_resp({"deals": [{}] * 100, "meta": {"total": "200"}}))
    assert not pager.finished and pager.current_value == 100
    pager.advance(_resp({"deals": [{}] * 100, "meta": {"total": "200"}}))
    assert pager.finished  # 200 of 200 read: no empty third request


def test_paginator_without_meta_reads_until_short_page() -> None:
    pager = ActiveCampaignPaginator("dealCustomFieldMeta")
    pager.advance(_resp({"dealCustomFieldMeta": [{}] * 100}))
    assert not pager.finished
    pager.advance(_resp({"dealCustomFieldMeta": [{}] * 3}))
    assert pager.finished


def test_paginator_follows_a_clamped_page_size() -> None:
    pager = ActiveCampaignPaginator("tags")
    pager.advance(_resp({"tags": [{}] * 20, "meta": {"total": "45"}}))
    assert pager.current_value == 20 and not pager.finished


def test_meta_total_is_lenient() -> None:
    assert meta_total({"meta": {"total": "12"}}) == 12
    assert meta_total({"meta": {"total": 3}}) == 3
    assert meta_total({"deals": []}) is None
    assert meta_total(None) is None


def test_stream_catalogue_names_and_count() -> None:
    # ContactActivitiesStream is the per-contact way to read `activities`, never both at once
    names = [cls.name for cls in ALL if cls is not ContactActivitiesStream]
    assert len(names) == len(set(names)) >= 59
    assert all(n == n.lower() and " " not in n for n in names)


def test_custom_object_schema_skips_deleted_fields() -> None:
    schema = record_schema(
        {
            "id": "abc",
            "fields": [
                {"id": "plan", "type": "dropdown"},
                {"id": "seats", "type": "number"},
                {"id": "old", "type": "text", "status": "marked_for_deletion"},
            ],
        }
    )
    props = schema["properties"]
    assert props["seats"]["type"] == ["number", "null"]
    assert "plan" in props and "old" not in props
