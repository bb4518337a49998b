"""Deals, their custom field values, and notes.

A deal is matched by its destination id, else by a key custom field (`deal_key_field`), else by
title + contact + pipeline, so a replay updates instead of duplicating. Notes attach to contacts,
deals or accounts; an identical note on the same object is a replay and is not written again.
"""

from __future__ import annotations

import typing as t

from target_activecampaign.rejects import Reject
from target_activecampaign.sinks.accounts import AccountFieldValuesSink
from target_activecampaign.sinks.base import ActiveCampaignSink
from target_activecampaign.values import (
    MAX_LONG_TEXT,
    as_text,
    cents,
    check_length,
    currency_code,
    custom_field_items,
    deal_status,
    first_of,
    meta_field_item,
    note_reltype,
)


class DealFieldValuesSink(AccountFieldValuesSink):
    """One deal custom field value a record (`deal_custom_field_data` of our tap)."""

    data_path = "dealCustomFieldData"
    datum_key = "dealCustomFieldDatum"
    parent_filter = "filters[dealId]"
    parent_attrs = ("dealId", "deal")
    parent_key = "dealId"

    def write_one(self, record: dict) -> None:
        ref = first_of(record, ("dealId", "deal", "deal_id"))
        if ref is None:
            raise Reject("the record names no deal ('dealId')")
        deal_id = self.refs.deal_id(ref)
        datum, field_id = self.field_value(record, self.resolver.deal_fields(), "deal")
        if self.run.dry_run:
            return
        self.upsert_datum(deal_id, field_id, datum)


class DealsSink(ActiveCampaignSink):
    """Deals: by destination id, else by a key custom field, else by title+contact+pipeline."""

    def write_one(self, record: dict) -> None:
        tr = self.run.translator
        body: dict[str, t.Any] = {}
        title = record.get("title")
        if title is not None:
            body["title"] = check_length(as_text(title, "title"), "title")
        contact = first_of(record, ("contact_email", "contact"))
        if contact is not None and str(contact) != "0":  # the API says "0" for "none"
            body["contact"] = int(self.refs.contact_id(contact))
        account = first_of(record, ("account_name", "account"))
        pipeline = first_of(record, ("pipeline", "group"))
        pipeline_id = None
        if pipeline is not None:
            pipeline_id = self.refs.pipeline_id(pipeline)
            body["group"] = int(pipeline_id)
        stage = record.get("stage")
        if stage is not None:
            stage_id, stage_pipeline = self.refs.stage_id(stage, pipeline_id)
            if stage_pipeline != pipeline_id:  # a source stage named its source pipeline
                pipeline_id = stage_pipeline
                body["group"] = int(pipeline_id)
            body["stage"] = int(stage_id)
            if "group" not in body:
                group = self.resolver.stage_pipeline(stage_id)
                if group:
                    body["group"] = int(group)
        owner = first_of(record, ("owner", "owner_username"))
        if owner is not None:
            body["owner"] = int(self.refs.user_id(owner))
        if record.get("value") is not None:
            body["value"] = cents(record["value"], "value")
        if record.get("currency") is not None:
            body["currency"] = currency_code(record["currency"])
        if record.get("status") is not None:
            body["status"] = deal_status(record["status"])
        for key in ("description", "percent"):
            if record.get(key) is not None:
                body[key] = record[key]
        items = custom_field_items(record.get("custom_fields", record.get("fields")), "fields")
        fields = self.custom_values(items, self.resolver.deal_fields(), "deal_field", "deal")

        source_id = str(record["id"]).strip() if record.get("id") is not None else None
        key_field = self.run.config.get("deal_key_field")
        key_prop = self.run.config.get("deal_key_property") or "source_key"
        source_key = record.get(key_prop)
        foreign = tr.require_decision("deal id") if source_id else tr.any_active
        if source_key is None and foreign:
            source_key = source_id
        existing: str | None = None
        if source_id and not foreign:
            existing = source_id  # the record carries this account's deal id
        elif source_id and source_id in self.refs.deal_ids:
            existing = self.refs.deal_ids[source_id]  # the same source deal again
        elif key_field and source_key is not None:
            fdef = self.resolver.field(self.resolver.deal_fields(), key_field, "deal")
            fields = [f for f in fields if str(f["customFieldId"]) != fdef.id]
            fields.append(meta_field_item(fdef, str(source_key)))
            existing = self.deal_by_key(fdef.id, str(source_key))
        elif "title" in body:
            # distinct source deals may share title, contact and pipeline: one each
            existing = self.deal_by_natural_key(body, skip_claimed=bool(source_id and foreign))
        if fields:
            body["fields"] = fields
        self.run.sync.check("deal", existing is not None)  # sync_mode: may skip it
        if existing is None:
            missing = [k for k in ("title", "stage") if k not in body]
            if missing:
                raise Reject(f"a new deal needs {' and '.join(missing)}")
            if "contact" not in body:
                # the deal reference: a deal requires a primary contact (the API says 422)
                raise Reject(
                    f"deal {body.get('title')!r}: a new deal needs its primary contact; the "
                    "record sets no 'contact' (or 'contact_email')"
                )
            if "owner" not in body and self.run.user_id:
                body["owner"] = int(self.run.user_id)  # the API token's user, as in the app
            body.setdefault("value", 0)
            body.setdefault("currency", str(self.run.config.get("default_currency") or "usd"))
        if account is not None and str(account) != "0":
            # resolved once the deal is known to be written: a rejected deal creates no account
            if self.run.sync.creates:
                body["account"] = int(self.refs.account_id(account))
            else:
                found = self.existing_account(account, record, "account")
                if found is not None:
                    body["account"] = int(found)
        if self.run.dry_run:
            return
        if existing is not None:
            answer = self.writer.send(
                "PUT", f"deals/{existing}", {"deal": body}, ok=(400, 404, 422)
            )
        else:
            answer = self.writer.create("deals", {"deal": body}, lambda: self.find_created(body))
        deal_id = str(((answer or {}).get("deal") or {}).get("id") or existing)
        self.run.claimed_deals.add(deal_id)
        if source_id:
            self.refs.deal_ids[source_id] = deal_id
        if key_field and source_key is not None and self.run.deal_keys is not None:
            self.run.deal_keys[str(source_key)] = deal_id

    def find_created(self, body: dict[str, t.Any]) -> str | None:
        """After a lost answer: did our POST create the deal anyway?"""
        if self.run.deal_keys is not None:
            self.run.deal_keys = None  # reload: the key may have been written
        for item in body.get("fields", []):
            key_field = self.run.config.get("deal_key_field")
            if key_field:
                fdef = self.resolver.field(self.resolver.deal_fields(), key_field, "deal")
                if str(item["customFieldId"]) == fdef.id:
                    return self.deal_by_key(fdef.id, str(item["fieldValue"]))
        return self.deal_by_natural_key(body)

    def deal_by_key(self, field_id: str, key: str) -> str | None:
        if self.run.deal_keys is None:
            rows = self.resolver.list_all("dealCustomFieldData", "dealCustomFieldData")
            self.run.deal_keys = {
                str(r.get("fieldValue")): str(r.get("dealId") or r.get("deal"))
                for r in rows
                if str(r.get("customFieldId") or r.get("custom_field_id")) == field_id
            }
        return self.run.deal_keys.get(key)

    def deal_by_natural_key(
        self, body: dict[str, t.Any], *, skip_claimed: bool = False
    ) -> str | None:
        """Same title, contact and pipeline: the replay of a deal we created before."""
        rows = self.resolver.list_all("deals", "deals", params={"filters[title]": body["title"]})
        for row in rows:
            if str(row.get("title")) != body["title"]:
                continue
            if skip_claimed and str(row["id"]) in self.run.claimed_deals:
                continue  # matched this run by another source deal: its twin
            if "contact" in body and str(row.get("contact")) != str(body["contact"]):
                continue
            if "group" in body and str(row.get("group")) != str(body["group"]):
                continue
            return str(row["id"])
        return None


class NotesSink(ActiveCampaignSink):
    """Notes on contacts, deals or accounts; an identical note on the same object is a replay."""

    def write_one(self, record: dict) -> None:
        text = record.get("note")
        if text is None or text == "":
            raise Reject("a note needs 'note' (its text)")
        text = check_length(as_text(text, "note"), "note", MAX_LONG_TEXT)
        reltype, relid = self.target_of(record)
        if self.run.dry_run:
            return
        seen = self.seen_notes()
        key = (reltype, str(relid), text)
        if key in seen:
            return

        def find() -> str | None:
            self.run.notes_seen = None
            return "found" if key in self.seen_notes() else None

        self.writer.create(
            "notes", {"note": {"note": text, "reltype": reltype, "relid": relid}}, find
        )
        self.seen_notes().add(key)

    def target_of(self, record: dict) -> tuple[str, int]:
        if record.get("reltype") is not None:
            reltype = note_reltype(record["reltype"])
            relid = record.get("relid")
            if relid is None:
                raise Reject("a note with 'reltype' needs 'relid'")
        elif first_of(record, ("contact_email", "email", "contact")) is not None:
            reltype, relid = "Subscriber", None
        elif first_of(record, ("deal", "deal_id")) is not None:
            reltype, relid = "Deal", first_of(record, ("deal", "deal_id"))
        elif first_of(record, ("account", "account_name")) is not None:
            reltype, relid = "CustomerAccount", first_of(record, ("account", "account_name"))
        else:
            raise Reject("a note needs what it is about: contact_email, deal, account or reltype")
        if reltype == "Subscriber":
            return reltype, int(self.contact_id({"contact": relid} if relid else record))
        if reltype == "Deal":
            return reltype, int(self.refs.deal_id(relid))
        return reltype, int(self.refs.account_id(relid, create=False))

    def seen_notes(self) -> set[tuple[str, str, str]]:
        if self.run.notes_seen is None:
            rows = self.resolver.list_all("notes", "notes")
            self.run.notes_seen = {
                (str(r.get("reltype")), str(r.get("relid")), str(r.get("note"))) for r in rows
            }
        return self.run.notes_seen
