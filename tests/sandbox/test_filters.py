"""Documented filters and orders, checked against the sandbox's own stored data."""

from __future__ import annotations

import operator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from activecampaign_sandbox import Sandbox

from .helpers import client, get, read_all

TZ = timezone(timedelta(hours=-5))


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def ids(rows: list[dict]) -> list[str]:
    return [r["id"] for r in rows]


@pytest.fixture(scope="module")
def contacts(sandbox: Sandbox) -> list[dict]:
    return sandbox.dump("contacts")


# the documented contact date filters: (query parameter, field it bounds, inclusive bound)
DATE_FILTERS = pytest.mark.parametrize(
    ("param", "field", "op"),
    [
        ("filters[updated_after]", "udate", "ge"),
        ("filters[updated_before]", "udate", "le"),
        ("filters[created_after]", "cdate", "ge"),
        ("filters[created_before]", "cdate", "le"),
    ],
)
OPS = {"ge": operator.ge, "le": operator.le}


def _pivot(contacts: list[dict], field: str) -> datetime:
    values = sorted(ts(c[field]) for c in contacts)
    return values[len(values) // 2]


@DATE_FILTERS
def test_contact_date_filters_with_a_datetime(
    sandbox: Sandbox, contacts: list[dict], param: str, field: str, op: str
) -> None:
    pivot = _pivot(contacts, field)
    want = [c["id"] for c in contacts if OPS[op](ts(c[field]), pivot)]
    got = read_all(sandbox, "/contacts", "contacts", {param: pivot.isoformat()})
    assert ids(got) == want
    body = get(sandbox, "/contacts", {param: pivot.isoformat()}).json()
    assert body["meta"]["total"] == str(len(want))
    # the exact pivot is included (inclusive bound)
    assert any(ts(c[field]) == pivot for c in got)


@DATE_FILTERS
def test_contact_date_filters_with_a_day(
    sandbox: Sandbox, contacts: list[dict], param: str, field: str, op: str
) -> None:
    day = _pivot(contacts, field).date()
    want = [c["id"] for c in contacts if OPS[op](ts(c[field]).date(), day)]
    got = read_all(sandbox, "/contacts", "contacts", {param: day.isoformat()})
    assert ids(got) == want


def test_utc_z_and_microseconds_are_understood(sandbox: Sandbox, contacts: list[dict]) -> None:
    pivot = _pivot(contacts, "udate")
    z = pivot.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    a = get(sandbox, "/contacts", {"filters[updated_after]": z}).json()["meta"]["total"]
    b = get(sandbox, "/contacts", {"filters[updated_after]": pivot.isoformat()}).json()
    assert a == b["meta"]["total"]
    # an unencoded "+00:00" offset arrives as a space and still parses
    raw = pivot.astimezone(UTC).isoformat()
    url = f"{sandbox.api_url}/contacts?filters[updated_after]={raw}"
    assert client(sandbox).get(url).json()["meta"]["total"] == a


def test_id_greater_id_less_and_desc_order(sandbox: Sandbox) -> None:
    body = get(sandbox, "/contacts", {"id_greater": 100, "id_less": 111, "limit": 100}).json()
    assert ids(body["contacts"]) == [str(i) for i in range(101, 111)]
    assert body["meta"]["total"] == "10"
    desc = get(sandbox, "/contacts", {"orders[id]": "DESC", "limit": 3}).json()["contacts"]
    assert ids(desc) == ["300", "299", "298"]
    page2 = get(sandbox, "/contacts", {"orders[id]": "DESC", "limit": 3, "offset": 3}).json()
    assert ids(page2["contacts"]) == ["297", "296", "295"]


def test_email_filters(sandbox: Sandbox, contacts: list[dict]) -> None:
    target = contacts[41]
    got = get(sandbox, "/contacts", {"email": target["email"].upper()}).json()["contacts"]
    assert ids(got) == [target["id"]]
    assert get(sandbox, "/contacts", {"email": "nobody@nowhere.example"}).json()["contacts"] == []
    like = get(sandbox, "/contacts", {"email_like": "example.org", "limit": 100}).json()
    want = [c["id"] for c in contacts if "example.org" in c["email"].lower()]
    assert like["meta"]["total"] == str(len(want))


def test_listid_and_tagid(sandbox: Sandbox) -> None:
    for table, field, param, value in (
        ("contactLists", "list", "listid", 3),
        ("contactTags", "tag", "tagid", 4),
    ):
        links = sandbox.dump(table)
        want = sorted({int(x["contact"]) for x in links if x[field] == str(value)})
        got = read_all(sandbox, "/contacts", "contacts", {param: value})
        assert [int(c["id"]) for c in got] == want


def test_ids_filter(sandbox: Sandbox) -> None:
    r = get(sandbox, "/contacts", [("ids[]", "3"), ("ids[]", "9"), ("ids[]", "12")])
    assert ids(r.json()["contacts"]) == ["3", "9", "12"]
    assert ids(get(sandbox, "/contacts", {"ids": "5,6"}).json()["contacts"]) == ["5", "6"]


def test_deal_filters(sandbox: Sandbox) -> None:
    deals = sandbox.dump("deals")
    pivot = sorted(ts(d["mdate"]) for d in deals)[len(deals) // 3]
    got = read_all(sandbox, "/deals", "deals", {"filters[updated_after]": pivot.isoformat()})
    assert ids(got) == [d["id"] for d in deals if ts(d["mdate"]) >= pivot]
    cpivot = sorted(ts(d["cdate"]) for d in deals)[len(deals) // 2]
    got = read_all(sandbox, "/deals", "deals", {"filters[created_after]": cpivot.isoformat()})
    assert ids(got) == [d["id"] for d in deals if ts(d["cdate"]) >= cpivot]
    stage = deals[0]["stage"]
    got = read_all(sandbox, "/deals", "deals", {"filters[stage]": stage})
    assert ids(got) == [d["id"] for d in deals if d["stage"] == stage]
    got = read_all(sandbox, "/deals", "deals", {"filters[group]": "2"})
    assert ids(got) == [d["id"] for d in deals if d["group"] == "2"]


def test_activities_account_wide_filter_by_after_in_time_order(sandbox: Sandbox) -> None:
    acts = sandbox.dump("activities")
    got = read_all(sandbox, "/activities", "activities", {"orders[tstamp]": "ASC"})
    assert sorted(ids(got)) == sorted(ids(acts))
    stamps = [ts(a["tstamp"]) for a in got]
    assert stamps == sorted(stamps)
    after = stamps[len(stamps) // 2]
    newer = read_all(sandbox, "/activities", "activities", {"after": after.isoformat()})
    assert sorted(ids(newer)) == sorted(ids([a for a in acts if ts(a["tstamp"]) >= after]))
    assert get(sandbox, "/activities", {"contact": "x"}).status_code == 400


def test_activities_can_be_made_to_need_a_contact(sandbox_factory) -> None:
    """The reference's other reading ("Required Contact ID"), switched on at run time."""
    sb = sandbox_factory()
    assert sb.configure(activities_need_contact=True)["activities_need_contact"] is True
    refused = get(sb, "/activities")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "field_missing"
    contact = sb.dump("activities")[0]["contact"]
    assert get(sb, "/activities", {"contact": contact}).status_code == 200


def test_activities_of_one_contact_filter_by_after(sandbox: Sandbox) -> None:
    acts = sandbox.dump("activities")
    contact = next(
        a["contact"] for a in acts if sum(1 for b in acts if b["contact"] == a["contact"]) >= 2
    )
    mine = [a for a in acts if a["contact"] == contact]
    got = get(sandbox, "/activities", {"contact": contact}).json()["activities"]
    assert ids(got) == ids(mine)
    after = max(ts(a["tstamp"]) for a in mine)
    got = get(sandbox, "/activities", {"contact": contact, "after": after.isoformat()}).json()[
        "activities"
    ]
    assert [ts(a["tstamp"]) for a in got] == [after]
    desc = get(sandbox, "/activities", {"contact": contact, "orders[tstamp]": "DESC"}).json()
    stamps = [ts(a["tstamp"]) for a in desc["activities"]]
    assert stamps == sorted(stamps, reverse=True)


@pytest.mark.parametrize(
    ("path", "param", "field"),
    [
        ("/ecomOrders", "filters[email]", "email"),
        ("/ecomOrders", "filters[customerid]", "customerid"),
        ("/ecomOrders", "filters[connectionid]", "connectionid"),
        ("/ecomOrders", "filters[state]", "state"),
        ("/ecomCustomers", "filters[email]", "email"),
        ("/ecomCustomers", "filters[connectionid]", "connectionid"),
        ("/ecomCustomers", "filters[externalid]", "externalid"),
        ("/accountContacts", "filters[contact]", "contact"),
        ("/accountContacts", "filters[account]", "account"),
        ("/fieldValues", "filters[fieldid]", "field"),
        ("/lists", "filters[name]", "name"),
        ("/connections", "filters[service]", "service"),
        ("/webhooks", "filters[name]", "name"),
        ("/emailActivities", "filters[subscriberid]", "subscriberid"),
        ("/taskOutcomes", "filters[sentiment]", "sentiment"),
    ],
)
def test_equality_filters(sandbox: Sandbox, path: str, param: str, field: str) -> None:
    key = path.strip("/")
    rows = sandbox.dump(key)
    value = rows[len(rows) // 2][field]
    got = read_all(sandbox, path, key, {param: value})
    assert ids(got) == [r["id"] for r in rows if str(r[field]).lower() == str(value).lower()]
    assert got


def test_account_custom_field_data_by_account(sandbox: Sandbox) -> None:
    rows = sandbox.dump("accountCustomFieldData")
    acc = rows[3]["accountId"]
    got = read_all(
        sandbox,
        "/accountCustomFieldData",
        "accountCustomFieldData",
        {"filters[customerAccountId]": acc},
    )
    assert ids(got) == [r["id"] for r in rows if r["accountId"] == acc]


def test_list_name_operators(sandbox: Sandbox) -> None:
    got = get(sandbox, "/lists", {"filters[name][contains]": "letter"}).json()["lists"]
    assert [x["name"] for x in got] == ["Newsletter"]
    got = get(sandbox, "/lists", {"filters[name][starts_with]": "Be"}).json()["lists"]
    assert [x["name"] for x in got] == ["Beta"]


def test_custom_object_records_by_contact(sandbox: Sandbox) -> None:
    sid = sandbox.schema_ids()[0]
    rows = sandbox.dump(f"customObjects/records/{sid}")
    contact = rows[0]["relationships"]["primary-contact"][0]
    got = get(
        sandbox,
        f"/customObjects/records/{sid}",
        {"filters[relationships.primary-contact][eq]": contact},
    ).json()["records"]
    assert got and all(r["relationships"]["primary-contact"] == [contact] for r in got)


def test_orders_by_documented_names(sandbox: Sandbox, contacts: list[dict]) -> None:
    got = get(sandbox, "/contacts", {"orders[last_name]": "ASC", "limit": 100}).json()
    names = [c["lastName"].lower() for c in got["contacts"]]
    assert names == sorted(names)
    orders = sandbox.dump("ecomOrders")
    got = read_all(sandbox, "/ecomOrders", "ecomOrders", {"orders[external_created_date]": "DESC"})
    stamps = [ts(o["externalCreatedDate"]) for o in got]
    assert stamps == sorted(stamps, reverse=True) and len(got) == len(orders)


def test_accounts_count_deals(sandbox: Sandbox) -> None:
    plain = get(sandbox, "/accounts", {"limit": 100}).json()["accounts"]
    assert {a["dealCount"] for a in plain} == {"0"}
    counted = get(sandbox, "/accounts", {"limit": 100, "count_deals": "true"}).json()
    deals = sandbox.dump("deals")
    links = sandbox.dump("accountContacts")
    for a in counted["accounts"]:
        assert a["dealCount"] == str(sum(1 for d in deals if d["account"] == a["id"]))
        assert a["contactCount"] == str(sum(1 for x in links if x["account"] == a["id"]))


def test_id_greater_only_works_on_contacts(sandbox: Sandbox) -> None:
    # documented as "currently only available with the Contacts endpoint": ignored elsewhere
    a = get(sandbox, "/deals", {"limit": 5}).json()
    b = get(sandbox, "/deals", {"limit": 5, "id_greater": 10}).json()
    assert a == b
    c = get(sandbox, "/contacts", {"limit": 5, "id_greater": 10}).json()["contacts"]
    assert c[0]["id"] == "11"
