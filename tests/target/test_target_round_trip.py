"""Round trip: our tap reads one sandbox, the target writes into an empty one; same data."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from target_helpers import TOKEN, run_target

from activecampaign_sandbox import Sandbox

STREAMS = {
    "users",
    "tags",
    "lists",
    "fields",
    "contacts",
    "field_values",
    "contact_tags",
    "contact_lists",
    "accounts",
    "account_contacts",
    "deal_groups",
    "deal_stages",
    "deals",
    "account_custom_field_meta",
    "account_custom_field_data",
    "deal_custom_field_meta",
    "deal_custom_field_data",
}


def tap_output(sb: Sandbox, tmp_path: Path) -> list[str]:
    """Our tap's output for the streams the round trip compares (through its CLI)."""
    exe = Path(sys.executable).parent / "tap-activecampaign"
    config = tmp_path / "tap.json"
    config.write_text(
        json.dumps({"api_url": sb.api_url, "api_token": TOKEN, "requests_per_second": 1000})
    )
    found = subprocess.run(
        [str(exe), "--config", str(config), "--discover"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    catalog = json.loads(found.stdout)
    for stream in catalog["streams"]:
        for meta in stream["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = stream["tap_stream_id"] in STREAMS or stream[
                    "tap_stream_id"
                ].startswith("custom_object_")
    catalog_file = tmp_path / "catalog.json"
    catalog_file.write_text(json.dumps(catalog))
    run = subprocess.run(
        [str(exe), "--config", str(config), "--catalog", str(catalog_file)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return run.stdout.splitlines()


def instant(value: object) -> object:
    """Datetimes compared as instants: the tap writes `+00:00` where the API said `Z`."""
    if isinstance(value, str) and len(value) >= 20 and value[10:11] == "T":
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
        except ValueError:
            return value
    return value


def snapshot(sb: Sandbox) -> dict:
    """What must survive a round trip, keyed by natural keys (ids differ between accounts)."""
    contacts = {c["id"]: c for c in sb.dump("contacts")}
    email = {cid: c["email"].lower() for cid, c in contacts.items()}
    tags = {t["id"]: t["tag"] for t in sb.dump("tags")}
    lists = {x["id"]: x["name"] for x in sb.dump("lists")}
    fields = {f["id"]: f["perstag"] for f in sb.dump("fields")}
    accounts = {a["id"]: a["name"] for a in sb.dump("accounts")}
    pipelines = {g["id"]: g["title"] for g in sb.dump("dealGroups")}
    stages = {s["id"]: s["title"] for s in sb.dump("dealStages")}
    users = {u["id"]: u["username"] for u in sb.dump("users")}
    account_fields = {f["id"]: f["fieldLabel"] for f in sb.dump("accountCustomFieldMeta")}
    deal_fields = {f["id"]: f["fieldLabel"] for f in sb.dump("dealCustomFieldMeta")}
    deal_key = {
        d["id"]: (d["title"], email.get(d.get("contact") or "", "")) for d in sb.dump("deals")
    }
    custom_objects = {
        schema["slug"]: sorted(
            (
                r.get("externalId"),
                json.dumps(sorted((f["id"], instant(f["value"])) for f in r.get("fields") or [])),
                json.dumps(
                    {
                        k: sorted(email[str(c)] for c in v)
                        for k, v in (r.get("relationships") or {}).items()
                    }
                ),
            )
            for r in sb.dump(f"customObjects/records/{schema['id']}")
        )
        for schema in sb.dump("customObjects/schemas")
    }
    return {
        "custom_objects": custom_objects,
        "contacts": {
            email[cid]: (c.get("firstName") or "", c.get("lastName") or "", c.get("phone") or "")
            for cid, c in contacts.items()
        },
        "tags": sorted((email[x["contact"]], tags[x["tag"]]) for x in sb.dump("contactTags")),
        "lists": sorted(
            (email[x["contact"]], lists[x["list"]], str(x["status"]))
            for x in sb.dump("contactLists")
        ),
        "field_values": sorted(
            (email[x["contact"]], fields[x["field"]], x["value"])
            for x in sb.dump("fieldValues")
            if x.get("value") not in (None, "")
        ),
        "accounts": sorted((a["name"], a.get("accountUrl") or "") for a in sb.dump("accounts")),
        "account_contacts": sorted(
            (email[x["contact"]], accounts[x["account"]], x.get("jobTitle") or "")
            for x in sb.dump("accountContacts")
        ),
        "account_field_values": sorted(
            (
                accounts[str(x["accountId"])],
                account_fields[str(x["customFieldId"])],
                json.dumps(x["fieldValue"]),
                x.get("fieldCurrency") or "",
            )
            for x in sb.dump("accountCustomFieldData")
        ),
        "deal_field_values": sorted(
            (
                deal_key[str(x["dealId"])],
                deal_fields[str(x["customFieldId"])],
                json.dumps(x["fieldValue"]),
            )
            for x in sb.dump("dealCustomFieldData")
        ),
        "deals": sorted(
            (
                d["title"],
                str(d["value"]),
                d["currency"],
                str(d["status"]),
                email.get(d.get("contact") or "", ""),
                accounts.get(d.get("account") or "", ""),
                pipelines[d["group"]],
                stages[d["stage"]],
                users.get(str(d.get("owner")), ""),
            )
            for d in sb.dump("deals")
        ),
    }


def test_round_trip_through_our_tap_gives_the_same_data(sandbox_factory, tmp_path):
    source = sandbox_factory(token=TOKEN, seed=1, contacts=60)
    dest = sandbox_factory(token=TOKEN, seed=1, contacts=0, import_delay_s=0.05)
    lines = tap_output(source, tmp_path)
    first = run_target(dest.api_url, lines, tmp_path)
    assert first.rejects == [], first.rejects[:3]
    assert first.states, "the tap's final state is passed on once everything is written"
    want, got = snapshot(source), snapshot(dest)
    assert all(want[key] for key in want), {k: len(v) for k, v in want.items()}
    for key in want:
        assert got[key] == want[key], key
    # a replay changes nothing
    second = run_target(dest.api_url, lines, tmp_path)
    assert second.rejects == []
    assert snapshot(dest) == got
