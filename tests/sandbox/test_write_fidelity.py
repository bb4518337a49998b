"""Writes where the documentation differs from the easy reading: the sandbox follows the docs.

Each rule here cites the part of activecampaign-v3-openapi-write-endpoints.txt it follows.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from activecampaign_sandbox import Sandbox

from .helpers import get, post, put


@pytest.fixture
def sb(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    return sandbox_factory(contacts=20, import_delay_s=0.0, import_false_window_s=0.0)


def _import(sb: Sandbox, body: dict) -> None:
    r = post(sb, "/import/bulk_import", body)
    assert r.status_code == 200, r.text
    batch = r.json()["batchId"]
    for _ in range(500):
        if get(sb, "/import/info", {"batchId": batch}).json()["status"] == "completed":
            return
        time.sleep(0.01)
    raise AssertionError("import never completed")


def _automations_of(sb: Sandbox, email: str) -> list[str]:
    cid = next(c["id"] for c in sb.dump("contacts") if c["email"] == email)
    return [a["automation"] for a in sb.dump("contactAutomations") if a["contact"] == cid]


# -- POST /import/bulk_import: exclude_automations is per contact (the request example) -----


def test_a_subscribing_import_starts_the_list_automation(sb: Sandbox) -> None:
    _import(sb, {"contacts": [{"email": "auto-on@example.com", "subscribe": [{"listid": 1}]}]})
    assert _automations_of(sb, "auto-on@example.com") == ["1"]
    # subscribed already: a second import starts nothing more
    _import(sb, {"contacts": [{"email": "auto-on@example.com", "subscribe": [{"listid": 1}]}]})
    assert _automations_of(sb, "auto-on@example.com") == ["1"]


def test_the_per_contact_flag_keeps_automations_out(sb: Sandbox) -> None:
    contact = {
        "email": "auto-off@example.com",
        "subscribe": [{"listid": 1}],
        "exclude_automations": True,
    }
    _import(sb, {"contacts": [contact]})
    assert _automations_of(sb, "auto-off@example.com") == []


def test_a_top_level_flag_alone_is_not_the_documented_form_and_is_ignored(sb: Sandbox) -> None:
    body = {
        "contacts": [{"email": "auto-top@example.com", "subscribe": [{"listid": 1}]}],
        "exclude_automations": True,
    }
    _import(sb, body)
    assert _automations_of(sb, "auto-top@example.com") == ["1"]


def test_the_per_contact_flag_must_be_a_boolean(sb: Sandbox) -> None:
    r = post(
        sb,
        "/import/bulk_import",
        {"contacts": [{"email": "x@example.com", "exclude_automations": "yes"}]},
    )
    assert r.status_code == 400
    assert r.json()["failureReasons"] == [
        {"contact": 0, "failureReason": "Field 'exclude_automations' incorrect format"}
    ]


# -- PUT /accountContacts/{id}: AccountUpdateAssociationRequest requires account and contact --


def test_an_association_update_needs_account_and_contact(sb: Sandbox) -> None:
    acc = post(sb, "/accounts", {"account": {"name": "Assoc Co"}}).json()["account"]["id"]
    link = post(sb, "/accountContacts", {"accountContact": {"account": acc, "contact": 3}})
    lid = link.json()["accountContact"]["id"]
    r = put(sb, f"/accountContacts/{lid}", {"accountContact": {"jobTitle": "CEO"}})
    assert r.status_code == 422
    assert r.json()["errors"][0]["source"]["pointer"] == "/data/attributes/account"
    whole = {"account": int(acc), "contact": 3, "jobTitle": "CEO"}
    r = put(sb, f"/accountContacts/{lid}", {"accountContact": whole})
    assert r.status_code == 200
    assert r.json()["accountContact"]["jobTitle"] == "CEO"


# -- account and deal custom field values: the JSON types of the request examples ----------

# sandbox fields: account 1 Industry dropdown, 2 Employees number, 3 Annual Revenue currency,
# 4 Founded date, 5 Description textarea, 6 Segments multiselect
ACCOUNT_VALUES_OK = [
    (1, "Software"),
    (1, "||Software||"),  # the dropdown/radio example's form
    (2, "100.99"),
    (3, 9999),
    (4, "2018-12-31"),
    (5, "test title"),
    (6, ["SMB"]),
    (6, ["SMB", "Enterprise"]),
    (2, ""),  # an empty string clears any type
]
ACCOUNT_VALUES_BAD = [
    (6, "||SMB||Mid||"),  # the contact fields' form: the examples send an array
    (6, ["Nope"]),
    (1, ["Software"]),
    (1, "Nope"),
    (2, 42),  # the number example is a string
    (2, "many"),
    (3, "12.50"),  # cents: an integer
    (4, "31/12/2018"),
    (5, ["x"]),
]


def _account(sb: Sandbox, name: str) -> str:
    return post(sb, "/accounts", {"account": {"name": name}}).json()["account"]["id"]


def test_account_field_values_take_the_examples_types(sb: Sandbox) -> None:
    acc = _account(sb, "Typed Co")
    for field, value in ACCOUNT_VALUES_OK:
        datum = {"customerAccountId": acc, "customFieldId": field, "fieldValue": value}
        if field == 3:
            datum["fieldCurrency"] = "cad"
        r = post(sb, "/accountCustomFieldData", {"accountCustomFieldDatum": datum})
        assert r.status_code == 200, (field, value, r.text)
    for field, value in ACCOUNT_VALUES_BAD:
        datum = {"customerAccountId": acc, "customFieldId": field, "fieldValue": value}
        r = post(sb, "/accountCustomFieldData", {"accountCustomFieldDatum": datum})
        assert r.status_code == 422, (field, value)
        error = r.json()["errors"][0]
        assert error["code"] == "field_invalid" and f"custom field {field} " in error["detail"]


def test_number_and_currency_are_stored_as_numbers_and_arrays_as_arrays(sb: Sandbox) -> None:
    acc = _account(sb, "Stored Co")
    fields = [
        {"customFieldId": 2, "fieldValue": "250"},
        {"customFieldId": 3, "fieldValue": 5500, "fieldCurrency": "eur"},
        {"customFieldId": 6, "fieldValue": ["Mid"]},
    ]
    assert put(sb, f"/accounts/{acc}", {"account": {"fields": fields}}).status_code == 200
    stored = {
        d["customFieldId"]: (d["fieldValue"], d.get("fieldCurrency"))
        for d in sb.dump("accountCustomFieldData")
        if str(d["accountId"]) == acc
    }
    assert stored == {2: (250, None), 3: (5500, "eur"), 6: (["Mid"], None)}


def test_fields_of_an_account_or_deal_are_checked_the_same_and_need_a_currency(sb: Sandbox) -> None:
    bad = {"name": "Fields Co", "fields": [{"customFieldId": 6, "fieldValue": "||SMB||"}]}
    assert post(sb, "/accounts", {"account": bad}).status_code == 422
    # AccountCreateNewAccountRequest: fieldCurrency "Required only for the currency field type"
    no_currency = {"name": "Fields Co", "fields": [{"customFieldId": 3, "fieldValue": 100}]}
    r = post(sb, "/accounts", {"account": no_currency})
    assert r.status_code == 422
    assert r.json()["errors"][0]["source"]["pointer"] == "/data/attributes/fields/fieldCurrency"
    deal = {
        "title": "Typed deal",
        "value": 100,
        "currency": "usd",
        "owner": 1,
        "stage": 1,
        "contact": 2,
        "fields": [{"customFieldId": 5, "fieldValue": "||Acme||"}],  # deal 5: multiselect
    }
    assert post(sb, "/deals", {"deal": deal}).status_code == 422
    deal["fields"] = [{"customFieldId": 5, "fieldValue": ["Acme", "Globex"]}]
    r = post(sb, "/deals", {"deal": deal})
    assert r.status_code == 201
    did = r.json()["deal"]["id"]
    row = next(d for d in sb.dump("dealCustomFieldData") if str(d["dealId"]) == did)
    assert row["fieldValue"] == ["Acme", "Globex"]
    r = put(sb, f"/dealCustomFieldData/{row['id']}", {"dealCustomFieldDatum": {"fieldValue": "x"}})
    assert r.status_code == 422


# -- deals: "a deal requires a primary contact" (the deal reference) ---------------------------


def test_a_deal_needs_its_primary_contact(sb: Sandbox) -> None:
    acc = _account(sb, "Dealer Co")
    deal = {"title": "No contact", "value": 0, "currency": "usd", "owner": 1, "stage": 1}
    r = post(sb, "/deals", {"deal": {**deal, "account": acc}})  # an account is not enough
    assert r.status_code == 422
    assert r.json()["errors"][0]["source"]["pointer"] == "/data/attributes/contact"
    r = post(sb, "/deals", {"deal": {**deal, "contact": 4}})
    assert r.status_code == 201
    did = r.json()["deal"]["id"]
    assert put(sb, f"/deals/{did}", {"deal": {"contact": None}}).status_code == 422
    assert put(sb, f"/deals/{did}", {"deal": {"title": "Renamed"}}).status_code == 200
