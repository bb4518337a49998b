"""The target over real HTTP against the sandbox: every object type, rejects, replays, faults."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest
from singer_sdk.singerlib.exceptions import InvalidInputLine
from target_helpers import TOKEN, run_target, stream_messages, to_lines, writes

from activecampaign_http import ApiClient, AuthError
from activecampaign_sandbox import Sandbox
from target_activecampaign.importer import BulkImporter, Item
from target_activecampaign.rejects import Ledger
from target_activecampaign.resolver import Resolver
from target_activecampaign.routing import UnknownStreamError
from target_activecampaign.target import TargetActiveCampaign


@pytest.fixture
def make_sandbox(sandbox_factory):
    """Empty destination sandboxes of our own (our token); stopped at teardown."""

    def make(**kwargs) -> Sandbox:
        return sandbox_factory(**{"token": TOKEN, "contacts": 0, "import_delay_s": 0.05, **kwargs})

    return make


def by_email(sb: Sandbox) -> dict[str, dict]:
    return {c["email"].lower(): c for c in sb.dump("contacts")}


def tags_of(sb: Sandbox, contact_id: str) -> set[str]:
    names = {t["id"]: t["tag"] for t in sb.dump("tags")}
    return {names[ct["tag"]] for ct in sb.dump("contactTags") if ct["contact"] == contact_id}


def lists_of(sb: Sandbox, contact_id: str) -> dict[str, str]:
    names = {x["id"]: x["name"] for x in sb.dump("lists")}
    return {
        names[cl["list"]]: str(cl["status"])
        for cl in sb.dump("contactLists")
        if cl["contact"] == contact_id
    }


def values_of(sb: Sandbox, contact_id: str) -> dict[str, str]:
    tags = {f["id"]: f["perstag"] for f in sb.dump("fields")}
    return {
        tags[fv["field"]]: fv["value"]
        for fv in sb.dump("fieldValues")
        if fv["contact"] == contact_id
    }


def contact(i: int, **extra) -> dict:
    rec = {
        "email": f"Person{i}@Example.com",
        "first_name": f"First{i}",
        "lastName": f"Last{i}",
        "phone": f"+1555{i:07d}",
        "tags": ["vip", f"cohort-{i % 3}"],
        "lists": ["Newsletter", "customers"],
        "custom_fields": {
            "JOB_TITLE": f"Engineer {i}",
            "Company Size": "11-50",
            "%BIRTHDAY%": f"1990-01-{i % 28 + 1:02d}",
            "interests": ["Email", "SMS"],
        },
    }
    rec.update(extra)
    return rec


# -- contacts --------------------------------------------------------------------------------


def test_contacts_load_in_bulk_with_tags_lists_fields_and_account(make_sandbox, tmp_path):
    sb = make_sandbox()
    records = [contact(i) for i in range(30)]
    records[0]["account"] = "Acme Ltd"
    records[1]["unsubscribe_lists"] = ["Customers"]
    records[1]["lists"] = ["Newsletter"]
    result = run_target(sb.api_url, stream_messages("contacts", records), tmp_path)

    assert result.rejects == []
    assert result.ledger["written"] == 30
    stats = writes(sb.stats())
    assert stats.get("POST /import/bulk_import") == 1
    assert "POST /contact/sync" not in stats
    stored = by_email(sb)
    assert len(stored) == 30
    c0 = stored["person0@example.com"]
    assert (c0["firstName"], c0["lastName"], c0["phone"]) == ("First0", "Last0", "+15550000000")
    assert tags_of(sb, c0["id"]) == {"vip", "cohort-0"}
    assert lists_of(sb, c0["id"]) == {"Newsletter": "1", "Customers": "1"}
    assert values_of(sb, c0["id"]) == {
        "JOB_TITLE": "Engineer 0",
        "COMPANY_SIZE": "11-50",
        "BIRTHDAY": "1990-01-01",
        "INTERESTS": "||Email||SMS||",
    }
    assert lists_of(sb, stored["person1@example.com"]["id"]) == {
        "Newsletter": "1",
        "Customers": "2",
    }
    accounts = {a["name"]: a["id"] for a in sb.dump("accounts")}
    assert "Acme Ltd" in accounts
    assert any(
        ac["contact"] == c0["id"] and ac["account"] == accounts["Acme Ltd"]
        for ac in sb.dump("accountContacts")
    )


def test_a_single_contact_goes_through_contact_sync(make_sandbox, tmp_path):
    sb = make_sandbox()
    rec = {"email": "solo@example.com", "firstName": "Solo", "tags": ["brand-new-tag"]}
    result = run_target(sb.api_url, stream_messages("contacts", [rec]), tmp_path)
    assert result.ledger["written"] == 1
    stats = writes(sb.stats())
    assert stats.get("POST /contact/sync") == 1
    assert "POST /import/bulk_import" not in stats
    stored = by_email(sb)["solo@example.com"]
    assert stored["firstName"] == "Solo"
    assert tags_of(sb, stored["id"]) == {"brand-new-tag"}


def test_fields_the_record_does_not_set_are_left_alone(make_sandbox, tmp_path):
    sb = make_sandbox(contacts=20)
    before = sb.dump("contacts")[:12]
    records = [{"email": c["email"].upper(), "tags": ["touched"]} for c in before]
    records[0]["first_name"] = None  # a null is not a clear unless asked
    run_target(sb.api_url, stream_messages("contacts", records), tmp_path)
    after = {c["id"]: c for c in sb.dump("contacts")}
    assert len(after) == 20  # matched by email, case-insensitively: nothing new
    for c in before:
        now = after[c["id"]]
        assert (now["firstName"], now["lastName"], now["phone"]) == (
            c["firstName"],
            c["lastName"],
            c["phone"],
        )
        assert "touched" in tags_of(sb, c["id"])
    # asked to: a null clears
    rec = {"email": before[0]["email"], "phone": None}
    run_target(sb.api_url, stream_messages("contacts", [rec]), tmp_path, null_clears_fields=True)
    assert {c["id"]: c for c in sb.dump("contacts")}[before[0]["id"]]["phone"] == ""


def test_invalid_records_become_clear_rejects_and_the_rest_loads(make_sandbox, tmp_path):
    sb = make_sandbox()
    good = [contact(i) for i in range(15)]
    bad = [
        {"email": "not-an-email"},
        {"email": "x@example.com", "custom_fields": {"NO_SUCH_FIELD": "1"}},
        {"email": "y@example.com", "tags": {"not": "a list"}},
        {"email": "z@example.com", "custom_fields": {"COMPANY_SIZE": "huge"}},
        {"email": "w@example.com", "custom_fields": {"BIRTHDAY": "someday"}},
        {"email": "v@example.com", "lists": ["No Such List"]},
    ]
    result = run_target(sb.api_url, stream_messages("contacts", good + bad), tmp_path)
    reasons = [r["reason"] for r in result.rejects]
    assert len(reasons) == 6
    assert "not a valid email" in reasons[0]
    assert "unknown contact custom field 'NO_SUCH_FIELD'" in reasons[1]
    assert "must be a list" in reasons[2]
    assert "no option 'huge'" in reasons[3]
    assert "expects a date" in reasons[4]
    assert "unknown list 'No Such List'" in reasons[5]
    assert all(r["stream"] == "contacts" and r["record"] for r in result.rejects)
    assert len(by_email(sb)) == 15
    assert result.target.rejected_count == 6


def test_schema_violations_are_rejects_not_crashes(make_sandbox, tmp_path):
    sb = make_sandbox()
    schema = {
        "type": "SCHEMA",
        "stream": "contacts",
        "key_properties": ["email"],
        "schema": {"properties": {"email": {"type": "string"}, "phone": {"type": "string"}}},
    }
    lines = [
        schema,
        {"type": "RECORD", "stream": "contacts", "record": {"email": "ok@example.com"}},
        {"type": "RECORD", "stream": "contacts", "record": {"email": "n@example.com", "phone": 5}},
    ]
    result = run_target(sb.api_url, lines, tmp_path)
    assert [r["record"]["email"] for r in result.rejects] == ["n@example.com"]
    assert "schema" in result.rejects[0]["reason"]
    assert "ok@example.com" in by_email(sb)


def test_exit_code_is_2_when_anything_was_rejected(make_sandbox, tmp_path):
    sb = make_sandbox()
    config = tmp_path / "config.json"
    rejects = tmp_path / "rej.jsonl"
    config.write_text(
        json.dumps({"api_url": sb.api_url, "api_token": TOKEN, "rejects_file": str(rejects)})
    )
    data = tmp_path / "in.jsonl"
    data.write_text(
        to_lines(
            [
                *stream_messages("contacts", [{"email": "good@example.com"}, {"email": "bad"}]),
                {"type": "STATE", "value": {"bookmark": 2}},
            ]
        )
    )
    exe = Path(sys.executable).parent / "target-activecampaign"

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(exe), "--config", str(config), "--input", str(data)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    proc = run()
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"bookmark": 2}
    assert TOKEN not in proc.stderr and TOKEN not in rejects.read_text()
    assert "1 record(s) rejected" in proc.stderr
    assert json.loads(rejects.read_text())["reason"].startswith("'email' is not a valid")
    # a reverse sync may prefer to report rejects without failing the job
    config.write_text(json.dumps({**json.loads(config.read_text()), "fail_on_reject": False}))
    proc = run()
    assert proc.returncode == 0 and "1 record(s) rejected" in proc.stderr


# -- stopping cleanly ------------------------------------------------------------------------


def test_unknown_stream_is_an_error_before_anything_is_written(make_sandbox, tmp_path):
    sb = make_sandbox()
    lines = [
        *stream_messages("contacts", [contact(1), contact(2)]),
        *stream_messages("dim_people", [{"email": "p@example.com"}]),
    ]
    with pytest.raises(UnknownStreamError, match=r"line 4: Unknown stream 'dim_people'"):
        run_target(sb.api_url, lines, tmp_path)
    assert writes(sb.stats()) == {}


def test_stream_objects_binds_a_warehouse_stream(make_sandbox, tmp_path):
    sb = make_sandbox()
    lines = stream_messages("dim_customers", [{"email": "dim@example.com", "first_name": "D"}])
    lines += stream_messages("audit", [{"x": 1}])
    result = run_target(
        sb.api_url,
        lines,
        tmp_path,
        stream_objects={"dim_customers": "contacts", "audit": "ignore"},
    )
    assert "dim@example.com" in by_email(sb)
    assert result.ledger["ignored"] == 1 and result.ledger["written"] == 1


def test_stream_maps_can_rename_a_stream_to_an_object_type(make_sandbox, tmp_path):
    sb = make_sandbox()
    lines = stream_messages("people", [{"mail": "mapped@example.com", "given": "M"}])
    maps = {
        "people": {
            "__alias__": "contacts",
            "email": "mail",
            "first_name": "given",
            "mail": "__NULL__",
            "given": "__NULL__",
        }
    }
    result = run_target(sb.api_url, lines, tmp_path, stream_maps=maps)
    assert result.rejects == []
    assert by_email(sb)["mapped@example.com"]["firstName"] == "M"


def test_a_malformed_line_stops_the_run_with_its_number(make_sandbox, tmp_path):
    sb = make_sandbox()
    lines = [*stream_messages("contacts", [contact(1), contact(2)]), '{"type": "RECORD", oops']
    lines.append({"type": "RECORD", "stream": "contacts", "record": contact(3)})
    with pytest.raises(InvalidInputLine, match="line 4 is malformed"):
        run_target(sb.api_url, lines, tmp_path)
    assert set(by_email(sb)) == {"person1@example.com", "person2@example.com"}


def test_a_bad_token_fails_fast(make_sandbox, tmp_path):
    sb = make_sandbox()
    start = time.monotonic()
    with pytest.raises(AuthError) as info:
        run_target(
            sb.api_url, stream_messages("contacts", [contact(1)]), tmp_path, api_token="wrong"
        )
    assert time.monotonic() - start < 10
    assert "wrong" not in str(info.value)


# -- state and dry run -----------------------------------------------------------------------


class StateProbe(TargetActiveCampaign):
    """Records, at each state emission, what was still unconfirmed."""

    seen: list[tuple[int, int]] = []

    def _write_state_message(self, state: dict) -> None:
        super()._write_state_message(state)
        run = self.run
        totals = run.ledger.summary()["totals"]
        StateProbe.seen.append((len(run.importer.pending), totals["written"] + totals["rejected"]))


def test_state_is_emitted_only_after_every_earlier_record_is_confirmed(make_sandbox, tmp_path):
    sb = make_sandbox()
    records = [contact(i) for i in range(60)] + [{"email": "bad"}]
    lines = [
        *stream_messages("contacts", records),
        {"type": "STATE", "value": {"bookmarks": {"contacts": 61}}},
    ]
    StateProbe.seen = []
    result = run_target(sb.api_url, lines, tmp_path, target_class=StateProbe, batch_size_rows=25)
    assert result.states == [{"bookmarks": {"contacts": 61}}]
    assert StateProbe.seen == [(0, 61)]


def test_dry_run_writes_nothing_and_reports(make_sandbox, tmp_path):
    sb = make_sandbox()
    lines = [
        *stream_messages("contacts", [contact(i) for i in range(20)] + [{"email": "bad"}]),
        *stream_messages("accounts", [{"name": "Dry Co"}]),
        {"type": "STATE", "value": {"b": 1}},
    ]
    result = run_target(sb.api_url, lines, tmp_path, dry_run=True)
    assert writes(sb.stats()) == {}
    assert result.states == []
    assert result.ledger["would_write"] == 21 and result.ledger["rejected"] == 1


# -- the other objects, and replays ------------------------------------------------------------


BUYERS = [{"email": "buyer@example.com"}, {"email": "second@example.com"}]


def other_objects(sb: Sandbox) -> list[dict]:
    """One or two records of every object type but contacts (see BUYERS)."""
    schemas = {s["slug"]: s for s in sb.dump("customObjects/schemas")}
    slug = next(iter(schemas))
    fields = [f["id"] for f in schemas[slug]["fields"]]
    return [
        *stream_messages(
            "accounts",
            [
                {
                    "name": "Globex",
                    "accountUrl": "https://globex.example",
                    "custom_fields": {"Industry": "Software"},
                },
                {"name": "Initech"},
            ],
        ),
        *stream_messages(
            "account_contacts",
            [{"contact_email": "buyer@example.com", "account": "Globex", "jobTitle": "CTO"}],
        ),
        *stream_messages("contact_tags", [{"email": "second@example.com", "tag": "from-link"}]),
        *stream_messages("contact_lists", [{"email": "second@example.com", "list": "Newsletter"}]),
        *stream_messages(
            "deals",
            [
                {
                    "title": "Big deal",
                    "contact": "buyer@example.com",
                    "account": "Globex",
                    "pipeline": "Sales",
                    "stage": "Qualified",
                    "value": 125000,
                    "currency": "EUR",
                    "owner": "admin",
                    "custom_fields": {"Lead Source": "Web"},
                },
            ],
        ),
        *stream_messages(
            "notes",
            [
                {"note": "Called them", "contact_email": "buyer@example.com"},
                {"note": "Account note", "account": "Globex"},
            ],
        ),
        *stream_messages(
            "ecom_customers",
            [{"connectionid": "1", "externalid": "cust-1", "email": "buyer@example.com"}],
        ),
        *stream_messages(
            "ecom_orders",
            [
                {
                    "connectionid": "1",
                    "externalid": "order-1",
                    "customer_externalid": "cust-1",
                    "email": "buyer@example.com",
                    "totalPrice": 4999,
                    "currency": "usd",
                    "externalCreatedDate": "2024-01-02T03:04:05Z",
                    "orderProducts": [
                        {"name": "Pogo", "price": 4999, "quantity": 1, "externalid": "p1"}
                    ],
                },
            ],
        ),
        *stream_messages(
            f"custom_object_{slug}",
            [
                {
                    "externalId": "rec-1",
                    "fields": [{"id": fields[0], "value": "x"}],
                    "relationships": {"primary-contact": ["buyer@example.com"]},
                }
            ],
        ),
    ]


COUNTED = (
    "contacts",
    "accounts",
    "accountContacts",
    "contactTags",
    "contactLists",
    "deals",
    "notes",
    "ecomCustomers",
    "ecomOrders",
)


def counts(sb: Sandbox) -> dict[str, int]:
    out = {name: len(sb.dump(name)) for name in COUNTED}
    for schema in sb.dump("customObjects/schemas"):
        out[schema["slug"]] = len(sb.dump(f"customObjects/records/{schema['id']}"))
    return out


def test_every_object_type_loads_and_a_replay_duplicates_nothing(make_sandbox, tmp_path):
    sb = make_sandbox()
    lines = [*stream_messages("contacts", BUYERS), *other_objects(sb)]
    first = run_target(sb.api_url, lines, tmp_path)
    assert first.rejects == [], first.rejects
    after_first = counts(sb)
    deals = sb.dump("deals")
    assert len(deals) == 1
    deal = deals[0]
    assert (deal["title"], str(deal["value"]), deal["currency"]) == ("Big deal", "125000", "eur")
    buyer = by_email(sb)["buyer@example.com"]
    assert deal["contact"] == buyer["id"]
    accounts = {a["name"]: a for a in sb.dump("accounts")}
    assert accounts["Globex"]["accountUrl"] == "https://globex.example"
    assert deal["account"] == accounts["Globex"]["id"]
    industry = [
        x["fieldValue"]
        for x in sb.dump("accountCustomFieldData")
        if str(x["accountId"]) == accounts["Globex"]["id"]
    ]
    assert industry == ["Software"]
    assert [x["fieldValue"] for x in sb.dump("dealCustomFieldData")] == ["Web"]
    links = sb.dump("accountContacts")
    assert [(x["contact"], x["jobTitle"]) for x in links] == [(buyer["id"], "CTO")]
    assert sorted(n["note"] for n in sb.dump("notes")) == ["Account note", "Called them"]
    assert [o["externalid"] for o in sb.dump("ecomOrders")] == ["order-1"]
    records = [
        r
        for schema in sb.dump("customObjects/schemas")
        for r in sb.dump(f"customObjects/records/{schema['id']}")
    ]
    assert [(r["externalId"], r["relationships"]) for r in records] == [
        ("rec-1", {"primary-contact": [buyer["id"]]})
    ]
    second = run_target(sb.api_url, lines, tmp_path)
    assert second.rejects == []
    assert counts(sb) == after_first


def test_deals_match_on_a_key_field_and_by_id(make_sandbox, tmp_path):
    sb = make_sandbox()
    deal = {
        "title": "Keyed",
        "pipeline": "Sales",
        "stage": "Proposal",
        "value": "100",
        "source_key": "crm-42",
        "contact_email": "keyed@example.com",
    }
    cfg = {"deal_key_field": "Close Reason"}
    lines = [*stream_messages("contacts", [{"email": "keyed@example.com"}])]
    run_target(sb.api_url, [*lines, *stream_messages("deals", [deal])], tmp_path, **cfg)
    deal["title"] = "Keyed (renamed)"
    run_target(sb.api_url, stream_messages("deals", [deal]), tmp_path, **cfg)
    stored = sb.dump("deals")
    assert [d["title"] for d in stored] == ["Keyed (renamed)"]
    update = {"id": stored[0]["id"], "value": 250}
    run_target(sb.api_url, stream_messages("deals", [update]), tmp_path)
    assert str(sb.dump("deals")[0]["value"]) == "250"


def test_a_flaky_api_loses_nothing(make_sandbox, tmp_path):
    sb = make_sandbox(fail=0.1)
    records = [contact(i) for i in range(120)] + BUYERS
    lines = [*stream_messages("contacts", records), *other_objects(sb)]
    result = run_target(sb.api_url, lines, tmp_path, max_retries=12)
    assert result.rejects == [], result.rejects[:3]
    assert sb.stats()["faults"], "the sandbox injected no faults: test proves nothing"
    stored = by_email(sb)
    assert len(stored) == 122  # no loss, no duplicates
    c5 = stored["person5@example.com"]
    assert tags_of(sb, c5["id"]) == {"vip", "cohort-2"}
    assert values_of(sb, c5["id"])["JOB_TITLE"] == "Engineer 5"
    assert len(sb.dump("deals")) == 1 and len(sb.dump("notes")) == 2


def test_remove_tags_and_api_shaped_contacts(make_sandbox, tmp_path):
    sb = make_sandbox()
    first = [contact(i) for i in range(12)]
    run_target(sb.api_url, stream_messages("contacts", first), tmp_path)
    later = [
        {"email": f"person{i}@example.com", "remove_tags": ["vip"], "tags": ["alumni"]}
        for i in range(12)
    ]
    later.append(
        {
            "email": "api@example.com",
            "firstName": "Api",
            "fieldValues": [{"field": "5", "value": "Shaped"}],
        }
    )
    result = run_target(sb.api_url, stream_messages("contacts", later), tmp_path)
    assert result.rejects == []
    stored = by_email(sb)
    assert tags_of(sb, stored["person3@example.com"]["id"]) == {"cohort-0", "alumni"}
    assert values_of(sb, stored["api@example.com"]["id"]) == {"JOB_TITLE": "Shaped"}


def test_the_account_rate_limit_is_respected(make_sandbox, tmp_path):
    sb = make_sandbox(rate=5)
    records = [contact(i) for i in range(40)] + BUYERS
    lines = [*stream_messages("contacts", records), *other_objects(sb)[:8]]
    result = run_target(sb.api_url, lines, tmp_path, requests_per_second=5)
    assert result.rejects == []
    stats = sb.stats()
    assert stats["rate_limited"] == 0, stats
    assert len(by_email(sb)) == 42


def test_what_the_api_still_refuses_is_isolated_and_the_batch_survives(make_sandbox, tmp_path):
    """Bypass validation: a bad email (400 failureReasons) and an unknown list (import failure)."""
    sb = make_sandbox()
    client = ApiClient(sb.api_url, TOKEN, requests_per_second=1000)
    ledger = Ledger(tmp_path / "iso.jsonl")
    log = logging.getLogger("test")
    importer = BulkImporter(client, Resolver(client, dry_run=False, logger=log), ledger, log)
    entries = [{"email": f"iso{i}@example.com", "tags": ["iso"]} for i in range(20)]
    entries[3] = {"email": "broken-at-3", "tags": ["iso"]}
    entries[7]["subscribe"] = [{"listid": 9999}]
    importer.add([Item(e, [("contacts", "contacts", e)]) for e in entries])
    importer.flush()
    ledger.close()
    rejects = [json.loads(line) for line in (tmp_path / "iso.jsonl").read_text().splitlines()]
    assert [r["record"]["email"] for r in rejects] == ["broken-at-3", "iso7@example.com"]
    assert "email" in rejects[0]["reason"].lower()
    assert rejects[1]["api_error"] is not None
    assert ledger.summary()["totals"]["written"] == 18
    stored = by_email(sb)
    assert len(stored) == 19  # iso7 exists (its contact/sync worked), without the bad list
    assert "iso" in tags_of(sb, stored["iso12@example.com"]["id"])


def test_a_record_without_its_key_is_a_reject_and_nothing_else_is_lost(make_sandbox, tmp_path):
    sb = make_sandbox()
    good = [{"email": f"k{i}@example.com", "first_name": "K"} for i in range(6)]
    bad = {"first_name": "Bad", "last_name": "Input", "phone": "+15550001"}
    lines = stream_messages("contacts", [*good[:3], bad, *good[3:]], key_properties=["email"])
    result = run_target(sb.api_url, lines, tmp_path)
    assert [r["reason"] for r in result.rejects] == ["record is missing its key property 'email'"]
    assert result.rejects[0]["record"] == bad
    assert len(by_email(sb)) == 6


def test_oversized_values_are_rejected_by_name(make_sandbox, tmp_path):
    sb = make_sandbox()
    records = [
        {"email": "ok@example.com", "first_name": "Fine"},
        {"email": "big@example.com", "first_name": "x" * 100_000},
        {"email": "bigfield@example.com", "custom_fields": {"NOTES": "y" * 70_000}},
    ]
    result = run_target(sb.api_url, stream_messages("contacts", records), tmp_path)
    reasons = {r["record"]["email"]: r["reason"] for r in result.rejects}
    assert set(reasons) == {"big@example.com", "bigfield@example.com"}
    assert "100,000 characters long; at most 255" in reasons["big@example.com"]
    assert "at most 65,535" in reasons["bigfield@example.com"]
    assert set(by_email(sb)) == {"ok@example.com"}
