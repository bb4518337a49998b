"""Account and deal custom field definitions written over HTTP, and unpaged child lists."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from activecampaign_sandbox import Sandbox

from .helpers import client, get, post, put

KINDS = [("account", "accountCustomFieldMeta"), ("deal", "dealCustomFieldMeta")]


@pytest.fixture
def sb(sandbox_factory: Callable[..., Sandbox]) -> Sandbox:
    return sandbox_factory(contacts=10)


def _key(meta: str) -> str:
    return meta[: -len("Meta")] + "Metum"


@pytest.mark.parametrize(("kind", "meta"), KINDS)
def test_create_read_list_update_delete(sb: Sandbox, kind: str, meta: str) -> None:
    key = _key(meta)
    body = {
        "fieldType": "dropdown",
        "fieldLabel": f"Sample {kind} dropdown",
        "displayOrder": 4,
        "fieldDefault": "option 2",
        "fieldOptions": ["option 1", "option 2", "option 3"],
        "isFormVisible": 1,
    }
    r = post(sb, f"/{meta}", {key: body})
    assert r.status_code == 200, r.text  # the reference documents 200 (not 201) here
    made = r.json()[key]
    assert made["fieldLabel"] == body["fieldLabel"] and made["fieldType"] == "dropdown"
    assert made["fieldOptions"] == body["fieldOptions"] and made["fieldDefault"] == "option 2"
    assert (made["displayOrder"], made["isFormVisible"]) == (4, 1)
    fid = made["id"]
    assert get(sb, f"/{meta}/{fid}").json()[key]["fieldLabel"] == body["fieldLabel"]
    listed = get(sb, f"/{meta}", {"limit": 100}).json()[meta]
    assert [m["id"] for m in listed if m["fieldLabel"] == body["fieldLabel"]] == [fid]

    r = put(sb, f"/{meta}/{fid}", {key: {"fieldLabel": "Renamed", "isFormVisible": False}})
    assert r.status_code == 200, r.text
    changed = r.json()[key]
    assert (changed["fieldLabel"], changed["isFormVisible"]) == ("Renamed", 0)
    assert changed["fieldType"] == "dropdown"
    assert get(sb, f"/{meta}/{fid}").json()[key]["fieldLabel"] == "Renamed"

    assert client(sb).delete(f"{sb.api_url}/{meta}/{fid}", timeout=30).status_code == 200
    assert get(sb, f"/{meta}/{fid}").status_code == 404
    assert client(sb).delete(f"{sb.api_url}/{meta}/{fid}", timeout=30).status_code == 404
    assert put(sb, f"/{meta}/{fid}", {key: {"fieldLabel": "x"}}).status_code == 404


@pytest.mark.parametrize(("kind", "meta"), KINDS)
def test_bad_or_duplicate_definitions_are_422(sb: Sandbox, kind: str, meta: str) -> None:
    key = _key(meta)
    ok = {"fieldType": "text", "fieldLabel": "Region"}
    assert post(sb, f"/{meta}", {key: ok}).status_code == 200
    cases = [
        ({"fieldType": "text", "fieldLabel": "region"}, "duplicate", "fieldLabel"),
        ({"fieldType": "text"}, "field_missing", "fieldLabel"),
        ({"fieldLabel": "No type"}, "field_missing", "fieldType"),
        ({"fieldType": "colour", "fieldLabel": "Bad type"}, "invalid", "fieldType"),
        ({"fieldType": "radio", "fieldLabel": "Bad", "fieldOptions": "a,b"}, "invalid", None),
    ]
    for body, code, attr in cases:
        r = post(sb, f"/{meta}", {key: body})
        assert r.status_code == 422, (body, r.text)
        error = r.json()["errors"][0]
        assert error["code"] == code
        if attr:
            assert error["source"]["pointer"] == f"/data/attributes/{attr}"
    other = post(sb, f"/{meta}", {key: {"fieldType": "text", "fieldLabel": "Other"}}).json()[key]
    r = put(sb, f"/{meta}/{other['id']}", {key: {"fieldLabel": "REGION"}})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "duplicate"
    assert get(sb, f"/{meta}/{other['id']}").json()[key]["fieldLabel"] == "Other"
    assert post(sb, f"/{meta}", {"field": ok}).status_code == 400  # wrong wrapper


def test_deleting_a_definition_removes_its_values(sb: Sandbox) -> None:
    s = client(sb)
    acc = post(sb, "/accounts", {"account": {"name": "Meta Co"}}).json()["account"]["id"]
    meta = {"fieldType": "text", "fieldLabel": "Doomed"}
    fid = post(sb, "/accountCustomFieldMeta", {"accountCustomFieldMetum": meta}).json()[
        "accountCustomFieldMetum"
    ]["id"]
    datum = {"customerAccountId": int(acc), "customFieldId": int(fid), "fieldValue": "v"}
    r = post(sb, "/accountCustomFieldData", {"accountCustomFieldDatum": datum})
    assert r.status_code == 200
    params = {"filters[customerAccountId]": acc}
    assert len(get(sb, "/accountCustomFieldData", params).json()["accountCustomFieldData"]) == 1
    assert s.delete(f"{sb.api_url}/accountCustomFieldMeta/{fid}", timeout=30).status_code == 200
    assert get(sb, "/accountCustomFieldData", params).json()["accountCustomFieldData"] == []


def test_more_than_a_page_of_definitions_pages_like_a_top_level_list(sb: Sandbox) -> None:
    key = "dealCustomFieldMetum"
    before = len(sb.dump("dealCustomFieldMeta"))
    for n in range(1, 106):
        body = {"fieldType": "text", "fieldLabel": f"Extra {n}"}
        assert post(sb, "/dealCustomFieldMeta", {key: body}).status_code == 200
    first = get(sb, "/dealCustomFieldMeta", {"limit": 100}).json()["dealCustomFieldMeta"]
    rest = get(sb, "/dealCustomFieldMeta", {"limit": 100, "offset": 100}).json()
    assert len(first) == 100
    assert len(first) + len(rest["dealCustomFieldMeta"]) == before + 105


def test_child_lists_are_not_paged(sb: Sandbox) -> None:
    """The reference documents only the parent id on child lists (no limit, offset or meta),
    so they answer every child row whatever limit/offset say."""
    acc = post(sb, "/accounts", {"account": {"name": "Child Co"}}).json()["account"]["id"]
    deal = {"title": "Kids", "value": 1, "currency": "usd", "owner": 1, "stage": 1, "contact": 1}
    did = post(sb, "/deals", {"deal": {**deal, "account": int(acc)}}).json()["deal"]["id"]
    for n in range(1, 26):
        meta = {"fieldType": "text", "fieldLabel": f"Child {n}"}
        fid = post(sb, "/dealCustomFieldMeta", {"dealCustomFieldMetum": meta}).json()[
            "dealCustomFieldMetum"
        ]["id"]
        datum = {"dealId": int(did), "customFieldId": int(fid), "fieldValue": str(n)}
        assert post(sb, "/dealCustomFieldData", {"dealCustomFieldDatum": datum}).status_code == 200
    for params in ({}, {"limit": 5}, {"limit": 5, "offset": 20}, {"offset": 100}):
        body = get(sb, f"/deals/{did}/dealCustomFieldData", params).json()
        assert len(body["dealCustomFieldData"]) == 25, params
        assert "meta" not in body
    cid = sb.dump("contacts")[0]["id"]
    for path, key in (("contactLists", "contactLists"), ("contactTags", "contactTags")):
        whole = get(sb, f"/contacts/{cid}/{path}").json()[key]
        assert get(sb, f"/contacts/{cid}/{path}", {"limit": 1, "offset": 1}).json()[key] == whole
