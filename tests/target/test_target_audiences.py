"""Audience streams over real HTTP against the sandbox: tag and list, add and mirror, the guard."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from target_helpers import TOKEN, run_target, stream_messages, to_lines, writes

from activecampaign_http import ApiClient
from activecampaign_sandbox import Sandbox
from target_activecampaign.audiences import (
    AudienceConfigError,
    Audiences,
    AudienceSpec,
    AudienceState,
    check_removal_fraction,
    parse_audiences,
    removal_fraction,
    removal_refusal,
)

VIP = {"vip_customers": {"tag": "VIP", "mode": "mirror"}}


@pytest.fixture
def make_sandbox(sandbox_factory):
    def make(**kwargs) -> Sandbox:
        return sandbox_factory(**{"token": TOKEN, "contacts": 0, "import_delay_s": 0.05, **kwargs})

    return make


def email(i: int) -> str:
    return f"member{i}@example.com"


def seed(sb: Sandbox, tmp_path: Path, n: int, **links: range) -> None:
    """n contacts; `tags` / `lists` say which of them carry VIP / are on the Newsletter."""
    records = []
    for i in range(n):
        rec: dict = {"email": email(i), "first_name": f"Seed{i}"}
        if i in links.get("tags", range(0)):
            rec["tags"] = ["VIP"]
        if i in links.get("lists", range(0)):
            rec["lists"] = ["Newsletter"]
        records.append(rec)
    result = run_target(sb.api_url, stream_messages("contacts", records), tmp_path)
    assert result.ledger["written"] == n
    sb.reset_stats()


def tagged(sb: Sandbox, tag: str = "VIP") -> set[str]:
    names = {t["id"]: t["tag"] for t in sb.dump("tags")}
    emails = {c["id"]: c["email"].lower() for c in sb.dump("contacts")}
    return {emails[ct["contact"]] for ct in sb.dump("contactTags") if names[ct["tag"]] == tag}


def on_list(sb: Sandbox, name: str = "Newsletter") -> dict[str, str]:
    """email -> status of every membership row of the list (unsubscribed rows stay)."""
    list_id = next(x["id"] for x in sb.dump("lists") if x["name"] == name)
    emails = {c["id"]: c["email"].lower() for c in sb.dump("contacts")}
    return {
        emails[cl["contact"]]: str(cl["status"])
        for cl in sb.dump("contactLists")
        if cl["list"] == list_id
    }


def audience_summary(result) -> dict:
    run = result.target.run
    return run.audiences.summary(run.ledger)


def sideloads_tag_links(sb: Sandbox) -> bool:
    """Whether this sandbox honours `include=contactTags` on the contacts list."""
    client = ApiClient(sb.api_url, TOKEN)
    body = client.get_json("contacts", params={"include": "contactTags", "limit": 1})
    return isinstance(body.get("contactTags"), list)


# -- tag mirror ---------------------------------------------------------------------------------


def test_tag_mirror_leaves_exactly_the_streams_contacts_tagged(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 30, tags=range(10))  # 0-9 carry VIP
    stream = [{"email": email(i), "last_name": f"L{i}"} for i in range(2, 14)]  # 2-13
    stream.append({"email": "brand.new@example.com"})
    stream.append({"email": "not-an-email"})
    result = run_target(
        sb.api_url,
        stream_messages("vip_customers", stream),
        tmp_path,
        audiences=VIP,
        audience_max_removal_fraction=0.25,
    )

    expected = {email(i) for i in range(2, 14)} | {"brand.new@example.com"}
    assert tagged(sb) == expected
    summary = audience_summary(result)["vip_customers"]
    assert summary["members_before"] == 10
    assert (summary["added"], summary["already_members"], summary["removed"]) == (5, 8, 2)
    assert (summary["rejected"], summary["skipped"], summary["records"]) == (1, 0, 14)
    assert result.rejects[0]["reason"].startswith("'email' is not a valid")
    stored = {c["email"].lower(): c for c in sb.dump("contacts")}
    assert stored[email(5)]["lastName"] == "L5" and stored[email(5)]["firstName"] == "Seed5"
    stats = sb.stats()["by_route"]
    assert stats["DELETE /contactTags/{id}"] == 2
    if not sideloads_tag_links(sb):  # today's sandbox: link ids read per removed contact
        assert stats["GET /contacts/{id}/contactTags"] == 2
    assert "POST /contact/sync" not in stats  # additions rode on the bulk import


class SideloadingProxy:
    """Forwards to a sandbox, adding `contactTags` to contacts pages asked `include=contactTags`.

    Stands in for an account that honours the sideload until the sandbox serves it itself
    (then the test below runs against the sandbox directly).
    """

    def __init__(
        self,
        sb: Sandbox,
        refuse_deletes: bool = False,
        refuse: Callable[[str, str], bool] | None = None,
        before: Callable[[str, str], None] | None = None,
        blank_emails: set[str] = frozenset(),
    ) -> None:
        """`refuse(method, path)` answers 400 instead of forwarding; `before` sees each call."""
        proxy = self
        if refuse_deletes:
            refuse = lambda method, path: method == "DELETE"  # noqa: E731

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                return

            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                route = urlsplit(self.path).path
                if before is not None:
                    before(self.command, self.path)
                if refuse is not None and refuse(self.command, route):
                    refusal = json.dumps({"errors": [{"title": "Not allowed"}]}).encode()
                    self.send_response(400)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(refusal)))
                    self.end_headers()
                    self.wfile.write(refusal)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                resp = requests.request(
                    self.command, sb.base_url + self.path, data=body, headers=headers, timeout=30
                )
                content = resp.content
                url = urlsplit(self.path)
                include = parse_qs(url.query).get("include", [""])[0]
                if url.path == "/api/3/contacts" and blank_emails:
                    page = resp.json()
                    for row in page.get("contacts", []):
                        if row["id"] in blank_emails:
                            row["email"] = ""
                    content = json.dumps(page).encode()
                if url.path == "/api/3/contacts" and "contactTags" in include:
                    page = json.loads(content)
                    ids = {c["id"] for c in page.get("contacts", [])}
                    page["contactTags"] = [
                        link for link in sb.dump("contactTags") if link["contact"] in ids
                    ]
                    proxy.sideloaded_pages += 1
                    content = json.dumps(page).encode()
                self.send_response(resp.status_code)
                self.send_header("Content-Type", resp.headers.get("Content-Type", "text/plain"))
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_DELETE = forward

        self.sideloaded_pages = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.api_url = f"http://127.0.0.1:{self.server.server_address[1]}/api/3"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_tag_mirror_uses_sideloaded_link_ids_when_the_page_carries_them(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 120, tags=range(120))  # two members pages
    proxy = None if sideloads_tag_links(sb) else SideloadingProxy(sb)
    stream = [{"email": email(i)} for i in range(3, 120)]
    try:
        result = run_target(
            proxy.api_url if proxy else sb.api_url,
            stream_messages("vip_customers", stream),
            tmp_path,
            audiences=VIP,
        )
    finally:
        if proxy:
            proxy.close()
    assert tagged(sb) == {email(i) for i in range(3, 120)}
    assert audience_summary(result)["vip_customers"]["removed"] == 3
    stats = sb.stats()["by_route"]
    assert stats["DELETE /contactTags/{id}"] == 3
    assert "GET /contacts/{id}/contactTags" not in stats  # the link ids came with the pages
    assert proxy is None or proxy.sideloaded_pages == 2


def test_removals_the_api_refuses_are_reported_and_fail_the_run(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 10, tags=range(10))
    proxy = SideloadingProxy(sb, refuse_deletes=True)
    try:
        result = run_target(
            proxy.api_url,
            stream_messages("vip_customers", [{"email": email(i)} for i in range(1, 10)]),
            tmp_path,
            audiences=VIP,
        )
    finally:
        proxy.close()
    summary = audience_summary(result)["vip_customers"]
    assert (summary["removed"], summary["removal_failed"]) == (0, 1)
    ids = {c["email"].lower(): c["id"] for c in sb.dump("contacts")}
    assert summary["removal_failures"] == [
        {"contact": ids[email(0)], "reason": summary["removal_failures"][0]["reason"]}
    ]  # contact ids, never emails: the summary is logged
    assert "Not allowed" in summary["removal_failures"][0]["reason"]
    assert result.target.removal_failures == 1  # exit 2, as for rejects
    assert email(0) in tagged(sb)


def test_the_link_ids_of_a_members_page_are_taken_for_the_audiences_tag_only():
    state = AudienceState(AudienceSpec("s", "tag", "VIP", "mirror"), target_id="7")
    Audiences._note_links(
        state,
        [
            {"id": "1", "contact": "10", "tag": "7"},
            {"id": "2", "contact": "10", "tag": "8"},
            {"id": "3", "contact": "11", "tag": "7"},
            {"id": "4", "contact": "10", "tag": "7"},
        ],
    )
    assert state.links == {"10": ["1", "4"], "11": ["3"]}


def test_a_mirror_into_a_tag_nobody_carries_yet_creates_it(make_sandbox, tmp_path):
    sb = make_sandbox()
    result = run_target(
        sb.api_url,
        stream_messages("vip_customers", [{"email": email(i)} for i in range(3)]),
        tmp_path,
        audiences={"vip_customers": {"tag": "Fresh Tag", "mode": "mirror"}},
    )
    assert tagged(sb, "Fresh Tag") == {email(i) for i in range(3)}
    summary = audience_summary(result)["vip_customers"]
    assert (summary["members_before"], summary["added"], summary["removed"]) == (0, 3, 0)


# -- list mirror ---------------------------------------------------------------------------------


def test_list_mirror_unsubscribes_the_others_by_id_and_deletes_nothing(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 60, lists=range(50))  # 0-49 subscribed
    stream = [{"email": email(i)} for i in range(12, 55)]  # 0-11 leave, 50-54 join
    result = run_target(
        sb.api_url,
        stream_messages("newsletter", stream),
        tmp_path,
        audiences={"newsletter": {"list": "newsletter", "mode": "mirror"}},
        audience_max_removal_fraction=0.25,
    )
    members = on_list(sb)
    assert {e for e, s in members.items() if s == "1"} == {email(i) for i in range(12, 55)}
    assert {e for e, s in members.items() if s == "2"} == {email(i) for i in range(12)}
    assert len(sb.dump("contacts")) == 60  # never deleted
    summary = audience_summary(result)["newsletter"]
    assert (summary["members_before"], summary["added"], summary["removed"]) == (50, 5, 12)
    stats = writes(sb.stats())
    assert "DELETE /contactLists/{id}" not in stats
    assert stats["POST /import/bulk_import"] == 1  # the stream's contacts
    assert stats["POST /contactLists"] == 12  # the removals, by contact id (never creating)
    stored = {c["email"].lower(): c for c in sb.dump("contacts")}
    assert stored[email(0)]["firstName"] == "Seed0"  # an unsubscribe overwrites nothing


def test_a_list_named_by_id_and_an_unknown_list(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 4, lists=range(4))
    list_id = next(x["id"] for x in sb.dump("lists") if x["name"] == "Newsletter")
    run_target(
        sb.api_url,
        stream_messages("newsletter", [{"email": email(i)} for i in range(1, 4)]),
        tmp_path,
        audiences={"newsletter": {"list": int(list_id), "mode": "mirror"}},
        audience_max_removal_fraction=0.5,
    )
    assert on_list(sb)[email(0)] == "2"
    # three small adds one by one (sync + subscribe), and one removal: no import needed
    assert writes(sb.stats()) == {"POST /contact/sync": 3, "POST /contactLists": 4}
    sb.reset_stats()
    with pytest.raises(AudienceConfigError, match="unknown list 'Nope'"):
        run_target(
            sb.api_url,
            stream_messages("newsletter", [{"email": email(1)}]),
            tmp_path,
            audiences={"newsletter": {"list": "Nope", "mode": "add"}},
        )
    assert writes(sb.stats()) == {}


def test_a_contact_who_left_the_list_is_reported_not_resubscribed(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 6, lists=range(6))
    leaver = [{"email": email(0), "unsubscribe_lists": ["Newsletter"]}]
    run_target(sb.api_url, stream_messages("contacts", leaver), tmp_path)
    assert on_list(sb)[email(0)] == "2"
    result = run_target(
        sb.api_url,
        stream_messages("newsletter", [{"email": email(i)} for i in range(6)]),
        tmp_path,
        audiences={"newsletter": {"list": "Newsletter", "mode": "mirror"}},
    )
    assert on_list(sb)[email(0)] == "2"  # an import never subscribes a leaver again
    summary = audience_summary(result)["newsletter"]
    assert (summary["added"], summary["not_resubscribed"], summary["removed"]) == (0, 1, 0)
    assert summary["already_members"] == 5


# -- add ---------------------------------------------------------------------------------------


def test_add_tags_and_subscribes_and_removes_nobody(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 10, tags=range(5), lists=range(5))
    stream = [{"email": email(i)} for i in range(4, 8)]
    lines = [*stream_messages("vip_adds", stream), *stream_messages("news_adds", stream)]
    result = run_target(
        sb.api_url,
        lines,
        tmp_path,
        audiences={
            "vip_adds": {"tag": "VIP", "mode": "add"},
            "news_adds": {"list": "Newsletter", "mode": "add"},
        },
    )
    assert tagged(sb) == {email(i) for i in range(8)}
    assert {e for e, s in on_list(sb).items() if s == "1"} == {email(i) for i in range(8)}
    summary = audience_summary(result)
    assert summary["vip_adds"]["added"] == 4 and summary["vip_adds"]["removed"] == 0
    assert summary["news_adds"]["added"] == 4
    assert "DELETE /contactTags/{id}" not in writes(sb.stats())


# -- the guard and the empty stream ----------------------------------------------------------


def run_cli(sb: Sandbox, tmp_path: Path, config: dict, lines: list) -> subprocess.CompletedProcess:
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps({"api_url": sb.api_url, "api_token": TOKEN, **config}))
    data = tmp_path / "in.jsonl"
    data.write_text(to_lines(lines))
    exe = Path(sys.executable).parent / "target-activecampaign"
    return subprocess.run(
        [str(exe), "--config", str(cfg), "--input", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_guard_refuses_a_large_removal_and_exits_non_zero(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 10, tags=range(10))
    stream = [{"email": email(i)} for i in range(7)] + [{"email": "newcomer@example.com"}]
    proc = run_cli(
        sb,
        tmp_path,
        {"audiences": VIP, "rejects_file": str(tmp_path / "r.jsonl")},
        stream_messages("vip_customers", stream),
    )
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert "audience 'vip_customers' (tag 'VIP', mirror)" in proc.stderr
    assert "would remove 3 of 10 current members (30%)" in proc.stderr
    assert "audience_max_removal_fraction 0.2; nothing removed" in proc.stderr
    assert tagged(sb) == {email(i) for i in range(10)} | {"newcomer@example.com"}  # adds kept
    assert (
        "Audience 'vip_customers' (tag 'VIP', mirror): 8 record(s), 1 added, 0 removed, "
        "0 skipped by sync_mode, 0 rejected, removals REFUSED by the guard"
    ) in proc.stderr
    assert "DELETE /contactTags/{id}" not in writes(sb.stats())
    assert TOKEN not in proc.stderr


def test_exactly_the_allowed_fraction_is_removed(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 10, tags=range(10))
    result = run_target(
        sb.api_url,
        stream_messages("vip_customers", [{"email": email(i)} for i in range(8)]),
        tmp_path,
        audiences=VIP,
    )
    assert tagged(sb) == {email(i) for i in range(8)}
    assert result.target.audience_refusals == []


def test_an_empty_audience_stream_never_empties_the_tag(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 5, tags=range(5))
    result = run_target(
        sb.api_url,
        stream_messages("vip_customers", []),
        tmp_path,
        audiences=VIP,
        audience_max_removal_fraction=1.0,
    )
    assert tagged(sb) == {email(i) for i in range(5)}
    [refusal] = result.target.audience_refusals
    assert "carried no contact" in refusal and "5 current member(s) kept" in refusal
    assert writes(sb.stats()) == {}


def test_a_stream_of_only_invalid_emails_counts_as_empty(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 5, lists=range(5))
    result = run_target(
        sb.api_url,
        stream_messages("newsletter", [{"email": "nope"}, {"email": ""}]),
        tmp_path,
        audiences={"newsletter": {"list": "Newsletter", "mode": "mirror"}},
        audience_max_removal_fraction=1.0,
    )
    assert set(on_list(sb).values()) == {"1"}
    assert result.target.audience_refusals and result.ledger["rejected"] == 2


def test_a_run_stopped_by_a_malformed_line_removes_nothing(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 5, tags=range(5))
    lines = [*stream_messages("vip_customers", [{"email": email(0)}]), "{not json"]
    with pytest.raises(Exception, match="Input line 3 is malformed"):
        run_target(sb.api_url, lines, tmp_path, audiences=VIP, audience_max_removal_fraction=1.0)
    assert tagged(sb) == {email(i) for i in range(5)}


# -- dry run and sync modes --------------------------------------------------------------------


def test_dry_run_reports_what_a_mirror_would_do_and_writes_nothing(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 10, tags=range(10))
    stream = [{"email": email(i)} for i in range(1, 10)] + [{"email": "new@example.com"}]
    result = run_target(
        sb.api_url, stream_messages("vip_customers", stream), tmp_path, audiences=VIP, dry_run=True
    )
    assert writes(sb.stats()) == {}
    summary = audience_summary(result)["vip_customers"]
    assert (summary["added"], summary["already_members"], summary["removed"]) == (1, 9, 1)
    assert result.ledger["would_write"] == 10
    # the guard is evaluated in a dry run too
    result = run_target(
        sb.api_url,
        stream_messages("vip_customers", stream[:5]),
        tmp_path,
        audiences=VIP,
        dry_run=True,
    )
    assert result.target.audience_refusals and writes(sb.stats()) == {}


def test_update_only_audience_skips_unknown_contacts_and_create_only_leaves_members(
    make_sandbox, tmp_path
):
    sb = make_sandbox()
    seed(sb, tmp_path, 10, tags=range(5))
    stream = [{"email": email(i), "first_name": "Changed"} for i in range(10)]
    stream.append({"email": "stranger@example.com"})
    result = run_target(
        sb.api_url,
        stream_messages("vip_customers", stream),
        tmp_path,
        audiences=VIP,
        sync_mode="update_only",
    )
    assert "stranger@example.com" not in {c["email"] for c in sb.dump("contacts")}
    assert tagged(sb) == {email(i) for i in range(10)}
    summary = audience_summary(result)["vip_customers"]
    assert (summary["added"], summary["skipped"], summary["records"]) == (5, 1, 11)
    assert result.rejects == []

    stream = [{"email": email(i), "first_name": "Again"} for i in range(3)]
    stream.append({"email": "fresh@example.com", "first_name": "Fresh"})
    result = run_target(
        sb.api_url,
        stream_messages("vip_customers", stream),
        tmp_path,
        audiences=VIP,
        sync_mode="create_only",
        audience_max_removal_fraction=1.0,
    )
    stored = {c["email"].lower(): c for c in sb.dump("contacts")}
    assert stored[email(0)]["firstName"] == "Changed"  # skipped: left as it was
    assert stored["fresh@example.com"]["firstName"] == "Fresh"
    # members the stream named but the mode skipped keep the tag; the others lose it
    assert tagged(sb) == {email(i) for i in range(3)} | {"fresh@example.com"}
    summary = audience_summary(result)["vip_customers"]
    assert (summary["added"], summary["skipped"], summary["removed"]) == (1, 3, 7)


# -- the setting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"a": {"mode": "mirror"}}, "entry 'a': give exactly one of 'tag' or 'list'"),
        ({"a": {"tag": "x", "list": "y", "mode": "add"}}, "exactly one of"),
        ({"a": {"tag": "x", "mode": "sync"}}, "'mode' must be one of mirror, add"),
        ({"a": {"tag": "x", "mode": "add", "colour": 1}}, "unknown key(s) colour"),
        ({"a": "VIP"}, "entry 'a': must be an object"),
    ],
)
def test_bad_audience_settings_name_the_audience(raw, message):
    with pytest.raises(AudienceConfigError) as exc:
        parse_audiences(raw)
    assert message in str(exc.value)


def test_the_guard_rule():
    spec = AudienceSpec("vip", "tag", "VIP", "mirror")
    assert removal_refusal(spec, 10, 2, 8, 0.2) is None
    assert "would remove 3 of 10" in (removal_refusal(spec, 10, 3, 7, 0.2) or "")
    assert "carried no contact" in (removal_refusal(spec, 10, 10, 0, 1.0) or "")
    assert removal_refusal(spec, 0, 0, 0, 0.2) is None


@pytest.mark.parametrize("value", [-0.1, 1.5, "lots", "1.5", True])
def test_the_removal_fraction_must_be_a_fraction(value):
    with pytest.raises(AudienceConfigError, match="from 0 to 1"):
        check_removal_fraction(value)
    check_removal_fraction(0.5)


def test_the_removal_fraction_may_be_a_numeric_string():
    """Meltano passes the setting as a string (kind: string): `0.1` from the environment."""
    check_removal_fraction("0.1")
    assert removal_fraction(" 0.1 ") == 0.1
    assert removal_fraction(None) == removal_fraction("") == 0.2
    assert removal_fraction(1) == 1.0


# -- review fixes: naming, overlaps, unconfirmed adds, removals that cannot create -------------


def schema_messages(stream: str, schema: dict, key: list[str], records: list[dict]) -> list[dict]:
    head = {"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": key}
    return [head, *({"type": "RECORD", "stream": stream, "record": r} for r in records)]


def test_records_rejected_on_arrival_still_name_their_contact(make_sandbox, tmp_path):
    """Schema mismatch and missing key property: rejected before write(), yet not removed."""
    sb = make_sandbox()
    seed(sb, tmp_path, 11, tags=range(11))
    schema = {
        "type": "object",
        "properties": {
            "email": {"type": "string"},
            "first_name": {"type": "string"},
            "customer_id": {"type": "integer"},
        },
    }
    records = [{"email": email(i), "customer_id": i} for i in range(2, 10)]
    records.append({"email": email(0), "customer_id": 0, "first_name": 12345})  # wrong type
    records.append({"email": email(1)})  # no key property
    result = run_target(
        sb.api_url,
        schema_messages("vip_customers", schema, ["customer_id"], records),
        tmp_path,
        audiences=VIP,
        audience_max_removal_fraction=0.5,
    )
    assert tagged(sb) == {email(i) for i in range(10)}  # only member 10 was left out
    summary = audience_summary(result)["vip_customers"]
    assert (summary["removed"], summary["rejected"]) == (1, 2)
    reasons = sorted(r["reason"] for r in result.rejects)
    assert "does not match the stream's schema" in reasons[0]
    assert "missing its key property 'customer_id'" in reasons[1]


@pytest.mark.parametrize(
    "raw",
    [
        {"a": {"tag": "VIP", "mode": "mirror"}, "b": {"tag": "vip", "mode": "add"}},
        {"a": {"list": "Newsletter", "mode": "add"}, "b": {"list": "newsletter", "mode": "mirror"}},
    ],
)
def test_two_audiences_on_one_tag_or_list_with_a_mirror_are_refused(raw):
    with pytest.raises(AudienceConfigError) as exc:
        parse_audiences(raw)
    assert "audience 'a'" in str(exc.value) and "audience 'b'" in str(exc.value)
    assert "target the same" in str(exc.value)
    parse_audiences({k: {**v, "mode": "add"} for k, v in raw.items()})  # adds only: fine


def test_one_list_named_by_name_and_by_id_is_refused_before_any_write(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 4, lists=range(4))
    list_id = next(x["id"] for x in sb.dump("lists") if x["name"] == "Newsletter")
    lines = [
        *stream_messages("news_a", [{"email": email(0)}]),
        *stream_messages("news_b", [{"email": email(1)}]),
    ]
    with pytest.raises(AudienceConfigError) as exc:
        run_target(
            sb.api_url,
            lines,
            tmp_path,
            audiences={
                "news_a": {"list": "Newsletter", "mode": "mirror"},
                "news_b": {"list": int(list_id), "mode": "add"},
            },
        )
    assert "audience 'news_a'" in str(exc.value) and "audience 'news_b'" in str(exc.value)
    assert writes(sb.stats()) == {}


def test_a_mirror_whose_adds_were_refused_removes_nobody(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 10, tags=range(10))
    refused = {"/api/3/import/bulk_import", "/api/3/contact/sync"}
    proxy = SideloadingProxy(sb, refuse=lambda method, path: method == "POST" and path in refused)
    stream = [{"email": email(i)} for i in range(1, 10)] + [{"email": "new@example.com"}]
    try:
        result = run_target(
            proxy.api_url, stream_messages("vip_customers", stream), tmp_path, audiences=VIP
        )
    finally:
        proxy.close()
    assert tagged(sb) == {email(i) for i in range(10)}  # member 0 kept
    [refusal] = result.target.audience_refusals  # exit 3, like the guard
    assert "adds not confirmed" in refusal and "audience 'vip_customers'" in refusal
    summary = audience_summary(result)["vip_customers"]
    assert (summary["removed"], summary["rejected"]) == (0, 10)
    assert "adds not confirmed" in summary["refused"]
    assert "DELETE /contactTags/{id}" not in writes(sb.stats())


def test_a_failed_tag_removal_does_not_hide_that_the_contact_joined(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 5, tags=range(5))
    run_target(
        sb.api_url, stream_messages("contacts", [{"email": email(0), "tags": ["Old"]}]), tmp_path
    )
    stream = [{"email": email(i)} for i in range(1, 5)]
    stream.append({"email": email(0), "remove_tags": ["Old"]})
    proxy = SideloadingProxy(sb, refuse_deletes=True)  # the tag removal fails
    try:
        result = run_target(
            proxy.api_url, stream_messages("vip_customers", stream), tmp_path, audiences=VIP
        )
    finally:
        proxy.close()
    summary = audience_summary(result)["vip_customers"]
    assert summary["rejected"] == 1 and "contact written, but" in result.rejects[0]["reason"]
    assert summary["already_members"] == 5  # its VIP add was confirmed all the same
    assert result.target.audience_refusals == []


def test_members_without_an_email_leave_a_mirror_and_count_for_the_guard(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 10, tags=range(10))
    ids = {c["email"].lower(): c["id"] for c in sb.dump("contacts")}
    nameless = {ids[email(8)], ids[email(9)]}  # as an account shows phone-only contacts
    stream = [{"email": email(i)} for i in range(8)]

    def run(**config):
        proxy = SideloadingProxy(sb, blank_emails=nameless)
        try:
            return run_target(
                proxy.api_url, stream_messages("vip_customers", stream), tmp_path, **config
            )
        finally:
            proxy.close()

    # the guard counts them: 2 of 10 is more than 0.1 (a string, as Meltano passes it)
    result = run(audiences=VIP, audience_max_removal_fraction="0.1")
    assert "would remove 2 of 10" in result.target.audience_refusals[0]
    assert tagged(sb) == {email(i) for i in range(10)}
    result = run(audiences=VIP)
    summary = audience_summary(result)["vip_customers"]
    assert (summary["members_before"], summary["removed"]) == (10, 2)
    assert tagged(sb) == {email(i) for i in range(8)}


def test_a_list_removal_never_recreates_a_contact_deleted_meanwhile(make_sandbox, tmp_path):
    sb = make_sandbox()
    seed(sb, tmp_path, 60, lists=range(60))
    ids = {c["email"].lower(): c["id"] for c in sb.dump("contacts")}
    deleted: list[str] = []

    def delete_member_once(method: str, path: str) -> None:
        # the list's unsubscribed read follows the members read: delete a leaving member now
        if not deleted and method == "GET" and "status=2" in path:
            deleted.append(ids[email(0)])
            requests.delete(
                f"{sb.api_url}/contacts/{ids[email(0)]}", headers={"Api-Token": TOKEN}, timeout=10
            )

    proxy = SideloadingProxy(sb, before=delete_member_once)
    stream = [{"email": email(i)} for i in range(12, 60)]  # 0-11 leave (12 > sync_max_requests)
    try:
        result = run_target(
            proxy.api_url,
            stream_messages("newsletter", stream),
            tmp_path,
            audiences={"newsletter": {"list": "Newsletter", "mode": "mirror"}},
            audience_max_removal_fraction=0.25,
        )
    finally:
        proxy.close()
    assert deleted
    assert email(0) not in {c["email"].lower() for c in sb.dump("contacts")}  # not recreated
    summary = audience_summary(result)["newsletter"]
    assert (summary["removed"], summary["gone"], summary["removal_failed"]) == (11, 1, 0)
    assert {e for e, s in on_list(sb).items() if s == "2"} == {email(i) for i in range(1, 12)}
