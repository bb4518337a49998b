"""Warehouse model -> ActiveCampaign: an audience model mirrored into a sandbox tag by
`meltano run audiences-to-activecampaign` (warehouse:export-audiences tap-warehouse-audiences
target-activecampaign). Everything here is real: sandbox over HTTP, the DuckDB warehouse, dbt,
tap-jsonl and the target.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrate import harness

ROOT = harness.ROOT
AUDIENCE = "open_deal_contacts"
REVERSE = ["run", "audiences-to-activecampaign"]


def binding() -> dict[str, Any]:
    """The audience's tag binding, as meltano.yml gives it to the target."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    target = next(p for p in project["plugins"]["loaders"] if p["name"] == "target-activecampaign")
    return dict(target["config"]["audiences"][AUDIENCE])


def api(sb: harness.Sandbox, method: str, path: str, body: Any = None) -> Any:
    """One call to the sandbox's v3 API with its token, as any client would make it."""
    req = urllib.request.Request(
        f"{sb.api_url}/{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Api-Token": sb.token, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def tagged_emails(sb: harness.Sandbox, tag_name: str) -> set[str]:
    tag_ids = {str(t["id"]) for t in sb.resource("tags") if t.get("tag") == tag_name}
    members = {str(x["contact"]) for x in sb.resource("contactTags") if str(x["tag"]) in tag_ids}
    return {str(c["email"]).lower() for c in sb.resource("contacts") if str(c["id"]) in members}


@pytest.fixture(scope="module")
def loaded(pipeline_sandbox: harness.Sandbox, tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("audiences")
    env = harness.pipeline_env(pipeline_sandbox, work, requests_per_second=25)
    harness.run_meltano(["run", "activecampaign-to-warehouse"], env, work / "load.log").check()
    return {"env": env, "work": work, "sb": pipeline_sandbox}


def audience_emails(env: dict[str, str], work: Path) -> set[str]:
    result = harness.run_meltano(
        ["invoke", "warehouse:query", f"SELECT email FROM audiences.{AUDIENCE}"],
        env,
        work / "audience.log",
    ).check()
    rows = next(x for x in reversed(result.log_path.read_text().splitlines()) if x[:1] == "[")
    return {str(r["email"]).lower() for r in json.loads(rows)}


def test_mirror_makes_the_tag_hold_exactly_the_audience(loaded: dict) -> None:
    env, work, sb = loaded["env"], loaded["work"], loaded["sb"]
    tag_name = binding()["tag"]
    assert binding()["mode"] == "mirror"
    want = audience_emails(env, work)
    assert want
    assert len(want) >= 6, "too small an audience for the removal guard's 20%"
    # The tag as a previous sync left it: all members but one, and one contact who has since
    # left the audience. Mirror must add the one and take the leaver off (1 removal in
    # len(want) members stays under the target's audience_max_removal_fraction).
    contacts = {str(c["email"]).lower(): c for c in sb.resource("contacts")}
    missing = sorted(want)[0]
    outsider = next(e for e in sorted(contacts) if e not in want)
    tag = api(sb, "POST", "tags", {"tag": {"tag": tag_name, "tagType": "contact"}})["tag"]
    for email in [*sorted(want - {missing}), outsider]:
        link = {"contact": contacts[email]["id"], "tag": tag["id"]}
        api(sb, "POST", "contactTags", {"contactTag": link})
    assert tagged_emails(sb, tag_name) == (want - {missing}) | {outsider}

    first = harness.run_meltano(REVERSE, env, work / "reverse1.log").check()
    assert tagged_emails(sb, tag_name) == want
    row = harness.target_summary(first.log_path)["audiences"][AUDIENCE]
    assert (row["records"], row["removed"]) == (len(want), 1), row

    # Again: the rewritten batch is read in full, and there is nothing to add or remove.
    again = harness.run_meltano(REVERSE, env, work / "reverse2.log").check()
    assert tagged_emails(sb, tag_name) == want
    row = harness.target_summary(again.log_path)["audiences"][AUDIENCE]
    assert (row["records"], row["added"], row["removed"]) == (len(want), 0, 0), row


def test_every_audience_model_is_split_aliased_and_bound() -> None:
    """A model under transform/models/audiences/ reaches the target only with its stream map
    (DuckDB), its alias (PostgreSQL) and its binding; forgetting one fails here, by name."""
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    plugins = {p["name"]: p for kind in project["plugins"].values() for p in kind}
    models = {p.stem for p in (ROOT / "transform" / "models" / "audiences").glob("*.sql")}
    assert models
    maps = plugins["tap-warehouse-audiences"]["config"]["stream_maps"]
    aliases = plugins["tap-warehouse-audiences-postgres"]["config"]["stream_maps"]
    bound = plugins["target-activecampaign"]["config"]["audiences"]
    for model in sorted(models):
        assert maps.get(model, {}).get("__filter__") == f"audience == '{model}'", model
        assert aliases.get(f"audiences-{model}") == {"__alias__": model}, model
        assert set(bound.get(model, {})) & {"tag", "list"}, model
        assert bound[model].get("mode") in ("mirror", "add"), model
    assert maps.get("audiences") == "__NULL__"  # the unsplit batch is never sent
