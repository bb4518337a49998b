"""Auth, the account rate limit, injected faults, latency and the control API."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from activecampaign_sandbox import Sandbox
from activecampaign_sandbox.process import SandboxProcess

from .helpers import client, get, post

AUTH_BODY = {"message": "No Result found for Subscriber with id 0"}


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_missing_or_wrong_token_is_403(sandbox: Sandbox, token: str | None) -> None:
    s = requests.Session()
    if token is not None:
        s.headers["Api-Token"] = token
    for path in ("/contacts", "/", "/deals/1"):
        r = s.get(sandbox.api_url + path)
        assert r.status_code == 403
        assert r.json() == AUTH_BODY
    r = s.post(sandbox.api_url + "/contact/sync", json={"contact": {"email": "x@example.com"}})
    assert r.status_code == 403


def test_control_api_needs_no_token_and_counts_routes(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sb = sandbox_factory()
    get(sb, "/contacts")
    get(sb, "/contacts/3")
    get(sb, "/contacts/4/contactTags")
    client(sb, "bad").get(sb.api_url + "/tags")
    st = requests.get(sb.base_url + "/__sandbox/stats").json()
    assert st["total"] == 4
    assert st["by_route"] == {
        "GET /contacts": 1,
        "GET /contacts/{id}": 1,
        "GET /contacts/{id}/contactTags": 1,
        "GET /tags": 1,
    }
    assert st["by_status"] == {"200": 3, "403": 1}
    assert requests.post(sb.base_url + "/__sandbox/stats/reset").status_code == 200
    assert sb.stats()["total"] == 0
    dump = requests.get(sb.base_url + "/__sandbox/resources/tags").json()["tags"]
    assert [t["id"] for t in dump] == [t["id"] for t in sb.dump("tags")]
    assert sb.stats()["total"] == 0  # the control API is not counted


def test_rate_limit_429_with_retry_after(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(rate=5)
    s = client(sb)
    answers = [s.get(sb.api_url + "/tags") for _ in range(12)]
    codes = [r.status_code for r in answers]
    assert codes[:5] == [200] * 5
    limited = [r for r in answers if r.status_code == 429]
    assert limited
    for r in limited:
        assert int(r.headers["Retry-After"]) >= 1
        assert r.headers["RateLimit-Limit"] == "5"
        assert r.headers["RateLimit-Remaining"] == "0"
        assert "message" in r.json()
    assert sb.stats()["rate_limited"] == len(limited)
    assert sb.stats()["by_status"]["429"] == len(limited)
    time.sleep(1.1)
    assert s.get(sb.api_url + "/tags").status_code == 200


def test_rate_limit_refills_at_the_rate(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(rate=10)
    s = client(sb)
    t0 = time.monotonic()
    ok = limited = 0
    while time.monotonic() - t0 < 1.5:
        if s.get(sb.api_url + "/users").status_code == 200:
            ok += 1
        else:
            limited += 1
    elapsed = time.monotonic() - t0
    # never more than the burst of 10 plus 10/s; and the bucket did refill
    assert ok <= 10 + 10 * elapsed + 1
    assert limited > 0
    assert ok >= 15


def test_rate_limit_is_configurable_at_run_time(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sb = sandbox_factory()
    s = client(sb)
    assert all(s.get(sb.api_url + "/users").status_code == 200 for _ in range(20))
    requests.post(sb.base_url + "/__sandbox/config", json={"rate": 2})
    codes = Counter(s.get(sb.api_url + "/users").status_code for _ in range(6))
    assert codes[429] >= 3
    sb.configure(rate=None)
    assert s.get(sb.api_url + "/users").status_code == 200


def _call(sb: Sandbox) -> str:
    try:
        r = requests.get(sb.api_url + "/tags", headers={"Api-Token": sb.token}, timeout=10)
    except requests.exceptions.ChunkedEncodingError:
        return "truncate"
    except requests.exceptions.ConnectionError:
        return "drop"
    if r.status_code == 200:
        try:
            r.json()
        except ValueError:
            return "truncate"
        return "200"
    if r.status_code == 403:
        assert r.json() if r.headers["Content-Type"].startswith("application/json") else True
        assert "text/html" in r.headers["Content-Type"]  # not the auth 403 body
    return str(r.status_code)


def test_faults_cover_every_kind(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(fail=1.0, stall_s=0.05)
    seen = Counter(_call(sb) for _ in range(150))
    faults = sb.stats()["faults"]
    assert set(faults) == {"500", "502", "503", "403", "stall", "drop", "truncate"}
    assert sum(faults.values()) == 150
    assert seen["drop"] == faults["drop"]
    assert seen["truncate"] == faults["truncate"]
    assert seen["200"] == faults["stall"]  # a stall answers normally


def test_fault_fraction_is_deterministic(sandbox_factory: Callable[..., Sandbox]) -> None:
    runs = []
    for _ in range(2):
        sb = sandbox_factory(fail=0.2, stall_s=0.01, seed=3)
        runs.append([_call(sb) for _ in range(100)])
    assert runs[0] == runs[1]
    faulted = sum(1 for x in runs[0] if x != "200")
    assert 8 <= faulted <= 35


def test_a_faulted_write_is_not_applied(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(fail=1.0, stall_s=0.01)
    applied, failed = 0, 0
    for n in range(40):
        email = f"fault{n}@example.com"
        try:
            r = post(sb, "/contact/sync", {"contact": {"email": email}})
            ok = r.status_code in (200, 201) and r.json().get("contact")
        except (requests.exceptions.RequestException, ValueError):
            ok = False
        exists = any(c["email"] == email for c in sb.dump("contacts")[-50:])
        assert exists == bool(ok)
        applied += bool(ok)
        failed += not ok
    assert applied and failed


def test_latency_does_not_serialise_requests(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(latency_ms=300)
    t0 = time.monotonic()
    with ThreadPoolExecutor(8) as ex:
        codes = list(ex.map(lambda _: get(sb, "/users").status_code, range(8)))
    took = time.monotonic() - t0
    assert codes == [200] * 8
    assert 0.3 <= took < 2.0  # serialised it would take 8 x 0.3 s


def test_concurrent_clients(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(contacts=500)
    with ThreadPoolExecutor(8) as ex:
        pages = list(
            ex.map(
                lambda o: get(sb, "/contacts", {"limit": 100, "offset": o}).json()["contacts"],
                range(0, 500, 100),
            )
        )
    assert [c["id"] for p in pages for c in p] == [str(i) for i in range(1, 501)]


def test_control_dump_options(sandbox: Sandbox) -> None:
    base = sandbox.base_url + "/__sandbox/resources/"
    assert requests.get(base + "contacts?count=1").json() == {"resource": "contacts", "count": 300}
    rows = requests.get(base + "contacts?fields=id,email&offset=5&limit=3").json()["contacts"]
    assert rows == [{"id": c["id"], "email": c["email"]} for c in sandbox.dump("contacts")[5:8]]
    assert sandbox.dump("contacts", offset=5, limit=3) == sandbox.dump("contacts")[5:8]
    assert requests.get(base + "nope").status_code == 404
    r = requests.post(sandbox.base_url + "/__sandbox/mutate", json={"resource": "nope"})
    assert r.status_code == 404


def test_request_log(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(rate=2)
    s = client(sb)
    for _ in range(3):
        s.get(sb.api_url + "/contacts", params={"filters[updated_after]": "2026-01-01"})
    log = requests.get(sb.base_url + "/__sandbox/requests", params={"limit": 10}).json()
    rows = log["requests"]
    assert [r["status"] for r in rows] == [200, 200, 429]
    assert rows[0]["route"] == "GET /contacts" and rows[0]["path"] == "/api/3/contacts"
    assert "filters%5Bupdated_after%5D=2026-01-01" in rows[0]["query"]
    assert all("token" not in str(r).lower() for r in rows)
    assert sb.requests(2) == rows[-2:]
    sb.reset_stats()
    assert sb.requests() == []


def test_opt_in_lost_answer_applies_the_write(sandbox_factory: Callable[..., Sandbox]) -> None:
    sb = sandbox_factory(lost=1.0)
    assert get(sb, "/users").status_code == 200  # reads are never "lost"
    with pytest.raises(requests.exceptions.ConnectionError):
        post(sb, "/contact/sync", {"contact": {"email": "lost@example.com"}})
    assert any(c["email"] == "lost@example.com" for c in sb.dump("contacts"))
    assert sb.stats()["faults"] == {"lost": 1}
    sb.configure(lost=0)
    r = post(sb, "/contact/sync", {"contact": {"email": "lost@example.com"}})
    assert r.status_code == 200  # the retry finds the contact the lost answer created


def test_rate_penalty_refuses_the_whole_account_until_it_ends(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sb = sandbox_factory(rate=5, rate_penalty_s=2)
    s = client(sb)
    codes = [s.get(sb.api_url + "/tags").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    started = time.monotonic()
    time.sleep(1.1)  # the bucket has refilled, but the penalty is not over
    r = s.get(sb.api_url + "/users")
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 1 + 2 - (time.monotonic() - started)
    assert r.headers["RateLimit-Remaining"] == "0"
    time.sleep(max(0.0, 2.05 - (time.monotonic() - started)))
    assert s.get(sb.api_url + "/users").status_code == 200
    assert sb.stats()["rate_limited"] == 2
    assert sb.configure(rate_penalty_s=0)["rate_penalty_s"] == 0


def test_rate_503_answers_refusals_with_the_503_page(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sb = sandbox_factory(rate=5, rate_503=1.0)
    s = client(sb)
    answers = [s.get(sb.api_url + "/tags") for _ in range(8)]
    assert [r.status_code for r in answers] == [200] * 5 + [503] * 3
    for r in answers[5:]:
        assert "text/html" in r.headers["Content-Type"]
        assert "503 Service Temporarily Unavailable" in r.text
        assert "Retry-After" not in r.headers
    stats = sb.stats()
    assert stats["rate_limited"] == 3  # refusals by the limit, whichever status they carry
    assert stats["by_status"] == {"200": 5, "503": 3}
    assert stats["faults"] == {}


def test_rate_others_spend_part_of_the_account_limit(
    sandbox_factory: Callable[..., Sandbox],
) -> None:
    sb = sandbox_factory(rate=10, rate_others=6)
    s = client(sb)
    t0 = time.monotonic()
    ok = 0
    while time.monotonic() - t0 < 1.5:
        ok += s.get(sb.api_url + "/users").status_code == 200
    elapsed = time.monotonic() - t0
    # the burst of 10, then only the 4/s the other integrations leave us
    assert 10 <= ok <= 10 + 4 * elapsed + 1
    assert sb.stats()["rate_limited"] > 0
    config = requests.post(sb.base_url + "/__sandbox/config", json={"rate_others": 0}).json()
    assert config["rate_others"] == 0 and config["rate"] == 10


def test_the_cli_takes_the_shared_limit_modes() -> None:
    flags = ["--rate-others", "1", "--rate-penalty-s", "2", "--rate-503", "0.5"]
    with SandboxProcess(20, rate=3, extra=flags) as proc:
        config = proc.control("GET", "config")
    assert (config["rate"], config["rate_others"]) == (3, 1)
    assert (config["rate_penalty_s"], config["rate_503"]) == (2, 0.5)
