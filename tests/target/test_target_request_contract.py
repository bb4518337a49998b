"""Every request body the target sends, checked field by field against the write reference.

The contract comes from activecampaign-v3-openapi-write-endpoints.txt itself (parsed by
`reference_contract`): per endpoint the wrapper key, the field names and the JSON types of its
request examples, joined with its schema where the document has one. Bodies are checked with
`jsonschema` two ways: what the target really sent over HTTP to the sandbox in runs that reach
every write endpoint it uses, and what its pure builders make for every custom field type.
A field the document does not know fails the test unless it is listed in `EXTRAS` with the
reason we send it.
"""

from __future__ import annotations

import json
import os
import re
import typing as t
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from jsonschema import Draft202012Validator
from reference_contract import (
    WriteReference,
    json_type,
    load_write_reference,
    object_node,
    parse_write_reference,
    reference_dir,
    request_schema,
    schema_node,
)
from target_helpers import TOKEN, run_target, stream_messages

from activecampaign_sandbox import Sandbox
from target_activecampaign.contact_contract import ContactIntent, import_entry, sync_body
from target_activecampaign.import_sizing import import_body
from target_activecampaign.values import FieldDef, format_meta_value, meta_field_item

# -- which part of the document each body we send answers to ----------------------------------

#: our route -> (the document's endpoint whose examples apply, a documented schema by name).
#: The document lists request bodies for POST endpoints only; a PUT is checked against its
#: schema from the `Schemas` section (AccountUpdate*, FieldUpdateCustomFieldValueRequest) and,
#: where it has none there (DealUpdateExistingDealRequest, the e-commerce updates), against the
#: POST examples of the same object, which use the same wrapper key.
CONTRACTS: dict[str, tuple[str | None, str | None]] = {
    "POST /import/bulk_import": ("POST /import/bulk_import", None),
    "POST /contact/sync": ("POST /contact/sync", None),
    "POST /contactTags": ("POST /contactTags", None),
    "POST /contactLists": ("POST /contactLists", None),
    "POST /tags": ("POST /tags", None),
    "POST /accounts": ("POST /accounts", None),
    "PUT /accounts/{id}": (None, "AccountUpdateExistingRequest"),
    "POST /accountContacts": ("POST /accountContacts", None),
    "PUT /accountContacts/{id}": (None, "AccountUpdateAssociationRequest"),
    "POST /accountCustomFieldData": ("POST /accountCustomFieldData", None),
    "PUT /accountCustomFieldData/{id}": (None, "FieldUpdateCustomFieldValueRequest"),
    "POST /dealCustomFieldData": ("POST /dealCustomFieldData", None),
    "PUT /dealCustomFieldData/{id}": ("POST /dealCustomFieldData", None),
    "POST /deals": ("POST /deals", None),
    "PUT /deals/{id}": ("POST /deals", None),
    "POST /notes": ("POST /notes", None),
    "POST /ecomCustomers": ("POST /ecomCustomers", None),
    "PUT /ecomCustomers/{id}": ("POST /ecomCustomers", None),
    "POST /ecomOrders": ("POST /ecomOrders", None),
    "PUT /ecomOrders/{id}": ("POST /ecomOrders", None),
    "POST /customObjects/records/{schemaId}": ("POST /customObjects/records/{schemaId}", None),
}
#: writes without a body
BODILESS = {"DELETE /contactTags/{id}"}

#: A custom field value anywhere takes the types the custom field value examples show for
#: some field type (`POST /accountCustomFieldData`, `/dealCustomFieldData`: strings, arrays
#: of options, integer cents); the `fields` of the account and deal examples show only a few.
ACCOUNT_VALUES = ("POST /accountCustomFieldData", "accountCustomFieldDatum.fieldValue")
DEAL_VALUES = ("POST /dealCustomFieldData", "dealCustomFieldDatum.fieldValue")
VALUE_TYPES_FROM: dict[str, tuple[str, tuple[str, str]]] = {
    "POST /accounts": ("account.fields.fieldValue", ACCOUNT_VALUES),
    "PUT /accounts/{id}": ("account.fields.fieldValue", ACCOUNT_VALUES),
    "PUT /accountCustomFieldData/{id}": ("accountCustomFieldDatum.fieldValue", ACCOUNT_VALUES),
    "POST /deals": ("deal.fields.fieldValue", DEAL_VALUES),
    "PUT /deals/{id}": ("deal.fields.fieldValue", DEAL_VALUES),
}

#: Fields we send that the document does not show (or shows with a narrower type), and why.
EXTRAS: dict[tuple[str, str], tuple[dict[str, t.Any], str]] = {
    ("POST /import/bulk_import", "exclude_automations"): (
        {"type": ["boolean"]},
        "api-facts.md 'Writing': the bulk import body's top-level flag; kept beside the "
        "per-contact flag of the request example, for accounts that read it there",
    ),
    ("POST /deals", "deal.percent"): (
        {"type": ["integer", "number", "string", "null"]},
        "the example shows null only; the record's win percentage is passed on",
    ),
    ("PUT /deals/{id}", "deal.percent"): (
        {"type": ["integer", "number", "string", "null"]},
        "as for POST /deals",
    ),
    ("POST /customObjects/records/{schemaId}", "record.fields.value"): (
        {"type": ["string", "integer", "number", "boolean", "array", "null"]},
        "a record field takes its schema field's type; the examples show a number field only",
    ),
}


def require_reference_dir(directory: Path | None, environ: t.Mapping[str, str]) -> Path:
    """The reference folder; missing, the tests skip locally but FAIL in CI (`CI` set), where
    a fresh clone has ../shared beside it and a skip would hide the whole contract."""
    if directory is not None:
        return directory
    message = "the write-endpoint reference text is not here (set AC_REFERENCE_DIR)"
    if environ.get("CI"):
        pytest.fail(f"{message}; CI must have ../shared/reference beside the clone")
    pytest.skip(message)


@pytest.fixture(scope="module")
def reference() -> WriteReference:
    return load_write_reference(require_reference_dir(reference_dir(), os.environ))


def test_a_missing_reference_fails_in_ci_and_skips_elsewhere(tmp_path: Path) -> None:
    assert require_reference_dir(tmp_path, {"CI": "true"}) == tmp_path
    with pytest.raises(pytest.fail.Exception, match="CI must have"):
        require_reference_dir(None, {"CI": "true"})
    with pytest.raises(pytest.skip.Exception):
        require_reference_dir(None, {})


def contract(reference: WriteReference, route: str) -> dict[str, t.Any]:
    """The JSON Schema a body for `route` must satisfy (see CONTRACTS, VALUE_TYPES_FROM)."""
    endpoint, schema_name = CONTRACTS[route]
    schema = request_schema(reference, endpoint, schema_name)
    if route in VALUE_TYPES_FROM:
        path, (source, source_path) = VALUE_TYPES_FROM[route]
        parent, _, key = path.rpartition(".")
        values = schema_node(request_schema(reference, source), source_path)
        object_node(schema, parent)["properties"][key] = values
    for (extra_route, path), (extra, _) in EXTRAS.items():
        if extra_route == route:
            parent, _, key = path.rpartition(".")
            object_node(schema, parent)["properties"][key] = extra
    return schema


def problems(schema: dict[str, t.Any], body: t.Any) -> list[str]:
    validator = Draft202012Validator(schema)
    return [
        f"{'.'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message}"
        for e in validator.iter_errors(body)
    ]


# -- the parser reads the document as it is --------------------------------------------------


def test_the_parser_reads_endpoints_examples_and_schemas(reference: WriteReference) -> None:
    assert len(reference.endpoints) >= 45
    bulk = reference.endpoints["POST /import/bulk_import"]
    assert bulk.schema_ref == "ContactBulkImportContactsRequest"
    example = bulk.examples["Request Example"]
    assert example["contacts"][0]["exclude_automations"] is False
    assert "exclude_automations" not in example  # the flag is per contact in the example
    assert set(reference.endpoints["POST /dealCustomFieldData"].examples) >= {
        "currency",
        "multiselect/checkbox (multiple)",
    }
    association = reference.schemas["AccountUpdateAssociationRequest"]
    assert association["properties"]["accountContact"]["required"] == ["account", "contact"]


def test_the_contract_rejects_what_the_document_does_not_show(reference) -> None:
    update = contract(reference, "PUT /accountContacts/{id}")
    assert problems(update, {"accountContact": {"jobTitle": "CEO"}}) == [
        "accountContact: 'account' is a required property",
        "accountContact: 'contact' is a required property",
    ]
    assert problems(update, {"accountContact": {"account": 1, "contact": 2, "title": "x"}})
    datum = contract(reference, "POST /dealCustomFieldData")
    assert problems(datum, {"dealCustomFieldDatum": {"dealId": 1, "fieldValue": {"a": 1}}})
    assert problems(datum, {"deal": {}})  # wrong wrapper key
    mini = parse_write_reference(
        'POST /x\noperationId: X\n\nRequest Body\n\n{"content": {"application/json": '
        '{"examples": {"e": {"value": {"x": {"n": 1}}}}}}}\n'
    )
    assert problems(request_schema(mini, "POST /x"), {"x": {"n": "1"}}) == [
        "x.n: '1' is not of type 'integer'"
    ]


# -- the target's pure builders, for every custom field type -----------------------------------

META_TYPES = (
    "text",
    "textarea",
    "hidden",
    "date",
    "datetime",
    "dropdown",
    "radio",
    "multiselect",
    "checkbox",
    "currency",
    "number",
)
SAMPLES: dict[str, list[t.Any]] = {
    "text": ["test title", 12],
    "textarea": ["line one\nline two"],
    "hidden": ["h"],
    "date": ["2018-12-31", "2018-12-31T10:00:00Z"],
    "datetime": ["2020-05-19T02:45:00-05:00", "2020-05-19T07:45:00Z"],
    "dropdown": ["option 1", ["option 1"]],
    "radio": ["option 2"],
    "multiselect": [["option 1", "option 3"], "||option 1||option 3||", "option 1"],
    "checkbox": [["option 1"], "||option 1||"],
    "currency": [9999, "9999", 9999.0],
    "number": ["100.99", 100.99, 5, 1e7],
}


def examples_by_type(reference: WriteReference, endpoint: str) -> dict[str, list[t.Any]]:
    """The example `fieldValue`s of a custom field value endpoint, by the field types their
    names list ("dropdown/radio", "mutliple multiselects/checkboxes", ...)."""
    out: dict[str, list[t.Any]] = {}
    for name, value in reference.endpoints[endpoint].examples.items():
        datum = next(iter(value.values()))
        for word in re.split(r"[\s/()]+", name.lower()):
            for ftype in META_TYPES:
                if word in (ftype, ftype + "s", ftype + "es"):
                    out.setdefault(ftype, []).append(datum["fieldValue"])
    return out


def shape(value: t.Any) -> tuple[str, ...]:
    """A value's JSON type, and its items' types for an array."""
    if isinstance(value, list):
        return ("array", *sorted({json_type(v) for v in value}))
    return (json_type(value),)


@pytest.mark.parametrize("endpoint", ["POST /accountCustomFieldData", "POST /dealCustomFieldData"])
def test_every_field_type_is_sent_in_the_type_its_example_shows(reference, endpoint) -> None:
    examples = examples_by_type(reference, endpoint)
    assert set(examples) == set(META_TYPES), "an example for every documented field type"
    options = ("option 1", "option 2", "option 3")
    for ftype in META_TYPES:
        fdef = FieldDef(id="3", title=ftype, type=ftype, options=options, currency="cad")
        wanted = {shape(v) for v in examples[ftype]}
        for sample in SAMPLES[ftype]:
            sent = format_meta_value(fdef, sample)
            assert shape(sent) in wanted, (ftype, sample, sent, wanted)
        item = meta_field_item(fdef, SAMPLES[ftype][0])
        assert ("fieldCurrency" in item) == (ftype == "currency")


def test_the_contact_builders_match_their_examples(reference) -> None:
    intent = ContactIntent(
        email="jane@example.com",
        scalars={"first_name": "Jane", "last_name": "Doe", "phone": "123"},
        tags=["vip"],
        account="ActiveCampaign",
    )
    entry = import_entry(intent, [("1", "foo"), ("2", "||foo||bar||")], ["1"], ["3"])
    for exclude in (False, True):
        body = import_body([entry], exclude)
        assert problems(contract(reference, "POST /import/bulk_import"), body) == []
        assert body["contacts"][0]["exclude_automations"] is exclude
    assert problems(contract(reference, "POST /contact/sync"), sync_body(entry)) == []


# -- what the target really sends, over HTTP -------------------------------------------------


def route_of(method: str, url: str, api_url: str) -> str:
    path = urlsplit(url).path[len(urlsplit(api_url).path) :]
    parts = path.strip("/").split("/")
    if parts[:2] == ["customObjects", "records"] and len(parts) == 3:
        parts[2] = "{schemaId}"
    parts = ["{id}" if p.isdigit() else p for p in parts]
    return f"{method} /{'/'.join(parts)}"


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, str, t.Any]]:
    """Every request that goes over HTTP in the test: (method, url, decoded JSON body)."""
    seen: list[tuple[str, str, t.Any]] = []
    real_send = requests.adapters.HTTPAdapter.send

    def send(adapter, request, *args, **kwargs):
        body = request.body
        if isinstance(body, bytes):
            body = body.decode()
        seen.append((request.method, request.url, json.loads(body) if body else None))
        return real_send(adapter, request, *args, **kwargs)

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    return seen


def every_object(sb: Sandbox, job: str, deal_id: str | None) -> list[dict]:
    """Records of every object type, with every custom field type (`job` varies per run)."""
    schema = next(iter(sb.dump("customObjects/schemas")))
    field_id = schema["fields"][0]["id"]
    people = [
        {
            "email": f"contract{i}@example.com",
            "first_name": "Con",
            "last_name": f"Tract {i}",
            "phone": "+15550100",
            "tags": ["contract"],
            "lists": ["Newsletter"],
            "unsubscribe_lists": ["Customers"],
            "custom_fields": {"JOB_TITLE": job, "interests": ["Email", "SMS"]},
            "account": "Contract Co",
        }
        for i in range(15)
    ]
    account_values = {
        "Industry": "Software",
        "Employees": 250,
        "Annual Revenue": 125000,
        "Founded": "1999-04-01",
        "Segments": ["SMB", "Mid"],
    }
    deal = {
        "title": "Contract deal",
        "contact": "contract0@example.com",
        "account": "Contract Co",
        "pipeline": "Sales",
        "stage": "Qualified",
        "owner": "admin",
        "value": 4500,
        "currency": "EUR",
        "status": "open",
        "percent": 50,
        "description": job,
        "custom_fields": {
            "Lead Source": "Web",
            "Close Reason": job,
            "Contract Value": 99900,
            "Expected Close": "2027-01-31",
            "Competitors": "||Acme||Globex||",
        },
    }
    order = {
        "connectionid": "1",
        "externalid": "contract-order",
        "customer_externalid": "contract-cust",
        "email": "contract0@example.com",
        "totalPrice": 4999,
        "currency": "usd",
        "orderNumber": job,
        "externalCreatedDate": "2024-01-02T03:04:05Z",
        "orderProducts": [{"name": "Pogo", "price": 4999, "quantity": 1, "externalid": "p1"}],
    }
    lines = [
        *stream_messages("tags", [{"tag": "contract-only-tag"}]),
        *stream_messages("accounts", [{"name": "Contract Co", "custom_fields": account_values}]),
        *stream_messages("contacts", people),
        *stream_messages(
            "account_field_values",
            [{"account": "Contract Co", "field": "Description", "fieldValue": f"Datum {job}"}],
        ),
        *stream_messages(
            "account_contacts",
            [{"contact_email": "contract1@example.com", "account": "Contract Co", "jobTitle": job}],
        ),
        *stream_messages("deals", [deal]),
        *stream_messages(
            "notes", [{"note": f"Note {job}", "contact_email": "contract2@example.com"}]
        ),
        *stream_messages(
            "ecom_customers",
            [
                {
                    "connectionid": "1",
                    "externalid": "contract-cust",
                    "email": "contract0@example.com",
                    "acceptsMarketing": job == "second",
                }
            ],
        ),
        *stream_messages("ecom_orders", [order]),
        *stream_messages(
            f"custom_object_{schema['slug']}",
            [
                {
                    "externalId": "contract-rec",
                    "fields": [{"id": field_id, "value": job}],
                    "relationships": {"primary-contact": ["contract0@example.com"]},
                }
            ],
        ),
    ]
    if deal_id is not None:
        values = [
            {"dealId": deal_id, "field": "Seats", "fieldValue": 3 if job == "first" else 4},
            {"dealId": deal_id, "field": "Competitors", "fieldValue": ["Initech"]},
        ]
        lines += stream_messages("deal_field_values", values)
    return lines


def test_every_body_the_target_sends_is_in_the_reference(
    reference, sent, sandbox_factory, tmp_path
) -> None:
    sb = sandbox_factory(token=TOKEN, contacts=0, import_delay_s=0.05)
    first = run_target(sb.api_url, every_object(sb, "first", None), tmp_path)
    assert first.rejects == [], first.rejects
    deal_id = sb.dump("deals")[0]["id"]
    # the replays update: PUT accounts, associations, values, deals, e-commerce
    for job in ("second", "third"):
        again = run_target(sb.api_url, every_object(sb, job, deal_id), tmp_path)
        assert again.rejects == [], again.rejects
    # one contact on its own goes through contact/sync and the link endpoints; a removed
    # tag is a DELETE
    solo = {
        "email": "solo-contract@example.com",
        "firstName": "Solo",
        "tags": ["contract"],
        "lists": ["Newsletter"],
        "unsubscribe_lists": ["Customers"],
        "account": "Contract Co",
        "custom_fields": {"JOB_TITLE": "solo"},
    }
    run_target(sb.api_url, stream_messages("contacts", [solo]), tmp_path)
    gone = {"email": "contract3@example.com", "remove_tags": ["contract"]}
    run_target(sb.api_url, stream_messages("contacts", [gone]), tmp_path)

    writes = [(route_of(m, url, sb.api_url), body) for m, url, body in sent if m != "GET"]
    routes = {route for route, _ in writes}
    assert routes - set(CONTRACTS) - BODILESS == set(), "a write with no contract"
    assert set(CONTRACTS) - routes == set(), "every contract is exercised over HTTP"
    assert routes >= BODILESS
    failures = {}
    for route, body in writes:
        if route in BODILESS:
            assert body is None
            continue
        found = problems(contract(reference, route), body)
        if found:
            failures.setdefault(route, found)
    assert failures == {}
    # the values went in as the examples show, and the sandbox (which checks them) took them
    assert all(
        c["exclude_automations"] is False
        for route, body in writes
        if route == "POST /import/bulk_import"
        for c in body["contacts"]
    )
