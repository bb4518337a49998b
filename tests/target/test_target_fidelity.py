"""Where the live API differs from the easy reading of its docs, the target is still right.

Each test runs the target over real HTTP against the sandbox, which follows
activecampaign-v3-openapi-write-endpoints.txt (see tests/sandbox/test_write_fidelity.py), so
each fails on a client that shares the easy reading.
"""

from __future__ import annotations

import pytest
from target_helpers import TOKEN, run_target, stream_messages, writes

from activecampaign_sandbox import Sandbox


@pytest.fixture
def make_sandbox(sandbox_factory):
    def make(**kwargs) -> Sandbox:
        return sandbox_factory(**{"token": TOKEN, "contacts": 0, "import_delay_s": 0.05, **kwargs})

    return make


def subscribers(n: int) -> list[dict]:
    # more than sync_max_requests can take: the group goes through a bulk import
    return [{"email": f"auto{i}@example.com", "lists": ["Newsletter"]} for i in range(n)]


def automations_started(sb: Sandbox) -> int:
    return len(sb.dump("contactAutomations"))


# -- item 3: exclude_automations goes inside each contacts[] item ------------------------------


def test_exclude_automations_keeps_imported_contacts_out_of_automations(make_sandbox, tmp_path):
    sb = make_sandbox()
    lines = stream_messages("contacts", subscribers(15))
    result = run_target(sb.api_url, lines, tmp_path, exclude_automations=True)
    assert result.rejects == [] and result.ledger["written"] == 15
    assert writes(sb.stats()).get("POST /import/bulk_import") == 1
    assert automations_started(sb) == 0


def test_without_the_setting_an_import_starts_automations(make_sandbox, tmp_path):
    sb = make_sandbox()
    run_target(sb.api_url, stream_messages("contacts", subscribers(15)), tmp_path)
    assert automations_started(sb) == 15


# -- item 4: a job title change sends the whole association -----------------------------------


def test_a_job_title_change_updates_the_association(make_sandbox, tmp_path):
    sb = make_sandbox()
    base = [
        *stream_messages("contacts", [{"email": "boss@example.com"}]),
        *stream_messages("accounts", [{"name": "Umbrella"}]),
    ]
    link = {"contact_email": "boss@example.com", "account": "Umbrella", "jobTitle": "CTO"}
    run_target(sb.api_url, [*base, *stream_messages("account_contacts", [link])], tmp_path)
    link["jobTitle"] = "CEO"
    result = run_target(sb.api_url, stream_messages("account_contacts", [link]), tmp_path)
    assert result.rejects == [], result.rejects
    assert writes(sb.stats()).get("PUT /accountContacts/{id}") == 1
    assert [x["jobTitle"] for x in sb.dump("accountContacts")] == ["CEO"]


# -- item 5: account and deal custom field values in the examples' JSON types ------------------


def test_account_and_deal_field_values_are_sent_as_the_examples_show(make_sandbox, tmp_path):
    sb = make_sandbox()
    lines = [
        *stream_messages("contacts", [{"email": "fields@example.com"}]),
        *stream_messages(
            "accounts",
            [
                {
                    "name": "Typed Inc",
                    "custom_fields": {
                        "Segments": "||SMB||Mid||",  # multiselect given in contact form
                        "Employees": 250,  # number given as a JSON number
                        "Annual Revenue": "125000",  # currency in cents, no currency given
                        "Founded": "1999-04-01T00:00:00Z",
                        "Industry": "software",
                    },
                }
            ],
        ),
        *stream_messages(
            "account_field_values",
            [
                {"account": "Typed Inc", "field": "Description", "fieldValue": "long text"},
                {"account": "Typed Inc", "field": "Segments", "fieldValue": "Enterprise"},
            ],
        ),
        *stream_messages(
            "deals",
            [
                {
                    "title": "Typed deal",
                    "contact": "fields@example.com",
                    "pipeline": "Sales",
                    "stage": "Qualified",
                    "custom_fields": {"Competitors": ["Acme"], "Seats": 12.5},
                }
            ],
        ),
    ]
    first = run_target(sb.api_url, lines, tmp_path)
    assert first.rejects == [], first.rejects
    account = next(a for a in sb.dump("accounts") if a["name"] == "Typed Inc")
    labels = {m["id"]: m["fieldLabel"] for m in sb.dump("accountCustomFieldMeta")}
    stored = {
        labels[str(d["customFieldId"])]: (d["fieldValue"], d.get("fieldCurrency"))
        for d in sb.dump("accountCustomFieldData")
        if str(d["accountId"]) == account["id"]
    }
    assert stored == {
        "Segments": (["Enterprise"], None),
        "Employees": (250, None),
        "Annual Revenue": (125000, "usd"),  # the field's default currency
        "Founded": ("1999-04-01", None),
        "Industry": ("software", None),
        "Description": ("long text", None),
    }
    deal_labels = {m["id"]: m["fieldLabel"] for m in sb.dump("dealCustomFieldMeta")}
    deal_values = {
        deal_labels[str(d["customFieldId"])]: d["fieldValue"]
        for d in sb.dump("dealCustomFieldData")
    }
    assert deal_values == {"Competitors": ["Acme"], "Seats": 12.5}
    # a replay updates the same values (PUT /accounts, PUT /accountCustomFieldData)
    second = run_target(sb.api_url, lines, tmp_path)
    assert second.rejects == [], second.rejects


# -- item 6: a deal needs its primary contact ---------------------------------------------------


def test_a_deal_without_a_contact_is_rejected_by_name_and_not_sent(make_sandbox, tmp_path):
    sb = make_sandbox()
    orphan = {"title": "Orphan deal", "account": "Lonely Co", "stage": "Qualified", "value": 5}
    result = run_target(sb.api_url, stream_messages("deals", [orphan]), tmp_path)
    assert [r["record"] for r in result.rejects] == [orphan]
    reason = result.rejects[0]["reason"]
    assert "'Orphan deal'" in reason and "'contact'" in reason and "primary contact" in reason
    assert "POST /deals" not in writes(sb.stats())
    assert sb.dump("deals") == []
    assert sb.dump("accounts") == []  # nothing else is written for a rejected deal
