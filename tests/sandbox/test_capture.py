"""Change capture in the sandbox: include= on the contacts list, contactList timestamps, the
filter time reading, the link-write udate switch, cascading deletes and the control API."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from activecampaign_sandbox import Sandbox
from activecampaign_sandbox.process import SandboxProcess
from activecampaign_sandbox.util import ANCHOR_TS, parse_ts

from .helpers import client, get, post, put, read_all

ACCOUNT_TZ = timezone(timedelta(hours=-5))
ALL = "fieldValues,contactLists,contactTags,contactAutomations,accountContacts"
CHILD_OF_CONTACT = ("fieldValues", "contactLists", "contactTags", "contactAutomations")


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s)


def control(sb: Sandbox, op: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{sb.base_url}/__sandbox/{op}", json=body, timeout=30)


def configure(sb: Sandbox, **kw: Any) -> dict[str, Any]:
    r = control(sb, "config", kw)
    assert r.status_code == 200, r.text
    return r.json()


def delete(sb: Sandbox, path: str) -> requests.Response:
    return client(sb).delete(sb.api_url + path, timeout=30)


def total(sb: Sandbox, path: str, params: dict[str, Any] | None = None) -> int:
    return int(get(sb, path, params).json()["meta"]["total"])


@pytest.fixture
def sb(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    return sandbox_factory(contacts=120)


def _contact_with(sb: Sandbox, *children: str) -> int:
    """A contact that has rows in every named child table."""
    for c in sb.dump("contacts"):
        if all(get(sb, f"/contacts/{c['id']}/{ch}").json()[ch] for ch in children):
            return int(c["id"])
    raise AssertionError(f"no contact with {children}")


def _contact_with_text_value(sb: Sandbox) -> int:
    """A contact with a tag and a value of a text field."""
    text = {f["id"] for f in sb.dump("fields") if f["type"] == "text"}
    tagged = {r["contact"] for r in sb.dump("contactTags")}
    for r in sb.dump("fieldValues"):
        if r["field"] in text and r["contact"] in tagged:
            return int(r["contact"])
    raise AssertionError("no contact with a tag and a text value")


# -- include= --------------------------------------------------------------------------------
def test_include_carries_every_child_of_the_page_as_its_own_endpoint_renders_it(
    sb: Sandbox,
) -> None:
    params = {"include": ALL, "orders[id]": "ASC", "id_greater": 10, "limit": 100}
    body = get(sb, "/contacts", params).json()
    assert list(body) == ["scoreValues", "contacts", *ALL.split(","), "meta"]
    page = [c["id"] for c in body["contacts"]]
    assert page == [str(i) for i in range(11, 111)]
    assert body["meta"]["total"] == str(120 - 10)
    for child in ALL.split(","):
        want = [row for c in page for row in get(sb, f"/contacts/{c}/{child}").json()[child]]
        assert body[child] == want, child
        assert want, f"the page should hold some {child}"
    # the account-wide endpoint renders the same rows
    fv = body["fieldValues"][0]
    assert get(sb, f"/fieldValues/{fv['id']}").json()["fieldValue"] == fv


def test_include_follows_the_contacts_filters(sb: Sandbox) -> None:
    tagged = get(sb, "/contactTags", {"limit": 1}).json()["contactTags"][0]
    params = {"include": "contactTags,fieldValues", "tagid": tagged["tag"], "limit": 100}
    body = get(sb, "/contacts", params).json()
    page = {c["id"] for c in body["contacts"]}
    assert tagged["contact"] in page
    assert {r["contact"] for r in body["contactTags"]} == page
    assert {r["contact"] for r in body["fieldValues"]} <= page
    cl = next(r for r in sb.dump("contactLists") if r["status"] == "2")
    body = get(
        sb,
        "/contacts",
        {"include": "contactLists", "listid": cl["list"], "status": 2, "limit": 100},
    ).json()
    assert cl["id"] in {r["id"] for r in body["contactLists"]}
    pivot = sorted(ts(c["udate"]) for c in sb.dump("contacts"))[60]
    body = get(
        sb,
        "/contacts",
        {"include": "fieldValues", "filters[updated_after]": pivot.isoformat(), "limit": 100},
    ).json()
    page = {c["id"] for c in body["contacts"]}
    assert {r["contact"] for r in body["fieldValues"]} <= page
    assert int(body["meta"]["total"]) == 60


def test_unknown_and_unhonoured_includes_add_no_key(sb: Sandbox) -> None:
    body = get(sb, "/contacts", {"include": "bogus,fieldValues,fieldValues"}).json()
    assert [k for k in body if k not in ("scoreValues", "contacts", "meta")] == ["fieldValues"]
    assert configure(sb, list_includes=["fieldValues"])["list_includes"] == ["fieldValues"]
    body = get(sb, "/contacts", {"include": ALL, "limit": 5}).json()
    assert list(body) == ["scoreValues", "contacts", "fieldValues", "meta"]
    assert body["fieldValues"]
    configure(sb, list_includes=[])
    assert list(get(sb, "/contacts", {"include": ALL}).json()) == [
        "scoreValues",
        "contacts",
        "meta",
    ]


def test_include_costs_one_request_in_stats(sb: Sandbox) -> None:
    sb.reset_stats()
    body = get(sb, "/contacts", {"include": ALL, "limit": 100}).json()
    assert body["fieldValues"] and body["contactTags"]
    assert sb.stats()["by_route"] == {"GET /contacts": 1}
    assert sb.requests(1)[0]["query"].startswith("include=")


def test_include_at_100000_contacts(sandbox_factory: Callable[..., Sandbox]) -> None:
    """Works at account scale (not timed: the cost is a benchmark figure)."""
    big = sandbox_factory(contacts=100_000)
    params = {"include": ALL, "orders[id]": "ASC", "id_greater": 99_900, "limit": 100}
    body = get(big, "/contacts", params).json()
    assert [c["id"] for c in body["contacts"]] == [str(i) for i in range(99_901, 100_001)]
    assert {r["contact"] for r in body["fieldValues"]} == {c["id"] for c in body["contacts"]}
    c = body["contacts"][0]["id"]
    assert [r["id"] for r in body["contactTags"] if r["contact"] == c] == [
        r["id"] for r in get(big, f"/contacts/{c}/contactTags").json()["contactTags"]
    ]


# -- contactLists ----------------------------------------------------------------------------
def test_generated_memberships_carry_unsubscribe_udate_and_timestamps(sb: Sandbox) -> None:
    rows = sb.dump("contactLists")
    assert {r["status"] for r in rows} == {"1", "2"}
    for r in rows:
        created, updated = ts(r["created_timestamp"]), ts(r["updated_timestamp"])
        assert created.utcoffset() == timedelta(hours=-5)
        assert created <= updated
        if r["status"] == "1":
            assert r["udate"] is None
        else:
            assert r["udate"] is not None and ts(r["udate"]) <= updated
            assert ts(r["udate"]) >= ts(r["sdate"])


def test_membership_writes_set_and_clear_udate(sb: Sandbox) -> None:
    c = sb.dump("contacts")[3]["id"]
    lst = sb.dump("lists")[-1]["id"]
    start = datetime.now(UTC).replace(microsecond=0)
    body = {"contactList": {"list": lst, "contact": c, "status": 1}}
    row = post(sb, "/contactLists", body).json()["contactList"]
    assert row["udate"] is None
    assert ts(row["created_timestamp"]) >= start and ts(row["updated_timestamp"]) >= start
    body["contactList"]["status"] = 2
    row = post(sb, "/contactLists", body).json()["contactList"]
    assert row["udate"] is not None and ts(row["udate"]) >= start
    assert ts(row["updated_timestamp"]) >= ts(row["udate"])
    body["contactList"].update(status=1, sourceid=4)
    back = post(sb, "/contactLists", body).json()["contactList"]
    assert back["udate"] is None and back["status"] == "1"
    assert ts(back["updated_timestamp"]) >= ts(row["updated_timestamp"])
    assert back["created_timestamp"] == row["created_timestamp"]


def test_bulk_import_unsubscribe_stamps_the_membership(sb: Sandbox) -> None:
    row = next(r for r in sb.dump("contactLists") if r["status"] == "1")
    email = get(sb, f"/contacts/{row['contact']}").json()["contact"]["email"]
    start = datetime.now(UTC).replace(microsecond=0)
    r = post(
        sb,
        "/import/bulk_import",
        {"contacts": [{"email": email, "unsubscribe": [{"listid": int(row["list"])}]}]},
    )
    assert r.status_code == 200, r.text
    assert sb.wait_imports()
    after = get(sb, f"/contactLists/{row['id']}").json()["contactList"]
    assert after["status"] == "2"
    assert ts(after["udate"]) >= start and ts(after["updated_timestamp"]) >= start


def test_mutating_a_membership_bumps_updated_timestamp_not_udate(sb: Sandbox) -> None:
    rows = {r["id"]: r for r in sb.dump("contactLists")}
    sub = next(r for r in rows.values() if r["status"] == "1")
    unsub = next(r for r in rows.values() if r["status"] == "2")
    control(sb, "mutate", {"resource": "contactLists", "ids": [sub["id"], unsub["id"]]})
    for before in (sub, unsub):
        after = get(sb, f"/contactLists/{before['id']}").json()["contactList"]
        assert after["udate"] == before["udate"]
        assert ts(after["updated_timestamp"]).timestamp() > ANCHOR_TS


# -- filter time reading ---------------------------------------------------------------------
def _udates(sb: Sandbox) -> list[datetime]:
    return sorted(ts(c["udate"]) for c in sb.dump("contacts"))


@pytest.mark.parametrize("reading", ["offset", "account_wall_time"])
def test_filter_time_reading(sb: Sandbox, reading: str) -> None:
    assert configure(sb, filter_time_reading=reading)["filter_time_reading"] == reading
    udates = _udates(sb)
    pivot = udates[len(udates) // 2]
    utc_value = pivot.astimezone(UTC).isoformat()  # ...+00:00
    local_value = pivot.astimezone(ACCOUNT_TZ).isoformat()  # ...-05:00
    late = pivot + (timedelta(hours=5) if reading == "account_wall_time" else timedelta())
    want = sum(1 for u in udates if u >= late)
    assert total(sb, "/contacts", {"filters[updated_after]": utc_value}) == want
    # the account's local time with its offset is right under either reading
    got = total(sb, "/contacts", {"filters[updated_after]": local_value})
    assert got == sum(1 for u in udates if u >= pivot)
    before = sum(1 for u in udates if u <= late)
    assert total(sb, "/contacts", {"filters[updated_before]": utc_value}) == before


@pytest.mark.parametrize("reading", ["offset", "account_wall_time"])
def test_filter_time_reading_for_deals_and_activities(sb: Sandbox, reading: str) -> None:
    assert configure(sb, filter_time_reading=reading)["filter_time_reading"] == reading
    shift = timedelta(hours=5) if reading == "account_wall_time" else timedelta()
    for path, key, field, param in (
        ("/deals", "deals", "mdate", "filters[updated_after]"),
        ("/activities", "activities", "tstamp", "after"),
    ):
        values = sorted(ts(r[field]) for r in sb.dump(key))
        pivot = values[len(values) // 2]
        z = pivot.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert total(sb, path, {param: z}) == sum(1 for v in values if v >= pivot + shift), path


def test_filter_time_reading_rejects_other_values(sb: Sandbox) -> None:
    r = control(sb, "config", {"filter_time_reading": "utc"})
    assert r.status_code == 400 and "account_wall_time" in r.json()["message"]


# -- link writes and the contact's udate -----------------------------------------------------
def _link_writes(sb: Sandbox, c: str) -> dict[str, Callable[[], requests.Response]]:
    tag = sb.dump("tags")[-1]["id"]
    lst = sb.dump("lists")[-1]["id"]
    text_fields = [f["id"] for f in sb.dump("fields") if f["type"] == "text"]
    field = text_fields[0]
    acc = sb.dump("accounts")[-1]["id"]
    auto = sb.dump("automations")[0]["id"]
    email = get(sb, f"/contacts/{c}").json()["contact"]["email"]

    def bulk() -> requests.Response:
        r = post(sb, "/import/bulk_import", {"contacts": [{"email": email, "tags": ["bulk-x"]}]})
        assert sb.wait_imports()
        return r

    def delete_tag() -> requests.Response:
        j = get(sb, f"/contacts/{c}/contactTags").json()["contactTags"][0]["id"]
        return delete(sb, f"/contactTags/{j}")

    def put_fv() -> requests.Response:
        rows = get(sb, f"/contacts/{c}/fieldValues").json()["fieldValues"]
        j = next(x for x in rows if x["field"] in text_fields)
        return put(sb, f"/fieldValues/{j['id']}", {"fieldValue": {"value": "changed"}})

    return {
        "contactTags POST": lambda: post(
            sb, "/contactTags", {"contactTag": {"contact": c, "tag": tag}}
        ),
        "contactTags DELETE": delete_tag,
        "contactLists POST": lambda: post(
            sb, "/contactLists", {"contactList": {"contact": c, "list": lst, "status": 1}}
        ),
        "fieldValues POST": lambda: post(
            sb, "/fieldValues", {"fieldValue": {"contact": c, "field": field, "value": "v2"}}
        ),
        "fieldValues PUT": put_fv,
        "accountContacts POST": lambda: post(
            sb, "/accountContacts", {"accountContact": {"account": acc, "contact": c}}
        ),
        "contactAutomations POST": lambda: post(
            sb, "/contactAutomations", {"contactAutomation": {"contact": c, "automation": auto}}
        ),
        "contact/sync fieldValues only": lambda: post(
            sb,
            "/contact/sync",
            {"contact": {"email": email, "fieldValues": [{"field": field, "value": "v3"}]}},
        ),
        "bulk import tag": bulk,
    }


WRITES = [
    "contactTags POST",
    "contactTags DELETE",
    "contactLists POST",
    "fieldValues POST",
    "fieldValues PUT",
    "accountContacts POST",
    "contactAutomations POST",
    "contact/sync fieldValues only",
    "bulk import tag",
]


@pytest.mark.parametrize("bump", [False, True])
@pytest.mark.parametrize("write", WRITES)
def test_link_writes_bump_contact_udate_switch(sb: Sandbox, write: str, bump: bool) -> None:
    assert (
        configure(sb, link_writes_bump_contact_udate=bump)["link_writes_bump_contact_udate"] is bump
    )
    c = str(_contact_with_text_value(sb))
    before = get(sb, f"/contacts/{c}").json()["contact"]["udate"]
    start = time.time()
    r = _link_writes(sb, c)[write]()
    assert r.status_code < 300, r.text
    after = get(sb, f"/contacts/{c}").json()["contact"]["udate"]
    if bump:
        assert ts(after).timestamp() >= int(start)
    else:
        assert after == before


def test_sync_stamps_udate_only_when_the_contacts_own_keys_change(sb: Sandbox) -> None:
    c = sb.dump("contacts")[5]
    same = {"email": c["email"], "firstName": c["firstName"], "lastName": c["lastName"]}
    assert post(sb, "/contact/sync", {"contact": same}).json()["contact"]["udate"] == c["udate"]
    start = int(time.time())
    post(sb, "/contact/sync", {"contact": {"email": c["email"], "lastName": "Changed"}})
    assert ts(get(sb, f"/contacts/{c['id']}").json()["contact"]["udate"]).timestamp() >= start


# -- deletions -------------------------------------------------------------------------------
def test_deleting_a_contact_takes_its_links_and_deals(sb: Sandbox) -> None:
    c = _contact_with(sb, "contactTags", "contactLists", "fieldValues")
    deal = get(sb, "/deals", {"limit": 1}).json()["deals"][0]
    ac = get(sb, "/accountContacts", {"limit": 1}).json()["accountContacts"][0]
    for victim in dict.fromkeys((c, int(deal["contact"]), int(ac["contact"]))):
        mine = {
            ch: [r["id"] for r in get(sb, f"/contacts/{victim}/{ch}").json()[ch]]
            for ch in (*CHILD_OF_CONTACT, "accountContacts", "deals", "contactDeals")
        }
        totals = {ch: total(sb, f"/{ch}") for ch in mine}
        contacts_before = total(sb, "/contacts")
        assert delete(sb, f"/contacts/{victim}").status_code == 200
        assert total(sb, "/contacts") == contacts_before - 1
        assert get(sb, f"/contacts/{victim}").status_code == 404
        for ch, ids in mine.items():
            assert total(sb, f"/{ch}") == totals[ch] - len(ids), ch
            left = {r["id"] for r in read_all(sb, f"/{ch}", ch)}
            assert not left & set(ids), ch
    assert get(sb, f"/deals/{deal['id']}").status_code == 404
    assert get(sb, f"/accountContacts/{ac['id']}").status_code == 404


def test_deleted_contacts_leave_include_output_and_shift_offsets(sb: Sandbox) -> None:
    params = {"include": ALL, "limit": 3, "offset": 10}
    before = get(sb, "/contacts", params).json()
    gone = before["contacts"][0]["id"]
    fourth = get(sb, "/contacts", {"limit": 1, "offset": 13}).json()["contacts"][0]
    assert delete(sb, f"/contacts/{gone}").status_code == 200
    after = get(sb, "/contacts", params).json()
    assert [c["id"] for c in after["contacts"]] == [
        *(c["id"] for c in before["contacts"][1:]),
        fourth["id"],
    ]
    for ch in ALL.split(","):
        assert gone not in {r["contact"] for r in after[ch]}
    assert int(after["meta"]["total"]) == int(before["meta"]["total"]) - 1


@pytest.mark.parametrize(
    ("parent", "child", "field"),
    [
        ("tags", "contactTags", "tag"),
        ("lists", "contactLists", "list"),
        ("fields", "fieldValues", "field"),
        ("accounts", "accountContacts", "account"),
    ],
)
def test_deleting_a_parent_takes_its_links(
    sb: Sandbox, parent: str, child: str, field: str
) -> None:
    row = get(sb, f"/{child}", {"limit": 1}).json()[child][0]
    pid = row[field]
    linked = [r["id"] for r in read_all(sb, f"/{child}", child) if r[field] == pid]
    before = total(sb, f"/{child}")
    assert delete(sb, f"/{parent}/{pid}").status_code == 200
    assert total(sb, f"/{child}") == before - len(linked)
    assert get(sb, f"/{child}/{row['id']}").status_code in (403, 404)


@pytest.mark.parametrize(
    ("name", "contact_field"),
    [("contactTags", "contact"), ("fieldValues", "contact"), ("accountContacts", "contact")],
)
def test_deleting_a_link_can_bump_its_contact(sb: Sandbox, name: str, contact_field: str) -> None:
    configure(sb, link_writes_bump_contact_udate=True)
    row = get(sb, f"/{name}", {"limit": 1}).json()[name][0]
    start = int(time.time())
    assert delete(sb, f"/{name}/{row['id']}").status_code == 200
    udate = get(sb, f"/contacts/{row[contact_field]}").json()["contact"]["udate"]
    assert ts(udate).timestamp() >= start


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("contactAutomations", "id"),
        ("contactDeals", "id"),
        ("accountCustomFieldData", "id"),
        ("fieldRels", "id"),
        ("messages", "id"),
        ("groups", "id"),
        ("eventTrackingEvents", "name"),
        ("siteTrackingDomains", "name"),
    ],
)
def test_new_delete_endpoints(sb: Sandbox, name: str, key: str) -> None:
    rows = sb.dump(name)
    assert delete(sb, f"/{name}/{rows[0][key]}").status_code == 200
    assert [r["id"] for r in sb.dump(name)] == [r["id"] for r in rows[1:]]
    assert delete(sb, f"/{name}/{rows[0][key]}").status_code == 404


# -- control API -----------------------------------------------------------------------------
LOGS = [
    ("emailActivities", "subscriberid", "contacts"),
    ("dealActivities", "d_dealid", "deals"),
    ("activities", "contact", "contacts"),
    ("bounceLogs", "contact", "contacts"),
    ("contactConversions", "contact", "contacts"),
    ("ecomOrderActivities", "ecomOrderid", "ecomOrders"),
    ("notes", "relid", "contacts"),
    ("contactEmails", "contact", "contacts"),
]


@pytest.mark.parametrize(("name", "parent_field", "parent"), LOGS)
def test_append_adds_new_rows_at_the_tail(
    sb: Sandbox, name: str, parent_field: str, parent: str
) -> None:
    rows = read_all(sb, f"/{name}", name)
    last = max(int(r["id"]) for r in rows)
    start = int(time.time())
    r = control(sb, "append", {"resource": name, "count": 3})
    assert r.status_code == 200, r.text
    new = r.json()["ids"]
    assert len(new) == 3 and new == sorted(new) and new[0] > last
    after = read_all(sb, f"/{name}", name)
    assert len(after) == len(rows) + 3
    tail = after[-3:]
    assert [int(x["id"]) for x in tail] == new
    shape = set(rows[0]) - {"links"}
    for row in tail:
        assert set(row) - {"links"} == shape
        assert get(sb, f"/{parent}/{row[parent_field]}").status_code == 200
        stamps = [v for v in row.values() if isinstance(v, str) and v[:2] == "20" and len(v) > 18]
        assert stamps and all((parse_ts(v) or 0) >= start for v in stamps), stamps


def test_append_refuses_other_resources(sb: Sandbox) -> None:
    r = control(sb, "append", {"resource": "contacts", "count": 1})
    assert r.status_code == 404 and "emailActivities" in r.json()["message"]


def test_control_delete_removes_log_rows_and_shifts_offsets(sb: Sandbox) -> None:
    rows = read_all(sb, "/emailActivities", "emailActivities")
    before = total(sb, "/emailActivities")
    r = control(sb, "delete", {"resource": "emailActivities", "ids": [rows[0]["id"], 999999]})
    assert r.status_code == 200
    assert r.json()["ids"] == [int(rows[0]["id"])]
    assert total(sb, "/emailActivities") == before - 1
    page = get(sb, "/emailActivities", {"limit": 1, "offset": 0}).json()["emailActivities"]
    assert page[0]["id"] == rows[1]["id"]


def test_control_delete_of_a_contact_cascades(sb: Sandbox) -> None:
    c = _contact_with(sb, "fieldValues")
    fvs = [r["id"] for r in get(sb, f"/contacts/{c}/fieldValues").json()["fieldValues"]]
    r = control(sb, "delete", {"resource": "contacts", "ids": [c]}).json()
    assert r["ids"] == [c]
    assert sorted(r["deleted"]["fieldValues"]) == sorted(int(x) for x in fvs)
    assert get(sb, f"/fieldValues/{fvs[0]}").status_code == 403


@pytest.mark.parametrize("bump", [False, True])
def test_mutate_with_links(sb: Sandbox, bump: bool) -> None:
    assert (
        configure(sb, link_writes_bump_contact_udate=bump)["link_writes_bump_contact_udate"] is bump
    )
    ids = [int(c["id"]) for c in sb.dump("contacts")[:4]]
    before = {c: get(sb, f"/contacts/{c}").json() for c in ids}
    start = int(time.time())
    r = control(sb, "mutate", {"resource": "contacts", "ids": ids, "with_links": True})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["ids"] == ids
    assert all(len(out[k]) == len(ids) for k in ("fieldValues", "contactTags", "contactLists"))
    for k, c in enumerate(ids):
        contact = get(sb, f"/contacts/{c}").json()["contact"]
        assert ts(contact["udate"]).timestamp() >= start
        assert contact["lastName"] != before[c]["contact"]["lastName"]
        fv = get(sb, f"/fieldValues/{out['fieldValues'][k]}").json()["fieldValue"]
        assert fv["contact"] == str(c) and ts(fv["udate"]).timestamp() >= start
        old = {x["id"]: x for x in before[c]["fieldValues"]}
        assert fv["id"] not in old or old[fv["id"]]["value"] != fv["value"]
        tag = get(sb, f"/contactTags/{out['contactTags'][k]}").json()["contactTag"]
        assert tag["contact"] == str(c) and tag["id"] not in {
            x["id"] for x in before[c]["contactTags"]
        }
        assert ts(tag["cdate"]).timestamp() >= start
        cl = get(sb, f"/contactLists/{out['contactLists'][k]}").json()["contactList"]
        assert cl["contact"] == str(c) and ts(cl["updated_timestamp"]).timestamp() >= start
        was = {x["id"]: x["status"] for x in before[c]["contactLists"]}
        assert cl["id"] not in was or was[cl["id"]] != cl["status"]
        assert (cl["udate"] is None) == (cl["status"] == "1")


def test_options_reach_the_account(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(
        filter_time_reading="account_wall_time",
        list_includes=["fieldValues", "contactTags"],
        link_writes_bump_contact_udate=True,
    )
    cfg = requests.get(f"{sb.base_url}/__sandbox/config", timeout=10).json()
    assert cfg["filter_time_reading"] == "account_wall_time"
    assert cfg["list_includes"] == ["fieldValues", "contactTags"]
    assert cfg["link_writes_bump_contact_udate"] is True


def test_cli_and_process_options() -> None:
    with SandboxProcess(
        30,
        filter_time_reading="account_wall_time",
        list_includes=["fieldValues"],
        link_writes_bump_contact_udate=True,
    ) as proc:
        cfg = proc.control("GET", "config")
        assert cfg["filter_time_reading"] == "account_wall_time"
        assert cfg["list_includes"] == ["fieldValues"]
        assert cfg["link_writes_bump_contact_udate"] is True
        new = proc.append("emailActivities", 2)
        assert len(new) == 2
        assert proc.delete("emailActivities", new[:1])["emailActivities"] == new[:1]
        out = proc.mutate("contacts", 0.1, with_links=True)
        assert len(out["ids"]) == 3 and len(out["contactTags"]) == 3


@pytest.mark.parametrize("bump", [False, True])
def test_mutating_a_link_follows_the_bump_switch(sb: Sandbox, bump: bool) -> None:
    assert (
        configure(sb, link_writes_bump_contact_udate=bump)["link_writes_bump_contact_udate"] is bump
    )
    row = get(sb, "/fieldValues", {"limit": 1}).json()["fieldValues"][0]
    before = get(sb, f"/contacts/{row['contact']}").json()["contact"]["udate"]
    start = int(time.time())
    control(sb, "mutate", {"resource": "fieldValues", "ids": [row["id"]]})
    fv = get(sb, f"/fieldValues/{row['id']}").json()["fieldValue"]
    assert ts(fv["udate"]).timestamp() >= start
    after = get(sb, f"/contacts/{row['contact']}").json()["contact"]["udate"]
    assert (after != before) is bump
