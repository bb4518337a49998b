"""Unit tests of the target's pure logic (no network): the record contract and request shaping."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from target_activecampaign.contact_contract import (
    import_entry,
    merge_entries,
    parse_contact,
    sync_body,
)
from target_activecampaign.import_sizing import (
    chunk_entries,
    import_body,
    import_done,
    parse_bulk_answer,
)
from target_activecampaign.importer import ImportWindow, balanced_max
from target_activecampaign.rejects import Ledger, Reject
from target_activecampaign.routing import UnknownStreamError, resolve_object_type, write_rank
from target_activecampaign.translate import IdTranslator, Untranslated
from target_activecampaign.values import (
    FieldCatalog,
    FieldDef,
    api_error_text,
    cents,
    contact_fields_from_api,
    custom_field_items,
    deal_status,
    format_meta_value,
    list_status,
    meta_field_item,
    meta_fields_from_api,
)

# -- streams -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        ("contacts", "contacts"),
        ("contactTags", "contact_tags"),
        ("deal_groups", "deal_pipelines"),
        ("account_custom_field_meta", "account_custom_fields"),
        ("custom_object_orders-v2", "custom_object_orders-v2"),
        ("field_values", "field_values"),
    ],
)
def test_stream_names_bind_to_object_types(stream: str, expected: str) -> None:
    assert resolve_object_type(stream, None) == expected


def test_stream_objects_binds_other_names_and_a_fallback() -> None:
    objects = {"dim_customers": "contacts", "*": "ignore"}
    assert resolve_object_type("dim_customers", objects) == "contacts"
    assert resolve_object_type("campaigns", objects) == "ignore"
    assert resolve_object_type("deals", objects) == "deals"  # own name wins over "*"


def test_unknown_stream_is_a_clear_error() -> None:
    with pytest.raises(UnknownStreamError, match=r"Unknown stream 'dim_people'.*stream_objects"):
        resolve_object_type("dim_people", None)
    with pytest.raises(UnknownStreamError, match="not an object type"):
        resolve_object_type("x", {"x": "persons"})


def test_write_order_puts_contacts_before_their_dependents() -> None:
    assert write_rank("lists") < write_rank("accounts") < write_rank("contacts")
    assert write_rank("contacts") < write_rank("contact_tags") < write_rank("deals")
    assert write_rank("deals") < write_rank("notes") < write_rank("custom_object_x")


# -- contacts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "match"),
    [
        (None, "required"),
        ("", "required"),
        ("not-an-email", "not a valid email"),
        ("a b@example.com", "not a valid email"),
        (42, "must be a string"),
    ],
)
def test_invalid_emails_are_rejected(email: object, match: str) -> None:
    with pytest.raises(Reject, match=match):
        parse_contact({"email": email})


def test_contact_sends_only_what_the_record_sets() -> None:
    intent = parse_contact({"email": " Ann@Example.com ", "firstName": "Ann", "last_name": None})
    assert intent.email == "Ann@Example.com"
    assert intent.key == "ann@example.com"
    assert intent.scalars == {"first_name": "Ann"}  # null last name not sent
    entry = import_entry(intent, [], [], [])
    assert entry == {"email": "Ann@Example.com", "first_name": "Ann"}


def test_null_clears_only_when_asked() -> None:
    intent = parse_contact({"email": "a@b.co", "phone": None}, null_clears=True)
    assert intent.scalars == {"phone": ""}


def test_contact_contract_lists_tags_account_and_api_shapes() -> None:
    record = {
        "email": "a@b.co",
        "first_name": "A",
        "tags": ["vip", "vip", "new"],
        "remove_tags": "old",
        "lists": [1, "Newsletter"],
        "unsubscribe_lists": ["Promo"],
        "account": "Acme",
        "custom_fields": {"PLAN": "gold"},
        "fieldValues": [{"field": "7", "value": "x"}],
    }
    intent = parse_contact(record)
    assert intent.tags == ["vip", "vip", "new"]
    assert intent.remove_tags == ["old"]
    assert intent.lists == [1, "Newsletter"]
    assert intent.fields == [("PLAN", "gold", False), ("7", "x", True)]
    entry = import_entry(intent, [("3", "gold")], ["1", "4"], ["5"])
    assert entry["tags"] == ["vip", "new"]
    assert entry["fields"] == [{"id": 3, "value": "gold"}]
    assert entry["subscribe"] == [{"listid": 1}, {"listid": 4}]
    assert entry["unsubscribe"] == [{"listid": 5}]
    assert entry["customer_acct_name"] == "Acme"
    body = sync_body(entry)["contact"]
    assert body == {
        "email": "a@b.co",
        "firstName": "A",
        "fieldValues": [{"field": "3", "value": "gold"}],
    }


@pytest.mark.parametrize(
    ("record", "match"),
    [
        ({"email": "a@b.co", "custom_fields": ["x"]}, "must be an object"),
        ({"email": "a@b.co", "tags": {"a": 1}}, "must be a list"),
        ({"email": "a@b.co", "first_name": {"x": 1}}, "must be text"),
        ({"email": "a@b.co", "fieldValues": [{"value": 1}]}, "'field'"),
    ],
)
def test_wrong_types_are_rejected(record: dict, match: str) -> None:
    with pytest.raises(Reject, match=match):
        parse_contact(record)


# -- custom fields -----------------------------------------------------------------------------


def catalog() -> FieldCatalog:
    body = {
        "fields": [
            {"id": "1", "title": "Plan", "type": "dropdown", "perstag": "PLAN"},
            {"id": "2", "title": "Interests", "type": "listbox", "perstag": "INTERESTS"},
            {"id": "3", "title": "Birthday", "type": "date", "perstag": "BIRTHDAY"},
            {"id": "4", "title": "Last seen", "type": "datetime", "perstag": "LAST_SEEN"},
            {"id": "5", "title": "Notes", "type": "text", "perstag": "NOTES"},
        ],
        "fieldOptions": [
            {"field": "1", "value": "gold", "label": "Gold", "orderid": "1"},
            {"field": "1", "value": "silver", "label": "Silver", "orderid": "2"},
            {"field": "2", "value": "a", "orderid": "1"},
            {"field": "2", "value": "b", "orderid": "2"},
        ],
    }
    return FieldCatalog(contact_fields_from_api(body))


def test_fields_are_found_by_id_perstag_or_title() -> None:
    cat = catalog()
    assert cat.find("1").title == "Plan"
    assert cat.find("%plan%").id == "1"
    assert cat.find("interests").id == "2"
    assert cat.find("last seen").id == "4"
    assert cat.find("nope") is None


def test_values_are_formatted_per_field_type() -> None:
    from target_activecampaign.values import format_field_value as fmt

    cat = catalog()
    assert fmt(cat.find("INTERESTS"), ["a", "b"]) == "||a||b||"
    assert fmt(cat.find("INTERESTS"), "||a||b||") == "||a||b||"
    assert fmt(cat.find("INTERESTS"), "a") == "||a||"
    assert fmt(cat.find("PLAN"), "Gold") == "Gold"
    assert fmt(cat.find("BIRTHDAY"), "1990-02-03T10:00:00Z") == "1990-02-03"
    assert fmt(cat.find("BIRTHDAY"), dt.date(1990, 2, 3)) == "1990-02-03"
    assert fmt(cat.find("LAST_SEEN"), "2024-01-02T03:04:05Z") == "2024-01-02T03:04:05+00:00"
    assert fmt(cat.find("NOTES"), 12) == "12"
    assert fmt(cat.find("NOTES"), None, clearing=True) == ""
    with pytest.raises(Reject, match="no option 'platinum'"):
        fmt(cat.find("PLAN"), "platinum")
    with pytest.raises(Reject, match="expects a date"):
        fmt(cat.find("BIRTHDAY"), "yesterday")
    with pytest.raises(Reject, match="expects text"):
        fmt(cat.find("NOTES"), {"a": 1})


def test_account_and_deal_values_take_the_json_types_of_the_examples() -> None:
    def fd(ftype: str) -> FieldDef:
        return FieldDef(id="7", title=ftype, type=ftype, options=("a", "b"), currency="GBP")

    assert format_meta_value(fd("multiselect"), "||a||b||") == ["a", "b"]
    assert format_meta_value(fd("checkbox"), "a") == ["a"]
    assert format_meta_value(fd("multiselect"), ["a"]) == ["a"]
    assert format_meta_value(fd("dropdown"), ["a"]) == "a"
    assert format_meta_value(fd("number"), 12) == "12"
    assert format_meta_value(fd("number"), 1e-7) == "0.0000001"
    assert format_meta_value(fd("currency"), "1250") == 1250
    assert format_meta_value(fd("date"), "2018-12-31T10:00:00Z") == "2018-12-31"
    assert format_meta_value(fd("text"), None, clearing=True) == ""
    with pytest.raises(Reject, match="cents"):
        format_meta_value(fd("currency"), "12.50")
    with pytest.raises(Reject, match="no option 'c'"):
        format_meta_value(fd("multiselect"), ["c"])
    assert meta_field_item(fd("currency"), 100) == {
        "customFieldId": 7,
        "fieldValue": 100,
        "fieldCurrency": "gbp",
    }
    assert meta_field_item(fd("currency"), 100, "EUR")["fieldCurrency"] == "eur"
    assert meta_field_item(fd("number"), 3, "EUR") == {"customFieldId": 7, "fieldValue": "3"}
    row = {
        "id": "3",
        "fieldLabel": "Revenue",
        "fieldType": "currency",
        "fieldDefaultCurrency": "usd",
    }
    assert meta_fields_from_api([row])[0].currency == "usd"


def test_the_import_body_carries_exclude_automations_per_contact_too() -> None:
    body = import_body([{"email": "a@x.co"}, {"email": "b@x.co"}], True)
    assert body == {
        "contacts": [
            {"email": "a@x.co", "exclude_automations": True},
            {"email": "b@x.co", "exclude_automations": True},
        ],
        "exclude_automations": True,
    }


def test_custom_field_items_accept_api_shapes() -> None:
    assert custom_field_items({"a": 1}, "f") == [("a", 1, None)]
    assert custom_field_items([{"customFieldId": 3, "fieldValue": "x"}], "f") == [(3, "x", None)]
    assert custom_field_items(
        [{"customFieldId": 3, "fieldValue": 5, "fieldCurrency": "eur"}], "f"
    ) == [(3, 5, "eur")]
    with pytest.raises(Reject):
        custom_field_items("x", "f")


# -- bulk import shaping -----------------------------------------------------------------------


def test_chunks_respect_count_bytes_and_unique_emails() -> None:
    sizes = [(f"c{i}@x.co", 100) for i in range(600)]
    chunks = chunk_entries(sizes)
    assert [len(c) for c in chunks] == [250, 250, 100]
    big = [(f"c{i}@x.co", 150_000) for i in range(5)]
    assert [len(c) for c in chunk_entries(big)] == [2, 2, 1]
    dup = [("a", 10), ("b", 10), ("a", 10), ("c", 10)]
    assert chunk_entries(dup) == [[0, 1], [2, 3]]


def test_balanced_chunks_avoid_tiny_tails() -> None:
    assert balanced_max(2501) == 228
    assert balanced_max(10_000) == 250
    assert balanced_max(12) == 12


def test_bulk_answers_are_classified() -> None:
    ok = parse_bulk_answer(200, {"Success": 1, "queued_contacts": 2, "batchId": "b1"})
    assert ok.ok and ok.batch_id == "b1"
    limited = parse_bulk_answer(400, {"success": 0, "message": "Rate limit exceeded."})
    assert limited.rate_limited
    bad = parse_bulk_answer(
        400,
        {
            "success": 0,
            "message": "JSON payload did not pass validation",
            "failureReasons": [{"contact": 1, "failureReason": "Field 'email' incorrect format"}],
        },
    )
    assert bad.failures == {1: "Field 'email' incorrect format"}
    assert import_done({"status": "completed", "success": [], "failure": []}) == "done"
    assert import_done({"status": False}) == "pending"
    assert import_done({"status": "interrupted"}) == "failed"


def test_error_text_reads_all_three_shapes() -> None:
    assert api_error_text({"errors": [{"title": "Email address already exists"}]}).startswith(
        "Email address"
    )
    assert api_error_text({}) == "empty error body"
    text = api_error_text({"message": "bad", "failureReasons": [{"failureReason": "x"}]})
    assert text == "bad: x"


def test_entries_for_one_contact_merge() -> None:
    a = {"email": "a@b.co", "tags": ["x"], "fields": [{"id": 1, "value": "1"}]}
    b = {"email": "a@b.co", "tags": ["y", "x"], "fields": [{"id": 1, "value": "2"}]}
    merged = merge_entries(a, b)
    assert merged["tags"] == ["x", "y"]
    assert merged["fields"] == [{"id": 1, "value": "2"}]


def test_import_window_waits_when_a_minute_is_full() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    window = ImportWindow(2, clock=lambda: now[0], sleep=sleep)
    window.acquire()
    window.acquire()
    window.acquire()
    assert slept and 59.9 < slept[0] < 60.2


# -- link values -------------------------------------------------------------------------------


def test_link_statuses_money_and_deal_status() -> None:
    assert list_status(None) == 1
    assert list_status("unsubscribed") == 2
    with pytest.raises(Reject, match="cannot be written"):
        list_status("3")
    assert cents("4500") == 4500
    assert cents(12.0) == 12
    with pytest.raises(Reject, match="cents"):
        cents(12.5)
    assert deal_status("won") == 1


# -- translation and the ledger ----------------------------------------------------------------


def test_translation_waits_then_settles_and_learns_from_the_input() -> None:
    tr = IdTranslator("auto")
    tr.notice_stream("contacts", {"properties": {"id": {}, "email": {}}})
    tr.learn("contacts", {"id": "12", "email": "Ann@X.co"})  # learnt while undecided
    assert tr.maybe("contact", "a@b.co") == (False, "a@b.co")  # names never wait
    with pytest.raises(Untranslated, match="waiting"):
        tr.maybe("contact", "12")  # an id waits until we know whose it is
    tr.notice_stream("lists", {"properties": {}})  # only an account export has `lists`
    assert tr.any_active
    tr.learn("tags", {"id": "3", "tag": "vip"})
    tr.learn("lists", {"id": "2", "name": "News", "stringid": "news"})
    tr.learn("deal_stages", {"id": "7", "group": "2", "title": "Won"})
    assert tr.maybe("contact", "12") == (True, "ann@x.co")
    assert tr.maybe("tag", 3) == (True, "vip")
    assert tr.maybe("list", "2") == (True, ("news", "News"))
    assert tr.maybe("stage", "7") == (True, ("2", "Won"))
    with pytest.raises(Untranslated, match="not described"):
        tr.maybe("contact", "99")


def test_a_warehouse_feed_settles_on_this_accounts_ids() -> None:
    tr = IdTranslator("auto")
    tr.notice_stream("contact_tags", {"properties": {"email": {}, "tag": {}}})
    tr.settle()
    assert tr.maybe("tag", "3") == (False, "3")
    off = IdTranslator("off")
    off.notice_stream("lists", {"properties": {}})
    assert off.maybe("contact", "1") == (False, "1")
    assert IdTranslator("on").any_active


def test_ledger_counts_and_writes_rejects(tmp_path) -> None:
    path = tmp_path / "rejects.jsonl"
    ledger = Ledger(path)
    ledger.count("contacts", "written", 3)
    assert not path.exists()  # a clean run leaves no file
    ledger.reject("contacts", {"email": "x", "d": dt.date(2020, 1, 1)}, "bad email", {"e": 1})
    ledger.close()
    line = json.loads(path.read_text())
    assert line["stream"] == "contacts" and line["reason"] == "bad email"
    assert line["record"]["d"] == "2020-01-01"
    summary = ledger.summary()
    assert summary["totals"]["written"] == 3 and summary["totals"]["rejected"] == 1


def test_records_waiting_for_ids_are_spilled_to_disk_and_read_back_once() -> None:
    from target_activecampaign.run import Spill

    spill = Spill()
    for i in range(5):
        spill.add({"contact": i, "when": dt.date(2024, 1, i + 1)})
    assert spill.count == 5
    batches = list(spill.take(2))
    assert [len(b) for b in batches] == [2, 2, 1]
    assert batches[0][0] == {"contact": 0, "when": "2024-01-01"}
    assert spill.count == 0 and list(spill.take(2)) == []
