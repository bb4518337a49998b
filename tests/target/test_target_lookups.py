"""Existing-row lookups past one page, job titles on replay, and the resolver's account cache.

Each test sets up a destination over real HTTP (custom field definitions too, through the
documented `POST /accountCustomFieldMeta` and `POST /dealCustomFieldMeta`) and then runs the
target against it.
"""

from __future__ import annotations

import logging
import typing as t

import pytest
from target_helpers import TOKEN, run_target, stream_messages, writes

from activecampaign_http import ApiClient
from activecampaign_sandbox import Sandbox
from target_activecampaign.resolver import Resolver

MORE_THAN_A_PAGE = 105  # the lookups page by 100


@pytest.fixture
def destination(sandbox_factory) -> Sandbox:
    """An empty destination sandbox with our token."""
    return sandbox_factory(token=TOKEN, contacts=0, import_delay_s=0.05)


def api(sb: Sandbox) -> ApiClient:
    return ApiClient(sb.api_url, TOKEN, requests_per_second=1000, max_retries=2)


def add_field_definitions(client: ApiClient, meta: str, count: int) -> list[str]:
    """`count` text custom fields "Extra 1".. created over HTTP in accountCustomFieldMeta or
    dealCustomFieldMeta; their ids."""
    key = meta[: -len("Meta")] + "Metum"  # accountCustomFieldMetum, dealCustomFieldMetum
    return [
        create(client, meta, key, {"fieldType": "text", "fieldLabel": f"Extra {n}"})["id"]
        for n in range(1, count + 1)
    ]


def create(client: ApiClient, path: str, key: str, body: dict) -> dict:
    """Create one object through the API; its answer's object."""
    resp = client.request("POST", path, json={key: body})
    return resp.json()[key]


def route_count(sb: Sandbox, route: str) -> int:
    return int(sb.stats().get("by_route", {}).get(route, 0))


def test_account_field_value_past_the_first_page_is_updated_not_posted(destination, tmp_path):
    sb = destination
    client = api(sb)
    fields = add_field_definitions(client, "accountCustomFieldMeta", MORE_THAN_A_PAGE)
    account = create(client, "accounts", "account", {"name": "Bigco"})["id"]
    for fid in fields:
        body = {"customerAccountId": int(account), "customFieldId": int(fid), "fieldValue": "old"}
        create(client, "accountCustomFieldData", "accountCustomFieldDatum", body)
    sb.reset_stats()

    record = {"account": "Bigco", "field": f"Extra {MORE_THAN_A_PAGE}", "fieldValue": "new"}
    result = run_target(sb.api_url, stream_messages("account_field_values", [record]), tmp_path)

    assert result.rejects == []
    assert writes(sb.stats()) == {"PUT /accountCustomFieldData/{id}": 1}
    assert route_count(sb, "GET /accountCustomFieldData") == 2  # narrowed, then paged
    data = [x for x in sb.dump("accountCustomFieldData") if str(x["accountId"]) == account]
    assert len(data) == MORE_THAN_A_PAGE
    assert [x["fieldValue"] for x in data if str(x["customFieldId"]) == fields[-1]] == ["new"]


def test_deal_field_value_past_the_first_page_is_updated_not_posted(destination, tmp_path):
    sb = destination
    client = api(sb)
    fields = add_field_definitions(client, "dealCustomFieldMeta", MORE_THAN_A_PAGE)
    account = create(client, "accounts", "account", {"name": "Dealco"})["id"]
    contact = create(client, "contacts", "contact", {"email": "wide@example.com"})["id"]
    deal = {"title": "Wide", "value": 100, "currency": "usd", "owner": 1, "stage": 1}
    deal = {**deal, "account": int(account), "contact": int(contact)}  # a deal needs a contact
    deal_id = create(client, "deals", "deal", deal)["id"]
    for fid in fields:
        body = {"dealId": int(deal_id), "customFieldId": int(fid), "fieldValue": "old"}
        create(client, "dealCustomFieldData", "dealCustomFieldDatum", body)
    sb.reset_stats()

    record = {"dealId": deal_id, "field": f"Extra {MORE_THAN_A_PAGE}", "fieldValue": "new"}
    result = run_target(
        sb.api_url,
        stream_messages("deal_field_values", [record]),
        tmp_path,
        id_translation="off",
    )

    assert result.rejects == []
    assert writes(sb.stats()) == {"PUT /dealCustomFieldData/{id}": 1}
    # the documented list, narrowed and paged; the sandbox's undocumented child list
    # `/deals/{id}/dealCustomFieldData` happens to send every row, so it would hide a bug
    assert route_count(sb, "GET /dealCustomFieldData") == 2
    assert route_count(sb, "GET /deals/{id}/dealCustomFieldData") == 0
    data = [x for x in sb.dump("dealCustomFieldData") if str(x["dealId"]) == deal_id]
    assert len(data) == MORE_THAN_A_PAGE
    assert [x["fieldValue"] for x in data if str(x["customFieldId"]) == fields[-1]] == ["new"]


def test_account_link_past_the_first_page_gets_its_job_title(destination, tmp_path):
    """A contact linked to more than 100 accounts: the link is found and PUT, not re-POSTed."""
    sb = destination
    client = api(sb)
    contact = create(client, "contacts", "contact", {"email": "linked@example.com"})["id"]
    names = [f"Holding {n}" for n in range(1, MORE_THAN_A_PAGE + 1)]
    for name in names:
        account = create(client, "accounts", "account", {"name": name})["id"]
        link = {"account": int(account), "contact": int(contact), "jobTitle": "Old"}
        create(client, "accountContacts", "accountContact", link)
    sb.reset_stats()

    record = {"contact_email": "linked@example.com", "account": names[-1], "jobTitle": "New"}
    result = run_target(sb.api_url, stream_messages("account_contacts", [record]), tmp_path)

    assert result.rejects == []
    assert writes(sb.stats()) == {"PUT /accountContacts/{id}": 1}
    assert route_count(sb, "GET /accountContacts") == 1  # both filters: one short page
    titles = [x["jobTitle"] for x in sb.dump("accountContacts")]
    assert titles == ["Old"] * (MORE_THAN_A_PAGE - 1) + ["New"]


def test_numeric_job_title_is_converted_alike_on_create_and_update(destination, tmp_path):
    """A replay of a numeric job title changes nothing (it was sent as text when created)."""
    sb = destination
    create(api(sb), "contacts", "contact", {"email": "numbers@example.com"})
    record = {"contact_email": "numbers@example.com", "account": "Numeric Co", "jobTitle": 42}
    lines = stream_messages("account_contacts", [record])
    first = run_target(sb.api_url, lines, tmp_path)
    assert first.rejects == []
    assert [x["jobTitle"] for x in sb.dump("accountContacts")] == ["42"]
    sb.reset_stats()

    second = run_target(sb.api_url, lines, tmp_path)

    assert second.rejects == []
    assert writes(sb.stats()) == {}
    bad = {"contact_email": "numbers@example.com", "account": "Numeric Co", "jobTitle": [1]}
    third = run_target(sb.api_url, stream_messages("account_contacts", [bad]), tmp_path)
    assert [r["reason"] for r in third.rejects] == ["'jobTitle' must be text, got list"]
    assert writes(sb.stats()) == {}


class LockCheckedDict(dict):
    """A dict that notes, for every change, whether the resolver's lock was held."""

    def __init__(self, lock: t.Any) -> None:
        super().__init__()
        self.lock = lock
        self.unlocked: list[str] = []

    def _check(self, what: str) -> None:
        if not self.lock._is_owned():
            self.unlocked.append(what)

    def __setitem__(self, key: str, value: str) -> None:
        self._check(f"set {key}")
        super().__setitem__(key, value)

    def pop(self, key: str, *default: t.Any) -> t.Any:
        self._check(f"pop {key}")
        return super().pop(key, *default)


class RacingClient(ApiClient):
    """Another writer creates the account just before our POST: the API answers 422."""

    def __init__(self, *args: t.Any, rival: ApiClient, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.rival = rival

    def request(self, method: str, path: str, **kwargs: t.Any) -> t.Any:
        if method == "POST" and path == "accounts":
            self.rival.request("POST", "accounts", json=kwargs["json"])
        return super().request(method, path, **kwargs)


def test_ensure_account_changes_its_cache_only_under_the_lock(destination):
    sb = destination
    client = RacingClient(sb.api_url, TOKEN, requests_per_second=1000, rival=api(sb))
    resolver = Resolver(client, dry_run=False, logger=logging.getLogger("test"))
    cache = LockCheckedDict(resolver._lock)
    resolver._accounts = cache

    found = resolver.ensure_account("Raced Ltd")

    assert found == next(a["id"] for a in sb.dump("accounts") if a["name"] == "Raced Ltd")
    assert route_count(sb, "POST /accounts") == 2  # the rival's, and our 422
    assert cache.unlocked == []


@pytest.mark.parametrize("translated", [False, True], ids=["by-email", "by-source-id"])
def test_links_announced_before_their_contacts_are_drained_after_them(
    destination, tmp_path, translated
):
    """A full deal batch drains earlier streams in dependency order, whatever their order.

    `account_contacts` is announced before `contacts`; two deals fill their batch and drain
    both mid-stream. Each drain first drains its own prerequisites, so the contact is
    written before the link: no reject, nothing deferred, the state is not held back.
    """
    sb = destination
    ref = {"contact": "9001"} if translated else {"contact_email": "early@example.com"}
    people = [{"id": "9001", "email": "early@example.com"}]
    links = [{**ref, "account": "Early Co", "jobTitle": "Buyer"}]
    deal = {**ref, "pipeline": "Sales", "stage": "Qualified", "value": 1}
    deals = [{**deal, "title": "Early deal"}, {**deal, "title": "Second deal"}]
    link_msgs = stream_messages("account_contacts", links)
    contact_msgs = stream_messages("contacts", people, ["id"])
    lines = [
        link_msgs[0],
        contact_msgs[0],
        *contact_msgs[1:],
        *link_msgs[1:],
        *stream_messages("deals", deals),  # the second deal fills the batch: drained here
        {"type": "STATE", "value": {"bookmark": 1}},
    ]
    config = {"id_translation": "on" if translated else "off", "batch_size_rows": 2}
    result = run_target(sb.api_url, lines, tmp_path, **config)

    assert result.rejects == []
    assert result.states == [{"bookmark": 1}]
    early = next(c for c in sb.dump("contacts") if c["email"] == "early@example.com")
    assert [(x["contact"], x["jobTitle"]) for x in sb.dump("accountContacts")] == [
        (early["id"], "Buyer")
    ]
    assert [d["contact"] for d in sb.dump("deals")] == [early["id"]] * 2
    order = [r["route"] for r in sb.requests(500) if r["method"] != "GET"]
    contact_write = next(i for i, r in enumerate(order) if "contact" in r.split("/")[1])
    assert contact_write < order.index("POST /accountContacts") < order.index("POST /deals")


def contacts_by_id(sb: Sandbox) -> list[dict]:
    return sorted(sb.dump("contacts"), key=lambda c: int(c["id"]))


def test_many_contact_lookups_read_the_contact_list_once(sandbox_factory, tmp_path):
    """120 account links by email on a 250-contact account: 9 single lookups, then the
    contact list (3 pages) once, instead of 120 lookups."""
    sb = sandbox_factory(token=TOKEN, contacts=250, import_delay_s=0.05)
    contacts = contacts_by_id(sb)[:120]
    account = create(api(sb), "accounts", "account", {"name": "Manyco"})["id"]
    sb.reset_stats()
    records = [
        {"contact_email": c["email"].upper(), "account_name": "Manyco", "jobTitle": "Buyer"}
        for c in contacts
    ]
    result = run_target(sb.api_url, stream_messages("account_contacts", records), tmp_path)

    assert result.rejects == []
    assert route_count(sb, "GET /contacts") == 9 + 3
    links = {(str(x["contact"]), str(x["account"])) for x in sb.dump("accountContacts")}
    assert {(str(c["id"]), str(account)) for c in contacts} <= links


def test_contact_list_is_not_read_when_single_lookups_stay_cheaper(sandbox_factory):
    """On a 2,000-contact account (20 pages) 15 lookups of contacts past the first page cost
    15 GETs plus the one page that measured the account, never the whole list."""
    sb = sandbox_factory(token=TOKEN, contacts=2000)
    resolver = Resolver(api(sb), dry_run=False, logger=logging.getLogger("test"))
    contacts = contacts_by_id(sb)[-15:]
    sb.reset_stats()
    assert [resolver.contact_id(c["email"]) for c in contacts] == [str(c["id"]) for c in contacts]
    assert route_count(sb, "GET /contacts") == 15 + 1


def test_contact_list_read_then_new_and_unknown_emails_still_ask_the_api(sandbox_factory):
    sb = sandbox_factory(token=TOKEN, contacts=250)
    client = api(sb)
    resolver = Resolver(client, dry_run=False, logger=logging.getLogger("test"))
    contacts = contacts_by_id(sb)
    sb.reset_stats()
    picked = contacts[::6]  # 42 contacts spread over all three pages
    assert [resolver.contact_id(c["email"]) for c in picked] == [str(c["id"]) for c in picked]
    assert route_count(sb, "GET /contacts") == 9 + 3

    late = create(client, "contacts", "contact", {"email": "late@example.com"})
    assert resolver.contact_id("Late@Example.com") == str(late["id"])
    assert resolver.contact_id("nobody@example.com") is None
    assert route_count(sb, "GET /contacts") == 9 + 3 + 2
