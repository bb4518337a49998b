"""Contacts and the links folded into their bulk imports: tags, lists, custom field values.

Contacts go through bulk imports (`importer`), in large drains so many imports overlap their
waits; link records (`field_values`, `contact_tags`, `contact_lists`) become one import entry per
contact. An audience stream is a contacts stream whose contacts also join a tag or list (the
membership bookkeeping is `audiences`). `tags` records create tags by name.
"""

from __future__ import annotations

import typing as t

from target_activecampaign.contact_contract import (
    import_entry,
    merge_entries,
    parse_contact,
    unwritten_keys,
)
from target_activecampaign.import_sizing import entry_size
from target_activecampaign.importer import Item, refusals_as_rejects
from target_activecampaign.rejects import Reject
from target_activecampaign.sinks.base import ActiveCampaignSink
from target_activecampaign.sync_mode import Skipped
from target_activecampaign.values import (
    FieldCatalog,
    as_text,
    check_length,
    clean_email,
    email_key,
    first_of,
    format_field_value,
    list_status,
)


class ContactsSink(ActiveCampaignSink):
    """Contacts through bulk imports: large drains so many imports overlap their waits."""

    MAX_SIZE_DEFAULT = 2500  # 10 imports a drain; with 20 pending, memory stays flat

    def write(self, records: list[dict]) -> None:
        items: list[Item] = []
        catalog = None
        for record in records:
            self.warn_unwritten(record)
            self.named_contact(record)
            try:
                with refusals_as_rejects("ActiveCampaign refused a lookup"):
                    intent = parse_contact(record, null_clears=self.run.null_clears)
                    values = []
                    if intent.fields:
                        catalog = catalog or self.resolver.fields()
                        for key, value, api_shape in intent.fields:
                            values.append(self.field_value(catalog, key, value, api_shape))
                    # the record contract names this account's lists: never translated
                    subs = [self.resolver.list_id(x) for x in intent.lists]
                    unsubs = [self.resolver.list_id(x) for x in intent.unsubscribe_lists]
                    entry = import_entry(intent, values, subs, unsubs)
                    self.run.sync.check_contact(intent.email)  # sync_mode: may skip it
                    if intent.account and not self.run.sync.creates:
                        account = self.existing_account(
                            intent.account, record, "account", by_name=True
                        )
                        if account is None:
                            entry.pop("customer_acct_name", None)  # update_only: never created
                    # the audience's confirmation first: a later failing step (tag removal)
                    # rejects the record, but the contact did get the tag / subscription
                    after = self.shape_entry(entry)
                    if intent.remove_tags:
                        after.append(self.tag_remover(intent.email, intent.remove_tags))
                    items.append(Item(entry, [(self.stream_name, self.object_type, record)], after))
            except Reject as exc:
                self.reject_or_defer(record, exc)
            except Skipped:
                self.run.ledger.count(self.stream_name, "skipped")
        self.run.importer.add(items)

    def named_contact(self, record: dict) -> None:
        """Hook: an audience stream notes every contact it names, whatever becomes of it."""

    def shape_entry(self, entry: dict[str, t.Any]) -> list[t.Callable[[], None]]:
        """Hook: an audience stream adds its tag or list; returns on-confirmed callbacks."""
        return []

    def warn_unwritten(self, record: dict) -> None:
        """Say once per key that a column outside the contract is not loaded (not silent)."""
        for key in unwritten_keys(record):
            if key not in self._warned_keys:
                self._warned_keys.add(key)
                self.logger.warning(
                    "Stream '%s': key '%s' is not part of the contact record contract and is "
                    "not written (map it into custom_fields with stream maps to load it).",
                    self.stream_name,
                    key,
                )

    def field_value(
        self, catalog: FieldCatalog, key: t.Any, value: t.Any, api_shape: bool
    ) -> tuple[str, t.Any]:
        if api_shape:
            key = self.refs.natural("field", key)
        fdef = self.resolver.field(catalog, key, "contact")
        return fdef.id, format_field_value(fdef, value, clearing=value is None)

    def tag_remover(self, email: str, names: list[str]) -> t.Callable[[], None]:
        """After the import: delete the contact's links to these tags (imports only add)."""

        def remove() -> None:
            contact_id = self.resolver.require_contact(email)
            body = self.client.get_json(f"contacts/{contact_id}/contactTags") or {}
            wanted = {n.casefold() for n in names}
            for link in body.get("contactTags") or []:
                try:
                    name = self.resolver.tag_name(link.get("tag"))
                except Reject:
                    continue
                if name.casefold() in wanted:
                    self.writer.delete(f"contactTags/{link['id']}")

        return remove


class LinkSink(ContactsSink):
    """Shared by field values, contact tags and contact lists: one import entry per contact."""

    MAX_SIZE_DEFAULT = 2500

    def write(self, records: list[dict]) -> None:
        groups: dict[str, Item] = {}
        for record in records:
            try:
                with refusals_as_rejects("ActiveCampaign refused a lookup"):
                    email = self.contact_email(record)
                    entry = {"email": email, **self.link_payload(record)}
            except Reject as exc:
                self.reject_or_defer(record, exc)
                continue
            ref = (self.stream_name, self.object_type, record)
            item = groups.get(email_key(email))
            if item is None:
                groups[email_key(email)] = Item(entry, [ref])
            else:
                item.entry = merge_entries(item.entry, entry)
                item.refs.append(ref)
                item.size = entry_size(item.entry)
        self.run.importer.add(list(groups.values()))

    def link_payload(self, record: dict) -> dict[str, t.Any]:  # pragma: no cover
        raise NotImplementedError


class FieldValuesSink(LinkSink):
    """`{contact, field, value}` rows (our tap's `field_values`)."""

    def link_payload(self, record: dict) -> dict[str, t.Any]:
        key = first_of(record, ("field", "field_id", "perstag", "title"))
        if key is None:
            raise Reject("the record names no custom field ('field')")
        value = record.get("value")
        if value is None and not self.run.null_clears:
            raise Reject("null value: nothing to write (set null_clears_fields to clear)")
        fid, formatted = self.field_value(self.resolver.fields(), key, value, True)
        return {"fields": [{"id": int(fid), "value": formatted}]}


class ContactTagsSink(LinkSink):
    """`{contact, tag}` links: tag by name or id; bulk import creates missing tags."""

    def link_payload(self, record: dict) -> dict[str, t.Any]:
        tag = first_of(record, ("tag_name", "tag"))
        if tag is None:
            raise Reject("the record names no tag ('tag' or 'tag_name')")
        tag = self.refs.tag_name(tag)
        return {"tags": [check_length(as_text(tag, "tag").strip(), "tag")]}


class ContactListsSink(LinkSink):
    """`{contact, list, status}` links: 1 subscribes, 2 unsubscribes."""

    def link_payload(self, record: dict) -> dict[str, t.Any]:
        ref = first_of(record, ("list_name", "list", "listid"))
        if ref is None:
            raise Reject("the record names no list ('list')")
        list_id = int(self.refs.list_id(ref))
        status = list_status(record.get("status"))
        key = "subscribe" if status == 1 else "unsubscribe"
        return {key: [{"listid": list_id}]}


class TagsSink(ActiveCampaignSink):
    """Tags by name: created when missing, so tags nobody carries yet survive a round trip."""

    MAX_SIZE_DEFAULT = 1000

    def write_one(self, record: dict) -> None:
        name = first_of(record, ("tag", "name"))
        if name is None:
            raise Reject("the record has no 'tag' (name)")
        name = as_text(name, "tag").strip()
        if self.run.dry_run:
            self.resolver.known_tag(name)
            return
        self.resolver.tag_id(name, create=True)


class AudienceSink(ContactsSink):
    """An audience stream: contacts (sync_mode applies) that also join the tag or list."""

    def setup(self) -> None:
        """The stream was announced: even with no record it is a (empty) snapshot."""
        super().setup()
        self.run.audiences.state(self.stream_name)

    def process_record(self, record: dict, context: dict) -> None:
        """Named first: a record rejected on arrival (schema, key property) still names its
        contact, who therefore keeps the tag / subscription."""
        self.named_contact(record)
        super().process_record(record, context)

    def write(self, records: list[dict]) -> None:
        self.run.audiences.prepare(self.stream_name)  # before any of its contacts is written
        super().write(records)

    def shape_entry(self, entry: dict[str, t.Any]) -> list[t.Callable[[], None]]:
        return [self.run.audiences.extend_entry(self.stream_name, entry)]

    def named_contact(self, record: dict) -> None:
        try:
            email = clean_email(record.get("email"))
        except Reject:
            return  # rejected for its email: it names nobody
        self.run.audiences.named(self.stream_name, email)
