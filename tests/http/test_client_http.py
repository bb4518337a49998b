"""The shared client against the sandbox over real HTTP: pacing, retries, auth, secrecy."""

import json
import logging
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from activecampaign_http import ApiClient, ApiError, AuthError

TOKEN = "http-test-token-0123456789"


def make_client(sb, **kwargs) -> ApiClient:
    kwargs.setdefault("requests_per_second", 50)
    kwargs.setdefault("backoff_base", 0.05)
    kwargs.setdefault("request_timeout", 5)
    return ApiClient(sb.api_url, sb.token, **kwargs)


@pytest.fixture
def sb(sandbox_factory):
    return sandbox_factory(token=TOKEN, contacts=120)


def test_bad_token_fails_fast_with_a_clear_message(sb, caplog):
    client = ApiClient(sb.api_url, "wrong-token-abcdef", requests_per_second=50)
    started = time.monotonic()
    with pytest.raises(AuthError, match="token was refused") as info:
        client.check_auth()
    assert time.monotonic() - started < 5
    assert "wrong-token-abcdef" not in str(info.value)
    assert sb.stats()["by_status"].get("403", 0) == 2


def test_faults_are_retried_until_every_page_is_read(sb):
    expected = [c["id"] for c in sb.dump("contacts")]
    sb.configure(fail=0.3)
    client = make_client(sb, max_retries=12)
    seen = []
    for offset in range(0, len(expected), 10):
        body = client.get_json("contacts", {"limit": 10, "offset": offset, "orders[id]": "ASC"})
        seen += [c["id"] for c in body["contacts"]]
    assert seen == expected
    stats = sb.stats()
    assert sum(stats["faults"].values()) > 0
    assert client.stats["retries"] >= sum(stats["faults"].values()) - 1


def test_429_is_honoured_and_paces_everyone(sb):
    sb.configure(rate=5)
    client = make_client(sb, requests_per_second=50)  # deliberately faster than the server
    started = time.monotonic()
    for _ in range(12):
        client.get_json("tags", {"limit": 1})
    elapsed = time.monotonic() - started
    assert client.stats["throttled"] >= 1
    assert sb.stats()["rate_limited"] == client.stats["throttled"]
    assert elapsed >= 1.0  # 12 requests at 5/s with a bucket of 5 cannot finish sooner


def test_client_paced_at_the_limit_meets_no_429(sb):
    sb.configure(rate=5)
    time.sleep(1.2)  # let the server's bucket refill
    client = make_client(sb, requests_per_second=5)
    for _ in range(10):
        client.get_json("tags", {"limit": 1})
    assert client.stats["throttled"] == 0
    assert sb.stats()["rate_limited"] == 0


def test_validation_error_is_not_retried_and_names_the_call(sb):
    client = make_client(sb)
    email = "dup-check@example.com"
    client.request("POST", "contacts", json={"contact": {"email": email}})
    with pytest.raises(ApiError, match="POST contacts: HTTP 422") as info:
        client.request("POST", "contacts", json={"contact": {"email": email}})
    assert info.value.status == 422
    assert client.stats["retries"] == 0


def test_token_never_logged_at_debug(sb, caplog):
    sb.configure(fail=0.3)
    client = make_client(sb, max_retries=12)
    with caplog.at_level(logging.DEBUG):
        for offset in (0, 20, 40, 60):
            client.get_json("contacts", {"offset": offset})
    assert TOKEN not in caplog.text


def test_a_503_at_the_limit_is_retried_like_a_429(sb):
    sb.configure(rate=5, rate_503=1.0)
    client = make_client(sb, requests_per_second=50, max_retries=0)
    for _ in range(12):
        client.get_json("tags", {"limit": 1})  # max_retries=0: only refusals may be retried
    assert sb.stats()["by_status"].get("503", 0) >= 1
    assert client.stats["throttled"] == sb.stats()["rate_limited"]
    assert client.stats["retries"] == 0
    assert client.limiter.rate < client.limiter.configured  # refused: slower from now on


def test_a_long_retry_after_holds_back_every_thread(sb):
    sb.configure(rate=5, rate_penalty_s=3)
    client = make_client(sb, requests_per_second=50, backoff_base=0.5)
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        bodies = list(pool.map(lambda _: client.get_json("users/me"), range(9)))
    assert all(body["user"] for body in bodies)
    assert time.monotonic() - started >= 3.0  # the penalty was waited out
    refused = sb.stats()["rate_limited"]
    # the requests already in flight when the penalty began are refused; then nobody asks
    # again until it is over
    assert 1 <= refused <= 4
    assert client.stats["throttled"] == refused


def test_refused_by_a_shared_account_the_pace_drops_and_refusals_stay_few(sb):
    """3/s for the account, 1/s of it spent by another integration, and we are set to 5/s."""
    sb.configure(rate=3, rate_others=1)
    client = make_client(sb, requests_per_second=5)
    for _ in range(20):
        client.get_json("tags", {"limit": 1})
    refused = sb.stats()["rate_limited"]
    assert refused >= 1
    assert client.limiter.rate < 4  # still below the configured 5/s: recovery is gradual
    assert refused <= 4  # at a constant 5/s about one request in four would be refused


OTHER_PROCESS = """
import json, os, time
from activecampaign_http import ApiClient
client = ApiClient(os.environ["AC_URL"], os.environ["AC_TOKEN"], requests_per_second=50)
started = time.monotonic()
client.get_json("users/me")
print(json.dumps({"waited": time.monotonic() - started, "throttled": client.stats["throttled"]}))
"""


def test_a_retry_after_told_to_one_process_holds_back_the_others(sb):
    """The tap and the target are separate processes on one account: one penalty for both."""
    sb.configure(rate=5, rate_penalty_s=4)
    client = make_client(sb, requests_per_second=50)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(lambda: [client.get_json("users/me") for _ in range(6)])
        while not sb.stats()["rate_limited"]:
            time.sleep(0.01)
        other = subprocess.run(
            [sys.executable, "-c", OTHER_PROCESS],
            env={**os.environ, "AC_URL": sb.api_url, "AC_TOKEN": sb.token},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        first.result()
    seen = json.loads(other.stdout)
    assert seen["throttled"] == 0  # it waited for the penalty instead of meeting it
    assert seen["waited"] >= 1.0
    assert sb.stats()["rate_limited"] == 1
    assert TOKEN not in other.stderr
