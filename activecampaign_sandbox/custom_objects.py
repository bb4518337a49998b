"""Custom objects: schemas and their records.

The custom objects API speaks a different dialect (JSON:API-like errors, string ids, external
ids that upsert, `meta` with count/limit/offset), which is why its reads and writes do not go
through the generic per-resource handlers.

The module reads top-down: its resource specs (`SPECS`), read handlers, write handlers, the
generators of its tables (`build_config` for configuration, `build` for contact-scaled rows)
and `register`, which adds its routes.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from . import names, query
from .mutate import WriteBase
from .protocol import Request, Result, as_int, err, missing, not_found_detail, sid, wrapper
from .resources import Spec, make_spec
from .state import AccountState
from .store import Record, Table
from .util import DAY_S, SPAN_S, START_TS, fmt_date, fmt_utc_z
from .world import World, coprime_step, seeded_uuid

CO_SCHEMAS = (
    (
        "subscription",
        "Subscription",
        "Subscriptions",
        (
            ("plan", "Plan", "dropdown", ("basic", "pro", "enterprise")),
            ("renewal-date", "Renewal date", "date", ()),
            ("seats", "Seats", "number", ()),
        ),
    ),
    (
        "vehicle",
        "Vehicle",
        "Vehicles",
        (
            ("make", "Make", "text", ()),
            ("model-year", "Model year", "number", ()),
            ("registered", "Registered", "datetime", ()),
        ),
    ),
    (
        "ticket",
        "Support ticket",
        "Support tickets",
        (
            ("subject", "Subject", "text", ()),
            ("priority", "Priority", "dropdown", ("low", "normal", "high")),
        ),
    ),
)


# how this domain's list and record endpoints answer (envelope keys, links, filters)
SPECS: dict[str, Spec] = {
    "customObjects/schemas": make_spec("schemas", "schema", ()),
    "customObjects/records": make_spec("records", "record", ()),
}


class CustomObjectReads(AccountState):
    """The custom objects read endpoints."""

    def list_schemas(self, req: Request) -> Result:
        t = self.table("customObjects/schemas")
        limit, offset = query.limit_offset(req.params)
        ids = list(t.ids)
        page = ids[offset : offset + limit]
        items = [t.get(i) for i in page]
        return Result(
            200,
            {
                "schemas": items,
                "meta": {"total": len(ids), "count": len(page), "limit": limit, "offset": offset},
            },
        )

    def schema_index(self, sid: str) -> int | None:
        t = self.table("customObjects/schemas")
        for i in t.ids:
            rec = t.get(i)
            if rec is not None and rec["id"] == sid:
                return i
        return None

    def get_schema(self, req: Request, sid: str) -> Result:
        i = self.schema_index(sid)
        if i is None:
            raise not_found_detail(f"Schema {sid} not found")
        return Result(200, {"schema": self.table("customObjects/schemas").get(i)})

    def records_table(self, sid: str) -> Table:
        t = self.world.tables.get(f"customObjects/records/{sid}")
        if t is None:
            raise not_found_detail(f"Schema {sid} not found")
        return t

    def list_records(self, req: Request, sid: str) -> Result:
        t = self.records_table(sid)
        extra: list[query.Pred] = []
        for k, v in req.params.last.items():
            if k.startswith("filters[relationships.") and k.endswith("[eq]"):
                rel = k[len("filters[relationships.") : -len("][eq]")]

                def has(i: int, rel: str = rel, v: str = v) -> bool:
                    rec = t.get(i) or {}
                    return v in [str(x) for x in (rec.get("relationships") or {}).get(rel, [])]

                extra.append(has)
        name = f"customObjects/records/{sid}"
        ids, total, limit, offset = query.run(
            self, name, t, self.specs["customObjects/records"], req.params, extra
        )
        items = [t.get(i) for i in ids]
        return Result(
            200,
            {
                "records": items,
                "meta": {"total": total, "count": len(items), "limit": limit, "offset": offset},
            },
        )

    def find_record(self, t: Table, rid: str) -> int | None:
        for i in t.ids:
            rec = t.get(i)
            if rec is not None and rec.get("id") == rid:
                return i
        return None

    def get_record(self, req: Request, sid: str, rid: str) -> Result:
        t = self.records_table(sid)
        i = self.find_record(t, rid)
        if i is None:
            raise not_found_detail(f"Record {rid} not found")
        return Result(200, {"record": t.get(i)})


class CustomObjectWrites(WriteBase):
    """The custom objects write endpoints."""

    def _ext_index(self, schema: str, t: Table) -> dict[str, int]:
        idx = self._record_ext.get(schema)
        if idx is None:
            idx = {str(t.value(i, "externalId")): i for i in t.ids}
            self._record_ext[schema] = idx
        return idx

    def post_record(self, req: Request, schema: str) -> Result:
        t = self.a.records_table(schema)
        si = self.a.schema_index(schema)
        srec = self.t("customObjects/schemas").get(si or 0) or {}
        data = wrapper(req, "record")
        ext = sid(data.get("externalId"))
        if not ext:
            raise missing("externalId")
        fields = data.get("fields") or []
        known = {f["id"]: f for f in srec.get("fields", [])}
        if not isinstance(fields, list):
            raise err("Invalid fields", "invalid", "/data/attributes/fields")
        for n, f in enumerate(fields):
            if not isinstance(f, dict) or f.get("id") not in known:
                raise err(
                    "Unknown field",
                    "field_invalid",
                    f"/record/fields/{n}/id",
                    f"Field '{f.get('id') if isinstance(f, dict) else f}' is not in the schema",
                )
        rels = data.get("relationships") or {}
        if not isinstance(rels, dict):
            raise err("Invalid relationships", "invalid", "/record/relationships")
        for rel, ids in rels.items():
            if rel == "primary-contact":
                for c in ids if isinstance(ids, list) else [ids]:
                    ci = as_int(c)
                    if ci is None or not self.t("contacts").exists(ci):
                        raise err(
                            "Related contact not found",
                            "invalid",
                            "/record/relationships/primary-contact",
                        )
        now = time.time()
        idx = self._ext_index(schema, t)
        i = idx.get(ext)
        norm_rels = {
            k: [sid(x) for x in (v if isinstance(v, list) else [v])] for k, v in rels.items()
        }
        if i is not None and t.exists(i):
            rec = dict(t.get(i) or {})
            merged = {f["id"]: f for f in rec.get("fields", [])}
            for f in fields:
                merged[f["id"]] = {"id": f["id"], "value": f.get("value")}
            rec["fields"] = list(merged.values())
            if rels:
                rec["relationships"] = {**rec.get("relationships", {}), **norm_rels}
            rec["updatedTimestamp"] = fmt_utc_z(now)
            t.put(i, rec)
            return Result(200, {"record": t.get(i)})
        rec = {
            "id": str(uuid.uuid4()),
            "externalId": ext,
            "schemaId": schema,
            "fields": [{"id": f["id"], "value": f.get("value")} for f in fields],
            "relationships": norm_rels,
            "createdTimestamp": fmt_utc_z(now),
            "updatedTimestamp": fmt_utc_z(now),
        }
        i = t.insert(rec)
        idx[ext] = i
        return Result(201, {"record": t.get(i)})


# -- generated data --------------------------------------------------------------------
def build_config(w: World) -> None:
    """Generate this domain's account configuration (small tables, built eagerly)."""
    seed = w.seed
    # Custom object schemas
    schemas = []
    for i, (slug, sing, plur, flds) in enumerate(CO_SCHEMAS, 1):
        sid = seeded_uuid(seed, 31, i)
        w.schema_ids.append(sid)
        t = w.config_ts("schemas", i)
        fl = []
        for fid, label, typ, opts in flds:
            f: Record = {
                "id": fid,
                "labels": {"singular": label, "plural": label + "s"},
                "type": typ,
                "required": fid == flds[0][0],
                "inherited": False,
            }
            if opts:
                f["options"] = [{"id": o, "value": o} for o in opts]
            fl.append(f)
        schemas.append(
            {
                "id": sid,
                "slug": slug,
                "visibility": "private",
                "labels": {"singular": sing, "plural": plur},
                "description": f"{plur} synced from the sandbox",
                "appId": None,
                "fields": fl,
                "icons": {
                    "default": "https://d226aj4ao1t61q.cloudfront.net/n9b9n8nyc_customobject.png"
                },
                "relationships": [
                    {
                        "id": "primary-contact",
                        "labels": {"singular": "Primary Contact", "plural": "Primary Contacts"},
                        "description": "Primary contact to this object",
                        "namespace": "contacts",
                        "hasMany": False,
                        "inherited": False,
                    }
                ],
                "createdTimestamp": fmt_utc_z(t),
                "updatedTimestamp": fmt_utc_z(t + DAY_S),
            }
        )
    w.eager("customObjects/schemas", schemas)


def build_records_table(w: World, si: int, sid: str, count: int) -> None:
    name = f"customObjects/records/{sid}"
    seed = w.seed
    slug, _, _, flds = CO_SCHEMAS[si - 1]
    n = w.n
    stride = coprime_step(n, 7 + 2 * si)

    def rec_contact(i: int) -> int:
        return ((i - 1) * stride + si) % n + 1

    def gen(i: int) -> Record:
        hh = w.h(name, i)
        vals = []
        for fid, _, typ, opts in flds:
            if typ == "dropdown":
                v: Any = hh.pick(opts)
            elif typ == "number":
                v = hh.n(2000) + 1
            elif typ == "date":
                v = fmt_date(START_TS + hh.n(SPAN_S))
            elif typ == "datetime":
                v = fmt_utc_z(START_TS + hh.n(SPAN_S))
            else:
                v = hh.pick(names.PRODUCT_WORDS)
            vals.append({"id": fid, "value": v})
        c = w.ts_between(hh, w.contact_cdate(rec_contact(i)))
        u = w.ts_between(hh, c)
        return {
            "id": seeded_uuid(seed, 60 + si, i),
            "externalId": f"{slug}-{i}",
            "schemaId": sid,
            "fields": vals,
            "relationships": {"primary-contact": [str(rec_contact(i))]},
            "createdTimestamp": fmt_utc_z(c),
            "updatedTimestamp": fmt_utc_z(u),
        }

    w.tables[name] = Table(name, gen, count, fast={"externalId": lambda i: f"{slug}-{i}"})


def build(w: World) -> None:
    """Generate this domain's contact-scaled tables (lazily rendered rows)."""
    n = w.n

    # custom object records, one table per schema
    nrec = n // 10 if n else 0
    for si, schema_id in enumerate(w.schema_ids, 1):
        build_records_table(w, si, schema_id, nrec)


def register(acct: CustomObjectReads, w: CustomObjectWrites) -> None:
    """Add this domain's routes to the account's router (reads and writes)."""
    r = acct.router
    r.add("GET", "/customObjects/schemas", acct.list_schemas)
    r.add("GET", "/customObjects/schemas/{id}", acct.get_schema)
    r.add("GET", "/customObjects/records/{schemaId}", acct.list_records)
    r.add("GET", "/customObjects/records/{schemaId}/{id}", acct.get_record)
    r.add("POST", "/customObjects/records/{schemaId}", w.post_record)
