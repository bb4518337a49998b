"""Write endpoints: upsert semantics, duplicates, validation errors, mutate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import requests

from activecampaign_sandbox import Sandbox

from .helpers import client, get, post, put


@pytest.fixture
def sb(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    return sandbox_factory(contacts=60)


def _errors(r: requests.Response) -> list[dict]:
    body = r.json()
    assert isinstance(body["errors"], list) and body["errors"]
    for e in body["errors"]:
        assert {"title", "detail", "code", "source"} <= set(e)
        assert "pointer" in e["source"]
    return body["errors"]


def test_sync_creates_then_updates_case_insensitively(sb: Sandbox) -> None:
    r = post(
        sb,
        "/contact/sync",
        {"contact": {"email": "Ann.Lee@Example.com", "firstName": "Ann", "phone": "123"}},
    )
    assert r.status_code == 201
    cid = r.json()["contact"]["id"]
    before = r.json()["contact"]
    r = post(sb, "/contact/sync", {"contact": {"email": "ann.lee@example.COM", "lastName": "Lee"}})
    assert r.status_code == 200
    c = r.json()["contact"]
    assert c["id"] == cid
    assert (c["firstName"], c["lastName"], c["phone"]) == ("Ann", "Lee", "123")
    assert datetime.fromisoformat(c["udate"]) >= datetime.fromisoformat(before["udate"])
    r = post(sb, "/contact/sync", {"contact": {"email": "ann.lee@example.com", "phone": ""}})
    assert r.json()["contact"]["phone"] == ""  # an empty value overwrites
    assert sum(1 for x in sb.dump("contacts") if x["email"].lower() == "ann.lee@example.com") == 1


def test_sync_applies_field_values(sb: Sandbox) -> None:
    r = post(
        sb,
        "/contact/sync",
        {
            "contact": {
                "email": "fv@example.com",
                "fieldValues": [
                    {"field": "5", "value": "CTO"},
                    {"field": "2", "value": "1990-04-01"},
                    {"field": "11", "value": "||Basic||Pro||"},
                ],
            }
        },
    )
    assert r.status_code == 201
    cid = r.json()["contact"]["id"]
    vals = {
        v["field"]: v["value"]
        for v in get(sb, f"/contacts/{cid}/fieldValues").json()["fieldValues"]
    }
    assert vals == {"5": "CTO", "2": "1990-04-01", "11": "||Basic||Pro||"}
    post(
        sb,
        "/contact/sync",
        {"contact": {"email": "fv@example.com", "fieldValues": [{"field": "5", "value": "CEO"}]}},
    )
    vals = [v for v in sb.dump("fieldValues") if v["contact"] == cid and v["field"] == "5"]
    assert [v["value"] for v in vals] == ["CEO"]


@pytest.mark.parametrize(
    ("fv", "code"),
    [
        ({"field": "999", "value": "x"}, "field_invalid"),
        ({"field": "2", "value": "01/02/2020"}, "field_invalid"),
        ({"field": "1", "value": "not-an-option"}, "field_invalid"),
    ],
)
def test_invalid_field_values_are_422(sb: Sandbox, fv: dict, code: str) -> None:
    r = post(sb, "/contact/sync", {"contact": {"email": "bad-fv@example.com", "fieldValues": [fv]}})
    assert r.status_code == 422
    assert _errors(r)[0]["code"] == code
    assert not any(c["email"] == "bad-fv@example.com" for c in sb.dump("contacts"))


def test_create_contact_duplicate_and_invalid_email(sb: Sandbox) -> None:
    existing = sb.dump("contacts")[0]["email"]
    r = post(sb, "/contacts", {"contact": {"email": existing.upper()}})
    assert r.status_code == 422
    e = _errors(r)[0]
    assert (e["code"], e["title"]) == ("duplicate", "Email address already exists in the system")
    assert e["source"]["pointer"] == "/data/attributes/email"
    r = post(sb, "/contacts", {"contact": {"email": "not-an-email"}})
    assert r.status_code == 422
    assert post(sb, "/contacts", {"contact": {"email": "new1@example.com"}}).status_code == 201


def test_malformed_json_is_400(sb: Sandbox) -> None:
    s = client(sb)
    for path in ("/contacts", "/contact/sync", "/deals", "/tags"):
        r = s.post(
            sb.api_url + path, data=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert r.status_code == 400


def test_put_contact(sb: Sandbox) -> None:
    r = put(sb, "/contacts/3", {"contact": {"firstName": "Renamed"}})
    assert r.status_code == 200
    assert get(sb, "/contacts/3").json()["contact"]["firstName"] == "Renamed"
    other = sb.dump("contacts")[4]["email"]
    assert put(sb, "/contacts/3", {"contact": {"email": other}}).status_code == 422
    assert put(sb, "/contacts/99999", {"contact": {"firstName": "x"}}).status_code == 404


def test_written_contacts_show_up_in_incremental_reads(sb: Sandbox) -> None:
    newest = max(datetime.fromisoformat(c["udate"]) for c in sb.dump("contacts"))
    post(sb, "/contact/sync", {"contact": {"email": "inc@example.com"}})
    put(sb, "/contacts/2", {"contact": {"lastName": "Changed"}})
    got = get(sb, "/contacts", {"filters[updated_after]": newest.isoformat()}).json()
    assert {c["email"] for c in got["contacts"]} >= {"inc@example.com"}
    assert "2" in {c["id"] for c in got["contacts"]}


def test_contact_tags_link_duplicate_and_delete(sb: Sandbox) -> None:
    t = post(sb, "/tags", {"tag": {"tag": "Launch", "tagType": "contact", "description": "d"}})
    assert t.status_code == 201
    tag = t.json()["tag"]["id"]
    dup = post(sb, "/tags", {"tag": {"tag": "launch", "tagType": "contact"}})
    assert dup.status_code == 422
    r1 = post(sb, "/contactTags", {"contactTag": {"contact": "7", "tag": tag}})
    r2 = post(sb, "/contactTags", {"contactTag": {"contact": 7, "tag": int(tag)}})
    assert r1.status_code == r2.status_code == 201
    assert r1.json()["contactTag"]["id"] == r2.json()["contactTag"]["id"]
    links = [x for x in sb.dump("contactTags") if x["contact"] == "7" and x["tag"] == tag]
    assert len(links) == 1
    assert get(sb, "/contacts", {"tagid": tag}).json()["meta"]["total"] == "1"
    link = r1.json()["contactTag"]["id"]
    assert client(sb).delete(f"{sb.api_url}/contactTags/{link}").status_code == 200
    assert client(sb).delete(f"{sb.api_url}/contactTags/{link}").status_code == 404
    assert get(sb, "/contacts", {"tagid": tag}).json()["meta"]["total"] == "0"
    assert (
        post(sb, "/contactTags", {"contactTag": {"contact": 99999, "tag": tag}}).status_code == 404
    )
    assert post(sb, "/contactTags", {"contactTag": {"tag": tag}}).status_code == 422


def test_contact_lists_subscribe_unsubscribe(sb: Sandbox) -> None:
    lst = post(
        sb,
        "/lists",
        {
            "list": {
                "name": "VIPs",
                "sender_url": "https://x.example",
                "sender_reminder": "You signed up",
            }
        },
    )
    assert lst.status_code == 200
    lid = lst.json()["list"]["id"]
    r = post(sb, "/contactLists", {"contactList": {"list": lid, "contact": 9, "status": 1}})
    assert r.status_code == 200 and r.json()["contactList"]["status"] == "1"
    r = post(sb, "/contactLists", {"contactList": {"list": lid, "contact": 9, "status": 2}})
    assert r.json()["contactList"]["status"] == "2"
    # re-subscribing needs sourceid 4
    r = post(sb, "/contactLists", {"contactList": {"list": lid, "contact": 9, "status": 1}})
    assert r.json()["contactList"]["status"] == "2"
    r = post(
        sb,
        "/contactLists",
        {"contactList": {"list": lid, "contact": 9, "status": 1, "sourceid": 4}},
    )
    assert r.json()["contactList"]["status"] == "1"
    assert (
        post(
            sb, "/contactLists", {"contactList": {"list": lid, "contact": 9, "status": 5}}
        ).status_code
        == 422
    )


def test_fields_duplicate_title(sb: Sandbox) -> None:
    r = post(sb, "/fields", {"field": {"title": "Shoe size", "type": "dropdown"}})
    assert r.status_code == 201
    fid = r.json()["field"]["id"]
    assert (
        _errors(post(sb, "/fields", {"field": {"title": "SHOE SIZE", "type": "text"}}))[0]["code"]
        == "duplicate"
    )
    r = post(
        sb, "/fieldOption/bulk", {"fieldOptions": [{"field": fid, "label": "40", "value": "40"}]}
    )
    assert r.status_code == 201
    assert post(sb, "/fieldRels", {"fieldRel": {"field": fid, "relid": 0}}).status_code == 201
    ok = post(sb, "/fieldValues", {"fieldValue": {"contact": 4, "field": fid, "value": "40"}})
    assert ok.status_code == 200
    bad = post(sb, "/fieldValues", {"fieldValue": {"contact": 4, "field": fid, "value": "41"}})
    assert bad.status_code == 422
    fv = ok.json()["fieldValue"]["id"]
    assert put(sb, f"/fieldValues/{fv}", {"fieldValue": {"value": "40"}}).status_code == 200


def test_accounts_duplicates_and_links(sb: Sandbox) -> None:
    r = post(
        sb,
        "/accounts",
        {
            "account": {
                "name": "Brand New Co",
                "accountUrl": "https://b.example",
                "fields": [{"customFieldId": 2, "fieldValue": "42"}],  # number: a string
            }
        },
    )
    assert r.status_code == 201
    aid = r.json()["account"]["id"]
    e = _errors(post(sb, "/accounts", {"account": {"name": "brand new co"}}))[0]
    assert e["code"] == "duplicate"
    data = [d for d in sb.dump("accountCustomFieldData") if str(d["accountId"]) == aid]
    assert [(d["customFieldId"], d["fieldValue"]) for d in data] == [(2, 42)]
    assert put(sb, f"/accounts/{aid}", {"account": {"name": "Renamed Co"}}).status_code == 200
    assert post(sb, "/accounts", {"account": {"name": "Brand New Co"}}).status_code == 201
    assert (
        post(sb, "/accountContacts", {"accountContact": {"account": aid, "contact": 5}}).status_code
        == 201
    )
    dup = post(sb, "/accountContacts", {"accountContact": {"account": aid, "contact": 5}})
    assert dup.status_code == 422
    r = post(
        sb,
        "/accountCustomFieldData",
        {
            "accountCustomFieldDatum": {
                "customerAccountId": aid,
                "customFieldId": 1,
                "fieldValue": "Retail",
            }
        },
    )
    assert r.status_code == 200


def test_deals_create_update_and_validate(sb: Sandbox) -> None:
    body = {
        "deal": {
            "title": "Big one",
            "value": 45600,
            "currency": "usd",
            "owner": 1,
            "stage": 2,
            "contact": 3,
            "fields": [{"customFieldId": 2, "fieldValue": "won on price"}],
        }
    }
    r = post(sb, "/deals", body)
    assert r.status_code == 201
    d = r.json()["deal"]
    assert (d["group"], d["stage"], d["value"]) == ("1", "2", "45600")
    r = put(sb, f"/deals/{d['id']}", {"deal": {"status": 1, "title": "Won"}})
    assert r.status_code == 200 and r.json()["deal"]["status"] == "1"
    assert datetime.fromisoformat(r.json()["deal"]["mdate"]) >= datetime.fromisoformat(d["mdate"])
    bad = post(sb, "/deals", {"deal": {**body["deal"], "group": "3"}})
    assert bad.status_code == 422
    assert post(sb, "/deals", {"deal": {"title": "x"}}).status_code == 422
    assert (
        post(
            sb,
            "/dealCustomFieldData",
            {"dealCustomFieldDatum": {"dealId": d["id"], "customFieldId": 6, "fieldValue": "3"}},
        ).status_code
        == 200
    )


def test_notes(sb: Sandbox) -> None:
    r = post(sb, "/notes", {"note": {"note": "Hello", "relid": 2, "reltype": "Subscriber"}})
    assert r.status_code == 201
    assert [n["note"] for n in get(sb, "/contacts/2/notes").json()["notes"]][-1] == "Hello"
    assert (
        post(sb, "/notes", {"note": {"note": "x", "relid": 99999, "reltype": "Deal"}}).status_code
        == 404
    )
    assert post(sb, "/deals/1/notes", {"note": {"note": "deal note"}}).status_code == 201


def test_ecommerce(sb: Sandbox) -> None:
    c = post(
        sb,
        "/ecomCustomers",
        {
            "ecomCustomer": {
                "connectionid": "1",
                "externalid": "X1",
                "email": "buyer@example.com",
                "acceptsMarketing": "1",
            }
        },
    )
    assert c.status_code == 201
    cust = c.json()["ecomCustomer"]["id"]
    assert (
        post(
            sb,
            "/ecomCustomers",
            {"ecomCustomer": {"connectionid": "1", "externalid": "X1", "email": "b@example.com"}},
        ).status_code
        == 422
    )
    order = {
        "externalid": "O-1",
        "source": "1",
        "email": "buyer@example.com",
        "totalPrice": 9111,
        "currency": "USD",
        "connectionid": "1",
        "customerid": cust,
        "externalCreatedDate": "2026-01-13T17:41:39-04:00",
        "orderProducts": [
            {"name": "Pogo", "price": 4900, "quantity": 1},
            {"name": "Board", "price": 3000, "quantity": 1},
        ],
    }
    r = post(sb, "/ecomOrders", {"ecomOrder": order})
    assert r.status_code == 201
    oid = r.json()["ecomOrder"]["id"]
    prods = get(sb, f"/ecomOrders/{oid}/orderProducts").json()["ecomOrderProducts"]
    assert [p["name"] for p in prods] == ["Pogo", "Board"]
    assert post(sb, "/ecomOrders", {"ecomOrder": order}).status_code == 422
    r = put(
        sb,
        f"/ecomOrders/{oid}",
        {
            "ecomOrder": {
                "totalPrice": 100,
                "orderProducts": [{"name": "Mug", "price": 100, "quantity": 1}],
            }
        },
    )
    assert r.status_code == 200 and r.json()["ecomOrder"]["totalPrice"] == 100
    prods = get(sb, f"/ecomOrders/{oid}/orderProducts").json()["ecomOrderProducts"]
    assert [p["name"] for p in prods] == ["Mug"]
    assert (
        post(
            sb, "/ecomOrders", {"ecomOrder": {**order, "externalid": "O-2", "customerid": "99999"}}
        ).status_code
        == 422
    )


def test_custom_object_records_upsert_by_external_id(sb: Sandbox) -> None:
    sid = sb.schema_ids()[0]
    path = f"/customObjects/records/{sid}"
    before = len(sb.dump(path[1:]))
    r1 = post(
        sb,
        path,
        {
            "record": {
                "externalId": "sub-x",
                "fields": [{"id": "plan", "value": "pro"}],
                "relationships": {"primary-contact": [3]},
            }
        },
    )
    assert r1.status_code == 201
    r2 = post(
        sb, path, {"record": {"externalId": "sub-x", "fields": [{"id": "seats", "value": 4}]}}
    )
    assert r2.status_code == 200
    assert r1.json()["record"]["id"] == r2.json()["record"]["id"]
    fields = {f["id"]: f["value"] for f in r2.json()["record"]["fields"]}
    assert fields == {"plan": "pro", "seats": 4}
    assert len(sb.dump(path[1:])) == before + 1
    gen = sb.dump(path[1:])[0]
    r3 = post(sb, path, {"record": {"externalId": gen["externalId"], "fields": []}})
    assert r3.status_code == 200 and r3.json()["record"]["id"] == gen["id"]
    assert (
        post(
            sb, path, {"record": {"externalId": "y", "fields": [{"id": "nope", "value": 1}]}}
        ).status_code
        == 422
    )


def test_mutate_bumps_updated_and_changes_a_field(sb: Sandbox) -> None:
    before = {c["id"]: c for c in sb.dump("contacts")}
    newest = max(datetime.fromisoformat(c["udate"]) for c in before.values())
    touched = sb.mutate("contacts", fraction=0.1)
    assert len(touched) == 6
    after = {c["id"]: c for c in sb.dump("contacts")}
    for i in touched:
        assert datetime.fromisoformat(after[str(i)]["udate"]) > newest
        assert after[str(i)]["lastName"] != before[str(i)]["lastName"]
    since = (newest + timedelta(seconds=1)).isoformat()
    got = get(sb, "/contacts", {"filters[updated_after]": since}).json()
    assert sorted(int(c["id"]) for c in got["contacts"]) == sorted(touched)

    r = requests.post(
        sb.base_url + "/__sandbox/mutate", json={"resource": "deals", "ids": [1, "2"]}
    )
    assert r.json() == {"ids": [1, 2]}


def test_generic_put_changes_sent_keys_and_stamps_updated(sb: Sandbox) -> None:
    r = put(sb, "/ecomCustomers/1", {"ecomCustomer": {"acceptsMarketing": 1}})
    assert r.status_code == 200 and r.json()["ecomCustomer"]["acceptsMarketing"] == "1"
    assert put(sb, "/ecomCustomers/1", {"ecomCustomer": {"email": "nope"}}).status_code == 422
    tags = sb.dump("tags")
    r = put(sb, f"/tags/{tags[0]['id']}", {"tag": {"tag": tags[1]["tag"].upper()}})
    assert r.status_code == 422
    r = put(sb, f"/tags/{tags[0]['id']}", {"tag": {"description": "edited"}})
    assert r.json()["tag"]["description"] == "edited"
    assert put(sb, "/notes/99999", {"note": {"note": "x"}}).status_code == 404


def test_ecom_orders_send_amounts_as_numbers(sb: Sandbox) -> None:
    o = get(sb, "/ecomOrders", {"limit": 1}).json()["ecomOrders"][0]
    for k in (
        "totalPrice",
        "shippingAmount",
        "taxAmount",
        "discountAmount",
        "totalProducts",
        "state",
    ):
        assert isinstance(o[k], int), k
    p = get(sb, f"/ecomOrders/{o['id']}/orderProducts").json()["ecomOrderProducts"][0]
    assert (p["orderid"], p["ecomOrder"], p["connectionid"]) == (
        o["id"],
        o["id"],
        o["connectionid"],
    )
