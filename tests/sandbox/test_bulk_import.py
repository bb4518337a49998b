"""POST /import/bulk_import: limits, validation, rate limit, async application and status."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from activecampaign_sandbox import Sandbox

from .helpers import client, get, post


@pytest.fixture
def sb(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    # no `"status": false` window here, so the states are seen; the window has its own tests
    return sandbox_factory(contacts=40, import_delay_s=0.3, import_false_window_s=0.0)


def _wait(sb: Sandbox, batch: str) -> tuple[dict, list[str]]:
    states = []
    for _ in range(200):
        info = get(sb, "/import/info", {"batchId": batch}).json()
        if not states or states[-1] != info["status"]:
            states.append(info["status"])
        if info["status"] == "completed":
            return info, states
        time.sleep(0.01)
    raise AssertionError(f"batch never completed: {states}")


def test_import_is_queued_then_applied(sb: Sandbox) -> None:
    existing = sb.dump("contacts")[0]
    body = {
        "contacts": [
            {
                "email": "imp1@example.com",
                "first_name": "Imp",
                "last_name": "One",
                "tags": ["vip", "Imported 2026"],
                "subscribe": [{"listid": 2}],
                "unsubscribe": [{"listid": 3}],
                "fields": [{"id": 5, "value": "Buyer"}],
                "customer_acct_name": "Importers Ltd",
            },
            {"email": existing["email"].upper(), "last_name": "Changed"},
            {"email": "imp3@example.com", "subscribe": [{"listid": 999}]},
        ]
    }
    r = post(sb, "/import/bulk_import", body)
    assert r.status_code == 200
    res = r.json()
    assert (res["success"], res["queued_contacts"], res["message"]) == (
        1,
        3,
        "Contact import queued",
    )
    # nothing is applied synchronously
    assert not any(c["email"] == "imp1@example.com" for c in sb.dump("contacts"))
    info, states = _wait(sb, res["batchId"])
    assert states[0] == "waiting" and states[-1] == "completed"
    new = [c for c in sb.dump("contacts") if c["email"] == "imp1@example.com"]
    assert info["success"] == [new[0]["id"]]  # only newly created contacts
    assert info["failure"] == ["imp3@example.com"]
    cid = new[0]["id"]
    assert new[0]["firstName"] == "Imp"
    tags = {t["id"]: t["tag"] for t in sb.dump("tags")}
    linked = {tags[x["tag"]] for x in sb.dump("contactTags") if x["contact"] == cid}
    assert linked == {"vip", "Imported 2026"}
    lists = {x["list"]: x["status"] for x in sb.dump("contactLists") if x["contact"] == cid}
    assert lists == {"2": "1", "3": "2"}
    fvs = {f["field"]: f["value"] for f in sb.dump("fieldValues") if f["contact"] == cid}
    assert fvs == {"5": "Buyer"}
    acc = [a for a in sb.dump("accounts") if a["name"] == "Importers Ltd"]
    assert len(acc) == 1
    assert any(
        x["contact"] == cid and x["account"] == acc[0]["id"] for x in sb.dump("accountContacts")
    )
    changed = next(c for c in sb.dump("contacts") if c["id"] == existing["id"])
    assert changed["lastName"] == "Changed" and changed["firstName"] == existing["firstName"]


def test_one_invalid_contact_rejects_the_whole_request(sb: Sandbox) -> None:
    n = len(sb.dump("contacts"))
    body = {
        "contacts": [
            {"email": "ok@example.com"},
            {"email": "bad-at-example.com"},
            {"email": "ok2@example.com", "tags": "not-a-list"},
        ]
    }
    r = post(sb, "/import/bulk_import", body)
    assert r.status_code == 400
    res = r.json()
    assert res["success"] == 0
    assert res["message"].startswith("JSON payload did not pass validation")
    assert res["failureReasons"] == [
        {"contact": 1, "failureReason": "Field 'email' incorrect format"},
        {"contact": 2, "failureReason": "Field 'tags' incorrect format"},
    ]
    time.sleep(0.4)
    assert len(sb.dump("contacts")) == n


def test_size_limits(sb: Sandbox) -> None:
    many = {"contacts": [{"email": f"m{i}@example.com"} for i in range(251)]}
    r = post(sb, "/import/bulk_import", many)
    assert r.status_code == 400 and r.json()["success"] == 0
    ok = {"contacts": [{"email": f"m{i}@example.com"} for i in range(250)]}
    assert post(sb, "/import/bulk_import", ok).status_code == 200
    big = {
        "contacts": [{"email": f"b{i}@example.com", "last_name": "x" * 2000} for i in range(200)]
    }
    assert len(json.dumps(big)) >= 400_000
    r = post(sb, "/import/bulk_import", big)
    assert r.status_code == 400 and r.json()["success"] == 0
    for bad in (b"{oops", b'{"contacts": []}', b'{"contacts": "x"}'):
        r = client(sb).post(sb.api_url + "/import/bulk_import", data=bad)
        assert r.status_code == 400


def test_multi_contact_import_rate_limit(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(contacts=5, import_delay_s=0.0)
    body = {"contacts": [{"email": "r1@example.com"}, {"email": "r2@example.com"}]}
    s = client(sb)
    codes = [s.post(sb.api_url + "/import/bulk_import", json=body).status_code for _ in range(100)]
    assert codes == [200] * 100
    r = s.post(sb.api_url + "/import/bulk_import", json=body)
    assert r.status_code == 400
    assert r.json() == {"success": 0, "message": "Rate limit exceeded.", "failureReasons": []}
    # single-contact imports have their own budget (20 a minute)
    single = {"contacts": [{"email": "s1@example.com"}]}
    codes = [s.post(sb.api_url + "/import/bulk_import", json=single).status_code for _ in range(21)]
    assert codes == [200] * 20 + [400]


def test_import_info_unknown_batch_and_status_list(sb: Sandbox) -> None:
    assert get(sb, "/import/info", {"batchId": "nope"}).status_code == 400
    r = post(sb, "/import/bulk_import", {"contacts": [{"email": "q@example.com"}]})
    listing = get(sb, "/import/bulk_import").json()
    assert r.json()["batchId"] in listing["outstanding"] + listing["recentlyCompleted"]


def test_reimport_does_not_resubscribe(sb: Sandbox) -> None:
    r = post(
        sb,
        "/import/bulk_import",
        {"contacts": [{"email": "u@example.com", "unsubscribe": [{"listid": 1}]}]},
    )
    _wait(sb, r.json()["batchId"])
    r = post(
        sb,
        "/import/bulk_import",
        {"contacts": [{"email": "u@example.com", "subscribe": [{"listid": 1}]}]},
    )
    info, _ = _wait(sb, r.json()["batchId"])
    assert info["success"] == []  # not new
    cid = next(c["id"] for c in sb.dump("contacts") if c["email"] == "u@example.com")
    assert [x["status"] for x in sb.dump("contactLists") if x["contact"] == cid] == ["2"]


def test_info_answers_false_within_the_window_then_the_real_status(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    """The service can answer `"status": false` when polled within about a second."""
    sb = sandbox_factory(contacts=5, import_delay_s=0.0, import_false_window_s=0.4)
    r = post(sb, "/import/bulk_import", {"contacts": [{"email": "early@example.com"}]})
    assert r.status_code == 200
    batch = r.json()["batchId"]
    early = get(sb, "/import/info", {"batchId": batch}).json()
    assert early == {"status": False, "success": [], "failure": []}
    assert sb.wait_imports()  # applied already; the answer is still false inside the window
    assert get(sb, "/import/info", {"batchId": batch}).json()["status"] is False
    time.sleep(0.45)
    info, states = _wait(sb, batch)
    assert states == ["completed"]
    new = [c["id"] for c in sb.dump("contacts") if c["email"] == "early@example.com"]
    assert info["success"] == new and len(new) == 1


def test_false_window_defaults_to_half_a_second(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(contacts=5, import_delay_s=0.0)
    assert sb.import_false_window_s == 0.5
    r = post(sb, "/import/bulk_import", {"contacts": [{"email": "d@example.com"}]})
    batch = r.json()["batchId"]
    assert get(sb, "/import/info", {"batchId": batch}).json()["status"] is False
    time.sleep(0.55)
    assert sb.wait_imports()
    assert get(sb, "/import/info", {"batchId": batch}).json()["status"] == "completed"
