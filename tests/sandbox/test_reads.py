"""Read endpoints: envelopes, pagination arithmetic, determinism, every endpoint served."""

from __future__ import annotations

import pytest

from activecampaign_sandbox import Sandbox
from activecampaign_sandbox.api import Account

from .helpers import client, get, read_all

LIST_ENDPOINTS = [
    "contacts",
    "fields",
    "fieldValues",
    "lists",
    "contactLists",
    "tags",
    "contactTags",
    "contactAutomations",
    "accounts",
    "accountContacts",
    "accountCustomFieldMeta",
    "accountCustomFieldData",
    "deals",
    "dealStages",
    "dealGroups",
    "dealGroupUsers",
    "dealTasks",
    "dealTasktypes",
    "dealCustomFieldMeta",
    "dealCustomFieldData",
    "dealActivities",
    "dealRoles",
    "contactDeals",
    "notes",
    "automations",
    "automationBlocks",
    "goals",
    "campaigns",
    "campaignLists",
    "campaignMessages",
    "links",
    "messages",
    "templates",
    "emailActivities",
    "bounceLogs",
    "contactData",
    "contactEmails",
    "contactConversions",
    "conversions",
    "conversionTriggers",
    "users",
    "groups",
    "groupLimits",
    "segments",
    "forms",
    "webhooks",
    "webhook/events",
    "addresses",
    "brandings",
    "calendars",
    "configs",
    "personalizations",
    "connections",
    "ecomCustomers",
    "ecomOrders",
    "ecomOrderProducts",
    "ecomOrderActivities",
    "savedResponses",
    "scores",
    "siteMessages",
    "sms",
    "taskOutcomes",
    "tasktypeOutcomeRels",
    "siteTrackingDomains",
    "eventTrackingEvents",
    "fieldOptions",
    "fieldRels",
]
NO_META = {
    "accountCustomFieldMeta",
    "accountCustomFieldData",
    "dealCustomFieldMeta",
    "dealCustomFieldData",
}


@pytest.mark.parametrize("name", LIST_ENDPOINTS)
def test_every_list_endpoint_is_served(sandbox: Sandbox, name: str) -> None:
    r = get(sandbox, "/" + name)
    assert r.status_code == 200, r.text
    body = r.json()
    key = "webhookEvents" if name == "webhook/events" else name
    assert isinstance(body[key], list)
    if name in NO_META:
        assert "meta" not in body
    else:
        assert isinstance(body["meta"]["total"], str)
    for rec in body[key]:
        if isinstance(rec, dict):
            assert isinstance(rec["id"], str)


def test_api_root_answers_200_with_a_valid_token(sandbox: Sandbox) -> None:
    assert get(sandbox, "/").status_code == 200
    assert client(sandbox).get(sandbox.api_url).status_code == 200


def test_contact_shape(sandbox: Sandbox) -> None:
    c = get(sandbox, "/contacts", {"limit": 1}).json()["contacts"][0]
    for k in (
        "email",
        "firstName",
        "lastName",
        "phone",
        "cdate",
        "udate",
        "hash",
        "bounced_date",
        "created_timestamp",
        "updated_timestamp",
        "links",
        "id",
    ):
        assert k in c
    assert c["cdate"][-6:] in ("-05:00",)
    assert c["links"]["contactTags"].endswith(f"/contacts/{c['id']}/contactTags")


def test_default_limit_is_20_and_total_is_a_string(sandbox: Sandbox) -> None:
    body = get(sandbox, "/contacts").json()
    assert len(body["contacts"]) == 20
    assert body["meta"]["total"] == "300"
    assert [c["id"] for c in body["contacts"]] == [str(i) for i in range(1, 21)]


@pytest.mark.parametrize(
    ("limit", "expected"), [("5", 5), ("100", 100), ("250", 100), ("0", 1), ("-3", 1), ("junk", 20)]
)
def test_limit_is_clamped(sandbox: Sandbox, limit: str, expected: int) -> None:
    assert len(get(sandbox, "/contacts", {"limit": limit}).json()["contacts"]) == expected


def test_offset_pages_tile_the_whole_list(sandbox: Sandbox) -> None:
    seen: list[str] = []
    for offset in range(0, 320, 30):
        body = get(sandbox, "/contactTags", {"limit": 30, "offset": offset}).json()
        total = int(body["meta"]["total"])
        assert len(body["contactTags"]) == max(0, min(30, total - offset))
        seen += [x["id"] for x in body["contactTags"]]
    assert len(seen) == len(set(seen))
    assert seen == [x["id"] for x in sandbox.dump("contactTags")][: len(seen)]


def test_offset_past_the_end_is_empty(sandbox: Sandbox) -> None:
    body = get(sandbox, "/contacts", {"offset": 10_000}).json()
    assert body["contacts"] == []
    assert body["meta"]["total"] == "300"


def test_keyset_paging_reads_every_contact_once(sandbox: Sandbox) -> None:
    last, ids = 0, []
    while True:
        page = get(
            sandbox, "/contacts", {"id_greater": last, "orders[id]": "ASC", "limit": 100}
        ).json()["contacts"]
        if not page:
            break
        ids += [int(c["id"]) for c in page]
        last = ids[-1]
    assert ids == sorted({int(c["id"]) for c in sandbox.dump("contacts")})


def test_unknown_parameters_are_ignored(sandbox: Sandbox) -> None:
    a = get(sandbox, "/deals", {"limit": 7}).json()
    b = get(sandbox, "/deals", {"limit": 7, "frobnicate": "1", "filters[nope]": "x"}).json()
    assert a == b


def test_custom_field_meta_pages_until_a_short_page(sandbox: Sandbox) -> None:
    rows = read_all(sandbox, "/accountCustomFieldData", "accountCustomFieldData")
    assert len(rows) == len(sandbox.dump("accountCustomFieldData")) > 0


def test_single_record_and_404(sandbox: Sandbox) -> None:
    assert get(sandbox, "/deals/3").json()["deal"]["id"] == "3"
    r = get(sandbox, "/deals/999999")
    assert r.status_code == 404
    assert "message" in r.json()
    full = get(sandbox, "/contacts/7").json()
    assert full["contact"]["id"] == "7"
    assert {"contactLists", "fieldValues", "deals"} <= set(full)


def test_child_endpoints_match_the_account_wide_lists(sandbox: Sandbox) -> None:
    tags = [t for t in sandbox.dump("contactTags") if t["contact"] == "5"]
    child = get(sandbox, "/contacts/5/contactTags").json()["contactTags"]
    assert [t["id"] for t in child] == [t["id"] for t in tags]
    order = sandbox.dump("ecomOrders")[0]
    prods = get(sandbox, f"/ecomOrders/{order['id']}/orderProducts").json()["ecomOrderProducts"]
    assert [p["id"] for p in prods] == order["orderProducts"]
    assert all(p["orderid"] == order["id"] for p in prods)


def test_relationships_are_consistent(sandbox: Sandbox) -> None:
    contacts = {c["id"] for c in sandbox.dump("contacts")}
    tags = {t["id"] for t in sandbox.dump("tags")}
    for ct in sandbox.dump("contactTags"):
        assert ct["contact"] in contacts and ct["tag"] in tags
    stages = {s["id"]: s["group"] for s in sandbox.dump("dealStages")}
    for d in sandbox.dump("deals"):
        assert d["contact"] in contacts
        assert stages[d["stage"]] == d["group"]
    customers = {c["id"] for c in sandbox.dump("ecomCustomers")}
    for o in sandbox.dump("ecomOrders"):
        assert o["customerid"] in customers


def test_custom_objects(sandbox: Sandbox) -> None:
    schemas = get(sandbox, "/customObjects/schemas").json()
    assert schemas["meta"]["total"] == len(schemas["schemas"]) == 3
    sid = schemas["schemas"][0]["id"]
    body = get(sandbox, f"/customObjects/records/{sid}", {"limit": 5}).json()
    assert body["meta"] == {"total": 30, "count": 5, "limit": 5, "offset": 0}
    rec = body["records"][0]
    assert {"id", "externalId", "fields", "relationships"} <= set(rec)
    assert get(sandbox, "/customObjects/records/not-a-schema").status_code == 404


def test_same_seed_same_data_other_seed_other_data() -> None:
    a1, a2, b = Account(7, 120), Account(7, 120), Account(8, 120)
    assert a1.dump("contacts") == a2.dump("contacts")
    assert a1.dump("deals") == a2.dump("deals")
    assert a1.dump("contacts") != b.dump("contacts")


def test_empty_account_has_configuration_but_no_contacts() -> None:
    acct = Account(1, 0)
    for name in (
        "contacts",
        "contactTags",
        "fieldValues",
        "deals",
        "accounts",
        "ecomOrders",
        "activities",
        "notes",
    ):
        assert acct.dump(name) == [], name
    for name in (
        "users",
        "lists",
        "fields",
        "fieldOptions",
        "dealGroups",
        "dealStages",
        "dealTasktypes",
        "accountCustomFieldMeta",
        "dealCustomFieldMeta",
        "connections",
        "customObjects/schemas",
    ):
        assert acct.dump(name), name


def test_scale_follows_contacts() -> None:
    acct = Account(1, 2000)
    n = {k: len(v) for k, v in acct.world.tables.items()}
    assert n["contacts"] == 2000
    assert 3000 <= n["contactTags"] <= 5000
    assert 2000 <= n["contactLists"] <= 4000
    assert 5000 <= n["fieldValues"] <= 7000
    assert n["deals"] == 200 and n["accounts"] == 100 and n["ecomOrders"] == 100


def test_generated_links_are_unique() -> None:
    acct = Account(5, 3000)
    for name, a, b in (
        ("contactTags", "contact", "tag"),
        ("contactLists", "contact", "list"),
        ("fieldValues", "contact", "field"),
        ("accountContacts", "account", "contact"),
    ):
        rows = acct.dump(name)
        pairs = [(r[a], r[b]) for r in rows]
        assert len(pairs) == len(set(pairs)), name
    emails = [c["email"].lower() for c in acct.dump("contacts")]
    assert len(emails) == len(set(emails))
    names = [x["name"].lower() for x in acct.dump("accounts")]
    assert len(names) == len(set(names))


def test_documented_quirks(sandbox: Sandbox) -> None:
    acc = get(sandbox, "/accounts", {"limit": 1}).json()["accounts"][0]
    assert isinstance(acc["links"], list)  # "notes: https://..." strings, as documented
    assert acc["links"][0].startswith("notes: ")
    deals = get(sandbox, "/deals", {"limit": 100}).json()["deals"]
    assert {d["edate"] for d in deals if d["status"] == "0"} == {"0000-00-00 00:00:00"}
    assert all(d["winProbability"] is None or isinstance(d["winProbability"], int) for d in deals)
    assert get(sandbox, "/contacts/99999").json() == {
        "message": "No Result found for Subscriber with id 99999"
    }
