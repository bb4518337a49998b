"""Accounts, their contact links and their custom field values.

Accounts have no upsert: they are matched by name (PUT when found, POST when not). A custom
field value record is one `{account, field, value}` datum, updated if the account has one for
that field; `deals` reuses that datum logic for deal custom field values.
"""

from __future__ import annotations

import typing as t

from target_activecampaign.rejects import Reject
from target_activecampaign.sinks.base import ActiveCampaignSink
from target_activecampaign.values import (
    FieldCatalog,
    as_text,
    check_length,
    custom_field_items,
    first_of,
    is_duplicate_error,
    meta_field_item,
)


class AccountsSink(ActiveCampaignSink):
    """Accounts matched by name (there is no upsert): PUT when found, POST when not."""

    def write_one(self, record: dict) -> None:
        name = first_of(record, ("name", "account_name"))
        if name is None:
            raise Reject("an account needs a 'name'")
        name = check_length(as_text(name, "name").strip(), "name")
        body: dict[str, t.Any] = {"name": name}
        for key in ("accountUrl", "account_url", "url"):
            if key in record:
                value = record[key]
                if value is None and not self.run.null_clears:
                    continue
                body["accountUrl"] = "" if value is None else as_text(value, key)
                break
        owner = first_of(record, ("owner", "owner_username"))
        if owner is not None:
            body["owner"] = int(self.refs.user_id(owner))
        raw = record.get("custom_fields", record.get("fields"))
        items = custom_field_items(raw, "custom_fields")
        if items:
            body["fields"] = self.custom_values(
                items, self.resolver.account_fields(), "account_field", "account"
            )
        existing = self.resolver.account_id(name)
        self.run.sync.check("account", existing is not None)  # sync_mode: may skip it
        if existing is not None:
            self.writer.send("PUT", f"accounts/{existing}", {"account": body})
            return
        try:
            answer = self.writer.create(
                "accounts", {"account": body}, lambda: self.resolver.account_id(name)
            )
        except Reject as exc:
            if not is_duplicate_error(exc.api_error):
                raise
            # created meanwhile (there is no upsert; a duplicate name is a 422): update it
            found = self.resolver.account_id(name)
            if found is None:
                raise
            self.run.sync.check("account", True)
            self.writer.send("PUT", f"accounts/{found}", {"account": body})
            return
        account_id = ((answer or {}).get("account") or {}).get("id")
        if account_id is not None:
            self.resolver.remember_account(name, str(account_id))


class AccountContactsSink(ActiveCampaignSink):
    """Contact-account links: looked up first, so a replay adds nothing."""

    def write_one(self, record: dict) -> None:
        contact_id = self.contact_id(record)
        account_ref = first_of(record, ("account_name", "account"))
        if account_ref is None:
            raise Reject("the record names no account ('account' or 'account_name')")
        account_id = self.refs.account_id(account_ref)
        job = first_of(record, ("jobTitle", "job_title"))
        if job is not None:
            job = as_text(job, "jobTitle")  # one conversion: create and update compare alike
        if self.run.dry_run:
            return
        # both documented filters: the (contact, account) link is one row, however many
        # links either side has; paged anyway, and checked here, in case a filter is ignored
        links = self.resolver.iter_all(
            "accountContacts",
            "accountContacts",
            params={"filters[contact]": contact_id, "filters[account]": account_id},
        )
        for link in links:
            if str(link.get("account")) == str(account_id) and str(link.get("contact")) == str(
                contact_id
            ):
                if job is not None and link.get("jobTitle") != job:
                    self.writer.send(
                        "PUT",
                        f"accountContacts/{link['id']}",
                        {
                            "accountContact": {
                                "account": int(account_id),
                                "contact": int(contact_id),
                                "jobTitle": job,
                            }
                        },
                    )
                return
        payload: dict[str, t.Any] = {"account": int(account_id), "contact": int(contact_id)}
        if job is not None:
            payload["jobTitle"] = job
        self.writer.link("accountContacts", {"accountContact": payload})


class AccountFieldValuesSink(ActiveCampaignSink):
    """One account custom field value a record (`account_custom_field_data` of our tap)."""

    data_path = "accountCustomFieldData"
    datum_key = "accountCustomFieldDatum"
    parent_filter = "filters[customerAccountId]"
    parent_attrs = ("accountId", "customerAccountId")  # where a stored row names its account
    parent_key = "customerAccountId"  # how a new datum names it

    def write_one(self, record: dict) -> None:
        ref = first_of(record, ("customerAccountId", "accountId", "account", "account_name"))
        if ref is None:
            raise Reject("the record names no account ('accountId' or 'account')")
        account_id = self.refs.account_id(ref, create=False)
        datum, field_id = self.field_value(record, self.resolver.account_fields(), "account")
        if self.run.dry_run:
            return
        self.upsert_datum(account_id, field_id, datum)

    def upsert_datum(self, parent_id: str, field_id: str, datum: dict[str, t.Any]) -> None:
        """Update the parent's value of this field if it has one, else create it.

        The listing is narrowed to the parent and paged lazily, so reading stops at the match;
        rows are still checked here in case the API ignores the filter.
        """
        rows = self.resolver.iter_all(
            self.data_path, self.data_path, params={self.parent_filter: parent_id}
        )
        for row in rows:
            row_parent = next((row[a] for a in self.parent_attrs if a in row), None)
            if str(row_parent) == str(parent_id) and str(row.get("customFieldId")) == field_id:
                self.writer.send("PUT", f"{self.data_path}/{row['id']}", {self.datum_key: datum})
                return
        new_ids = {self.parent_key: int(parent_id), "customFieldId": int(field_id)}
        self.writer.send("POST", self.data_path, {self.datum_key: {**datum, **new_ids}})

    def field_value(
        self, record: dict, catalog: FieldCatalog, kind: str
    ) -> tuple[dict[str, t.Any], str]:
        """(the datum's value part, field id) of a one-value record.

        The value has the JSON type the request examples show for the field's type; a
        currency value carries `fieldCurrency` (the record's, else the field's default).
        """
        key = first_of(record, ("customFieldId", "field", "fieldLabel", "field_label"))
        if key is None:
            raise Reject("the record names no custom field ('customFieldId' or 'field')")
        fdef = self.refs.field(catalog, key, kind, f"{kind}_field")
        value = record.get("fieldValue", record.get("value"))
        if value is None and not self.run.null_clears:
            raise Reject("null value: nothing to write (set null_clears_fields to clear)")
        item = meta_field_item(fdef, value, record.get("fieldCurrency"))
        item.pop("customFieldId")  # the datum names its field beside the value
        return item, fdef.id
