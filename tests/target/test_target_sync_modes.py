"""`sync_mode` over real HTTP against the sandbox: contacts, accounts and deals."""

from __future__ import annotations

import pytest
from singer_sdk.exceptions import ConfigValidationError
from target_helpers import TOKEN, run_target, stream_messages, writes

from activecampaign_sandbox import Sandbox
from target_activecampaign.sync_mode import skip_reason


@pytest.fixture
def make_sandbox(sandbox_factory):
    def make(**kwargs) -> Sandbox:
        return sandbox_factory(**{"token": TOKEN, "contacts": 0, "import_delay_s": 0.05, **kwargs})

    return make


def people(sb: Sandbox) -> dict[str, dict]:
    return {c["email"].lower(): c for c in sb.dump("contacts")}


def seed_contacts(sb: Sandbox, tmp_path, n: int) -> None:
    records = [{"email": f"old{i}@example.com", "first_name": "Before"} for i in range(n)]
    assert run_target(sb.api_url, stream_messages("contacts", records), tmp_path).rejects == []
    sb.reset_stats()


def mixed(n_old: int, n_new: int) -> list[dict]:
    return [{"email": f"OLD{i}@example.com", "first_name": "After"} for i in range(n_old)] + [
        {"email": f"new{i}@example.com", "first_name": "After"} for i in range(n_new)
    ]


def test_upsert_is_the_default_and_writes_both(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed_contacts(sb, tmp_path, 3)
    result = run_target(sb.api_url, stream_messages("contacts", mixed(3, 2)), tmp_path)
    assert result.ledger["written"] == 5 and result.ledger["skipped"] == 0
    assert {c["firstName"] for c in people(sb).values()} == {"After"}
    assert result.target.run.ledger.summary()["totals"]["skipped"] == 0


def test_update_only_updates_existing_contacts_and_creates_none(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed_contacts(sb, tmp_path, 4)
    result = run_target(
        sb.api_url, stream_messages("contacts", mixed(4, 3)), tmp_path, sync_mode="update_only"
    )
    assert (result.ledger["written"], result.ledger["skipped"]) == (4, 3)
    assert result.rejects == []
    stored = people(sb)
    assert sorted(stored) == [f"old{i}@example.com" for i in range(4)]
    assert {c["firstName"] for c in stored.values()} == {"After"}


def test_create_only_creates_new_contacts_and_leaves_existing_ones(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed_contacts(sb, tmp_path, 4)
    result = run_target(
        sb.api_url, stream_messages("contacts", mixed(4, 3)), tmp_path, sync_mode="create_only"
    )
    assert (result.ledger["written"], result.ledger["skipped"]) == (3, 4)
    stored = people(sb)
    assert len(stored) == 7
    assert {stored[f"old{i}@example.com"]["firstName"] for i in range(4)} == {"Before"}
    assert {stored[f"new{i}@example.com"]["firstName"] for i in range(3)} == {"After"}


def test_a_repeated_email_counts_as_existing_once_written(make_sandbox, tmp_path):
    sb = make_sandbox()
    records = [{"email": "twice@example.com", "first_name": "One"}] * 2
    result = run_target(
        sb.api_url, stream_messages("contacts", records), tmp_path, sync_mode="create_only"
    )
    assert (result.ledger["written"], result.ledger["skipped"]) == (1, 1)


def test_many_checks_read_the_contact_list_once_not_one_request_each(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed_contacts(sb, tmp_path, 150)
    result = run_target(
        sb.api_url, stream_messages("contacts", mixed(150, 300)), tmp_path, sync_mode="update_only"
    )
    assert (result.ledger["written"], result.ledger["skipped"]) == (150, 300)
    # 10 single lookups, then the 150-contact list (2 pages): misses need no more requests
    assert sb.stats()["by_route"]["GET /contacts"] <= 12
    assert len(sb.dump("contacts")) == 150


def test_dry_run_counts_what_the_mode_would_skip(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed_contacts(sb, tmp_path, 2)
    result = run_target(
        sb.api_url,
        stream_messages("contacts", mixed(2, 2)),
        tmp_path,
        sync_mode="update_only",
        dry_run=True,
    )
    assert (result.ledger["would_write"], result.ledger["skipped"]) == (2, 2)
    assert writes(sb.stats()) == {}


def test_accounts_follow_the_mode(make_sandbox, tmp_path):
    sb = make_sandbox()
    run_target(sb.api_url, stream_messages("accounts", [{"name": "Old Co"}]), tmp_path)
    batch = [
        {"name": "Old Co", "accountUrl": "https://old.example"},
        {"name": "New Co", "accountUrl": "https://new.example"},
    ]
    result = run_target(
        sb.api_url, stream_messages("accounts", batch), tmp_path, sync_mode="update_only"
    )
    stored = {a["name"]: a for a in sb.dump("accounts")}
    assert "New Co" not in stored and stored["Old Co"]["accountUrl"] == "https://old.example"
    assert (result.ledger["written"], result.ledger["skipped"]) == (1, 1)

    batch[0]["accountUrl"] = "https://changed.example"
    result = run_target(
        sb.api_url, stream_messages("accounts", batch), tmp_path, sync_mode="create_only"
    )
    stored = {a["name"]: a for a in sb.dump("accounts")}
    assert stored["Old Co"]["accountUrl"] == "https://old.example"
    assert stored["New Co"]["accountUrl"] == "https://new.example"
    assert (result.ledger["written"], result.ledger["skipped"]) == (1, 1)


def test_deals_follow_the_mode(make_sandbox, tmp_path):
    sb = make_sandbox()
    contacts = stream_messages("contacts", [{"email": "dealer@example.com"}])
    old = {
        "title": "Old deal",
        "pipeline": "Sales",
        "stage": "Qualified",
        "contact_email": "dealer@example.com",
        "value": 100,
    }
    run_target(sb.api_url, [*contacts, *stream_messages("deals", [old])], tmp_path)
    new = {**old, "title": "New deal"}
    changed = {**old, "value": 999}
    result = run_target(
        sb.api_url,
        stream_messages("deals", [changed, new]),
        tmp_path,
        sync_mode="update_only",
    )
    stored = {d["title"]: d for d in sb.dump("deals")}
    assert sorted(stored) == ["Old deal"] and str(stored["Old deal"]["value"]) == "999"
    assert (result.ledger["written"], result.ledger["skipped"]) == (1, 1)

    changed["value"] = 5
    result = run_target(
        sb.api_url,
        stream_messages("deals", [changed, new]),
        tmp_path,
        sync_mode="create_only",
    )
    stored = {d["title"]: d for d in sb.dump("deals")}
    assert sorted(stored) == ["New deal", "Old deal"]
    assert str(stored["Old deal"]["value"]) == "999"
    assert (result.ledger["written"], result.ledger["skipped"]) == (1, 1)


def test_a_bad_sync_mode_is_refused_before_anything_runs(make_sandbox, tmp_path):
    sb = make_sandbox()
    with pytest.raises(ConfigValidationError) as exc:
        run_target(sb.api_url, stream_messages("contacts", mixed(1, 0)), tmp_path, sync_mode="x")
    assert "config['sync_mode']" in str(exc.value.errors)
    assert sb.stats()["total"] == 0


def test_the_skip_rule():
    assert skip_reason("upsert", True, "contact") is None
    assert skip_reason("upsert", False, "contact") is None
    assert "update_only" in (skip_reason("update_only", False, "deal") or "")
    assert skip_reason("update_only", True, "deal") is None
    assert "left as it is" in (skip_reason("create_only", True, "account") or "")
    assert skip_reason("create_only", False, "account") is None


@pytest.mark.parametrize("sync_max_requests", [0, 10])  # bulk import / contact/sync
def test_update_only_never_creates_the_account_a_contact_or_deal_names(
    make_sandbox, tmp_path, sync_max_requests
):
    sb = make_sandbox()
    dealer = {"email": "dealer@example.com"}
    deal = {
        "title": "Old deal",
        "pipeline": "Sales",
        "stage": "Qualified",
        "contact_email": "dealer@example.com",
    }
    setup = [
        *stream_messages("accounts", [{"name": "Old Co"}]),
        *stream_messages("contacts", [dealer, {"email": "other@example.com"}]),
        *stream_messages("deals", [deal]),
    ]
    assert run_target(sb.api_url, setup, tmp_path).rejects == []
    lines = [
        *stream_messages(
            "contacts",
            [
                {"email": "dealer@example.com", "first_name": "New", "account": "Nope Co"},
                {"email": "other@example.com", "account": "Old Co"},
            ],
        ),
        *stream_messages("deals", [{**deal, "value": 42, "account": "Nope Co"}]),
    ]
    result = run_target(
        sb.api_url, lines, tmp_path, sync_mode="update_only", sync_max_requests=sync_max_requests
    )
    accounts = {a["name"]: a["id"] for a in sb.dump("accounts")}
    assert sorted(accounts) == ["Old Co"]  # "Nope Co" was not created
    assert (result.ledger["written"], result.ledger["rejected"]) == (3, 0)
    assert people(sb)["dealer@example.com"]["firstName"] == "New"
    [stored] = sb.dump("deals")
    assert str(stored["value"]) == "42" and str(stored.get("account") or "") in ("", "0", "None")
    links = {(str(x["contact"]), str(x["account"])) for x in sb.dump("accountContacts")}
    assert (str(people(sb)["other@example.com"]["id"]), str(accounts["Old Co"])) in links
    skips = result.target.run.ledger.summary()["field_skips"]
    assert skips == {"contacts": {"account": 1}, "deals": {"account": 1}}
