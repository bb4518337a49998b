"""One sink per object type. Each turns records into API writes and accounts for every record.

Sinks are batch sinks: records are buffered, and `process_batch` first drains every sink of an
earlier object type (contacts before the deals that name them, see `routing.WRITE_ORDER`), then
writes. Contacts and the contact links (tags, lists, custom field values) go through bulk
imports; the other objects are written record by record, matched first so a replay updates
instead of duplicating.
"""

from __future__ import annotations

import json
import tempfile
import time
import typing as t
from dataclasses import dataclass, field

from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks import BatchSink
from singer_sdk.target_base import Target

from activecampaign_http import ApiClient, RetriesExhaustedError
from target_activecampaign.audiences import Audiences
from target_activecampaign.contact_contract import (
    import_entry,
    merge_entries,
    parse_contact,
    unwritten_keys,
)
from target_activecampaign.import_sizing import entry_size
from target_activecampaign.importer import BulkImporter, Item, refusals_as_rejects
from target_activecampaign.rejects import Ledger, Reject
from target_activecampaign.resolver import DRY_RUN_ID, Resolver
from target_activecampaign.routing import CUSTOM_OBJECT_PREFIX, REFERENCE_TYPES
from target_activecampaign.sync_mode import Skipped, SyncGate
from target_activecampaign.translate import IdTranslator, Untranslated
from target_activecampaign.values import (
    MAX_LONG_TEXT,
    FieldCatalog,
    api_error_text,
    as_name_list,
    as_text,
    cents,
    check_length,
    clean_email,
    currency_code,
    custom_field_items,
    deal_status,
    email_key,
    first_of,
    format_field_value,
    is_duplicate_error,
    is_id,
    list_status,
    meta_field_item,
    note_reltype,
)

DELETION_MARKER = "_sdc_deleted_at"


@dataclass
class RunContext:
    """Everything the sinks of one run share: client, caches, translation, ledger."""

    client: ApiClient
    create_client: ApiClient  # no automatic retries: creates are retried only after a re-check
    resolver: Resolver
    translator: IdTranslator
    ledger: Ledger
    importer: BulkImporter
    config: t.Mapping[str, t.Any]
    sync: SyncGate  # sync_mode (contacts, accounts, deals)
    audiences: Audiences  # the run's audience streams (none configured: an empty one)
    dry_run: bool = False
    user_id: str | None = None  # the API token's user: owner of new deals that name none
    deal_ids: dict[str, str] = field(default_factory=dict)  # source deal id -> destination id
    deal_keys: dict[str, str] | None = None  # source key -> destination deal id
    claimed_deals: set[str] = field(default_factory=set)  # deals written this run
    notes_seen: set[tuple[str, str, str]] | None = None

    @property
    def null_clears(self) -> bool:
        return bool(self.config.get("null_clears_fields", False))


class Spill:
    """Records set aside on disk (not in memory) until the input has described their ids."""

    def __init__(self) -> None:
        self._fh: t.IO[str] | None = None
        self.count = 0

    def add(self, record: dict) -> None:
        if self._fh is None:
            self._fh = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self._fh.write(json.dumps(record, default=str) + "\n")
        self.count += 1

    def take(self, chunk: int) -> t.Iterator[list[dict]]:
        """Every record set aside so far, in chunks; the spill is empty afterwards."""
        fh, self._fh, self.count = self._fh, None, 0
        if fh is None:
            return
        with fh:
            fh.seek(0)
            batch: list[dict] = []
            for line in fh:
                batch.append(json.loads(line))
                if len(batch) >= chunk:
                    yield batch
                    batch = []
            if batch:
                yield batch


def describe_record(record: t.Mapping[str, t.Any]) -> str:
    """Which record a message is about: its id, email or title (the first it has)."""
    for key in ("id", "email", "title", "name", "contact_email"):
        if record.get(key) not in (None, ""):
            return f"{key}={record[key]!r}"
    return "(no id, email or title)"


def contact_ref(record: t.Mapping[str, t.Any]) -> t.Any:
    """What a link record says its contact is: an email, else a contact id (ours or source)."""
    value = first_of(record, ("contact_email", "email"))
    return record.get("contact") if value is None else value


class SinkHost(t.Protocol):
    """What a sink needs of the target (typed here, so sinks need not import the target)."""

    final_pass: bool

    @property
    def run(self) -> RunContext: ...

    def object_type_of(self, stream_name: str) -> str: ...

    def drain_prerequisites(self, sink: ActiveCampaignSink) -> None: ...


class ActiveCampaignSink(BatchSink):
    """Shared plumbing: schema checks become rejects, dependencies drain first."""

    MAX_SIZE_DEFAULT = 1000
    object_type: str = ""

    def __init__(
        self,
        target: Target,
        stream_name: str,
        schema: dict,
        key_properties: t.Sequence[str] | None,
    ) -> None:
        self.ac_target = t.cast("SinkHost", target)  # the target: a Target and a SinkHost
        self.object_type = self.ac_target.object_type_of(stream_name)
        self._invalid: dict[int, str] = {}
        self.deferred = Spill()
        self._warned_keys: set[str] = set()
        self._deleted: set[int] = set()  # ids of records that arrived as deletion markers
        self._deletions_warned: set[str] = set()
        super().__init__(target, stream_name, schema, key_properties)

    @property
    def run(self) -> RunContext:
        return self.ac_target.run

    # -- validation: a record that does not match its schema is a reject, not a crash --------

    def _remove_sdc_metadata_from_record(self, record: dict) -> None:
        """Note a source's deletion marker before the SDK strips the `_sdc_` columns."""
        if record.get(DELETION_MARKER):
            self._deleted.add(id(record))
        super()._remove_sdc_metadata_from_record(record)

    def _validate_and_parse(self, record: dict) -> dict:
        """Validate against the stream schema; values are passed on as sent (no parsing)."""
        if self._validator is not None:
            try:
                self._validator.validate(record)
            except InvalidRecord as exc:
                self._invalid[id(record)] = f"record does not match the stream's schema: {exc}"
        return record

    def _singer_validate_message(self, record: dict) -> None:
        """A record without its key properties is a reject naming it, not the end of the run."""
        missing = [k for k in self._key_properties if k not in record]
        if missing and id(record) not in self._invalid:
            self._invalid[id(record)] = (
                f"record is missing its key propert{'y' if len(missing) == 1 else 'ies'} "
                f"{', '.join(repr(k) for k in missing)}"
            )

    def _accept(self, record: dict) -> bool:
        """Reject a record found invalid on arrival; else let the id translator learn it.

        A record carrying `_sdc_deleted_at` is a source's deletion marker (our tap signals
        deletions so): it is skipped and counted, since this target never deletes anything
        in ActiveCampaign on a source's word.
        """
        reason = self._invalid.pop(id(record), None)
        deleted = id(record) in self._deleted or record.get(DELETION_MARKER)
        self._deleted.discard(id(record))
        if deleted:
            self.run.ledger.count(self.stream_name, "skipped")
            if self.stream_name not in self._deletions_warned:
                self._deletions_warned.add(self.stream_name)
                self.logger.warning(
                    "Stream '%s': records with %s set (deleted in the source) are skipped and "
                    "counted; the target never deletes in ActiveCampaign",
                    self.stream_name,
                    DELETION_MARKER,
                )
            return False
        if reason is not None:
            self.reject(record, reason)
            return False
        self.run.translator.learn(self.object_type, record)
        return True

    def process_record(self, record: dict, context: dict) -> None:
        if self._accept(record):
            context.setdefault("records", []).append(record)

    def process_batch(self, context: dict) -> None:
        self.ac_target.drain_prerequisites(self)
        records = context.get("records") or []
        if records:
            self.write(records)

    def write(self, records: list[dict]) -> None:
        """Write records one by one; subclasses override `write_one` or this."""
        for record in records:
            try:
                with refusals_as_rejects("ActiveCampaign refused the write"):
                    self.write_one(record)
            except Reject as exc:
                self.reject_or_defer(record, exc)
            except Skipped:
                self.run.ledger.count(self.stream_name, "skipped")
            else:
                self.run.ledger.count(
                    self.stream_name, "would_write" if self.run.dry_run else "written"
                )

    def write_one(self, record: dict) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- helpers -----------------------------------------------------------------------------

    def reject_or_defer(self, record: dict, exc: Reject) -> None:
        """Untranslated ids wait for the end of input (their stream may come later)."""
        if isinstance(exc, Untranslated) and not self.ac_target.final_pass:
            self.deferred.add(record)
            return
        self.reject(record, exc.reason, exc.api_error)

    def retry_deferred(self) -> None:
        """Write what was set aside, now that the whole input has been read."""
        for batch in self.deferred.take(self.MAX_SIZE_DEFAULT):
            self.write(batch)

    def reject(self, record: t.Any, reason: str, api_error: t.Any = None) -> None:
        self.run.ledger.reject(self.stream_name, record, reason, api_error, self.object_type)

    @property
    def client(self) -> ApiClient:
        return self.run.client

    @property
    def resolver(self) -> Resolver:
        return self.run.resolver

    def send(self, method: str, path: str, body: t.Any, ok: t.Sequence[int] = ()) -> t.Any:
        """One write; a no-op in dry run (returns None)."""
        if self.run.dry_run:
            return None
        resp = self.client.request(method, path, json=body, ok_statuses=tuple(ok) or (400, 422))
        if resp.status_code >= 300:
            raise Reject(f"{method} /{path} refused: {api_error_text(resp.ac_json)}", resp.ac_json)
        return resp.ac_json or {}

    def create(
        self, path: str, body: t.Any, find: t.Callable[[], str | None], attempts: int = 4
    ) -> t.Any:
        """POST a create that is not idempotent (deals, notes, orders) without duplicating it.

        A create whose answer is lost (5xx, dropped connection) may still have happened, so
        before trying again we look for the object; found means written.
        """
        if self.run.dry_run:
            return None
        for attempt in range(attempts):
            try:
                resp = self.run.create_client.request(
                    "POST", path, json=body, ok_statuses=(400, 404, 422)
                )
            except RetriesExhaustedError as exc:
                if attempt + 1 >= attempts:
                    raise
                self.logger.warning("POST /%s failed (%s); checking before retrying", path, exc)
                time.sleep(min(8.0, 0.5 * 2**attempt))
                if find() is not None:
                    return {}
                continue
            if resp.status_code >= 300:
                raise Reject(f"POST /{path} refused: {api_error_text(resp.ac_json)}", resp.ac_json)
            return resp.ac_json or {}
        return None  # pragma: no cover

    def update_or_create(
        self, path: str, key: str, body: dict[str, t.Any], find: t.Callable[[], str | None]
    ) -> None:
        """PUT over the object `find` names, else create it (see `create`)."""
        existing = find()
        if existing is not None:
            self.send("PUT", f"{path}/{existing}", {key: body})
        else:
            self.create(path, {key: body}, find)

    def contact_email(self, record: t.Mapping[str, t.Any]) -> str:
        """The contact a link record points at, as an email (translating source ids)."""
        value = contact_ref(record)
        if value is None:
            raise Reject("the record names no contact ('contact_email', 'email' or 'contact')")
        if is_id(value):
            translated, key = self.run.translator.maybe("contact", value)
            if translated:
                return str(key)
            resp = self.client.request("GET", f"contacts/{str(value).strip()}", ok_statuses=(404,))
            email = ((resp.ac_json or {}).get("contact") or {}).get("email")
            if not email:
                raise Reject(f"contact id {value} does not exist in this account")
            return str(email)
        return clean_email(value, "contact")

    def contact_id(self, record: t.Mapping[str, t.Any]) -> str:
        value = contact_ref(record)
        if is_id(value):
            translated, key = self.run.translator.maybe("contact", value)
            if not translated:
                return str(value).strip()  # this account's contact id
            found = self.resolver.contact_id(str(key))
            if found is None:
                if self.run.dry_run:
                    return DRY_RUN_ID
                # its contacts row may still be waiting, or later in the input
                raise Untranslated(f"contact {key!r} (source id {value}) is not written yet")
            return found
        return self.resolver.require_contact(self.contact_email(record))

    def _account_ref(self, value: t.Any) -> tuple[str | None, str | None, bool]:
        """(name, destination id) for an account reference: a name, our id or a source id."""
        if isinstance(value, dict):
            value = value.get("name")
        if value is None or value == "":
            return None, None, False
        if is_id(value):
            translated, key = self.run.translator.maybe("account", value)
            if translated:
                return str(key), None, True
            return None, str(value).strip(), False
        return as_text(value, "account").strip(), None, False

    def account_id(self, value: t.Any, *, create: bool = True) -> str | None:
        """A destination account id; a name given by the record may create the account.

        An account reached through a source id is never created here: its own `accounts`
        row (maybe still waiting) writes it, so the reference waits instead.
        """
        name, account_id, translated = self._account_ref(value)
        if account_id is not None:
            return account_id
        if name is None:
            return None
        if create and not translated:
            return self.resolver.ensure_account(name)
        found = self.resolver.account_id(name)
        if found is None:
            if self.run.dry_run:
                return DRY_RUN_ID
            if translated:
                raise Untranslated(f"account {name!r} (source id {value}) is not written yet")
            raise Reject(f"account {name!r} does not exist in this account")
        return found

    def existing_account(
        self, value: t.Any, record: dict, field: str, *, by_name: bool = False
    ) -> str | None:
        """Under update_only (nothing is created): the account if it exists, else None.

        An unknown account name only drops the link: the record is still written, and the
        skipped field is counted and logged with the record it belongs to. `by_name`: the
        value is a name even if it looks like an id (a contact's `account`, imported by name).
        """
        name, account_id, translated = (value, None, False) if by_name else self._account_ref(value)
        if account_id is not None or name is None or translated:
            return self.account_id(value, create=False)
        found = self.resolver.account_id(name)
        if found is None:
            reason = (
                f"sync_mode update_only: account {name!r} does not exist and is not created; "
                f"the record is written without its {field!r} link"
            )
            self.run.ledger.skip_field(self.stream_name, field)
            self.logger.warning(
                "Stream '%s', record %s: field '%s' skipped: %s",
                self.stream_name,
                describe_record(record),
                field,
                reason,
            )
        return found

    def custom_values(
        self,
        items: t.Iterable[tuple[t.Any, t.Any, t.Any]],
        catalog: FieldCatalog,
        space: str,
        kind: str,
    ) -> list[dict[str, t.Any]]:
        """Account/deal custom field values as `[{customFieldId, fieldValue, fieldCurrency}]`."""
        out = []
        for key, value, currency in items:
            if value is None and not self.run.null_clears:
                continue
            translated, nat = self.run.translator.maybe(space, key)
            fdef = self.resolver.field(catalog, nat if translated else key, kind)
            out.append(meta_field_item(fdef, value, currency))
        return out

    def user_id(self, value: t.Any) -> str:
        translated, nat = self.run.translator.maybe("user", value)
        return self.resolver.user_id(nat if translated else value)


class ReferenceSink(ActiveCampaignSink):
    """Configuration streams (lists, fields, pipelines, ...): learnt for id translation only."""

    def process_record(self, record: dict, context: dict) -> None:
        if self._accept(record):
            self.run.ledger.count(self.stream_name, "reference")

    def process_batch(self, context: dict) -> None:
        return


class IgnoreSink(ActiveCampaignSink):
    """Streams the user bound to `ignore`: counted, never written."""

    def process_record(self, record: dict, context: dict) -> None:
        self._invalid.pop(id(record), None)
        self._deleted.discard(id(record))
        self.run.ledger.count(self.stream_name, "ignored")

    def process_batch(self, context: dict) -> None:
        return


# -- contacts and the links folded into bulk imports -------------------------------------------


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
            translated, nat = self.run.translator.maybe("field", key)
            key = nat if translated else key
        fdef = self.resolver.field(catalog, key, "contact")
        return fdef.id, format_field_value(fdef, value, clearing=value is None)

    def list_id(self, ref: t.Any) -> str:
        """A list named by an API-shaped record (a source id when ids are translated)."""
        translated, nat = self.run.translator.maybe("list", ref)
        if translated:
            return self.resolver.list_by_natural(nat)
        return self.resolver.list_id(ref)

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
                    self.client.request("DELETE", f"contactTags/{link['id']}", ok_statuses=(404,))

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
        if is_id(tag):
            translated, nat = self.run.translator.maybe("tag", tag)
            tag = nat if translated else self.resolver.tag_name(tag)
        return {"tags": [check_length(as_text(tag, "tag").strip(), "tag")]}


class ContactListsSink(LinkSink):
    """`{contact, list, status}` links: 1 subscribes, 2 unsubscribes."""

    def link_payload(self, record: dict) -> dict[str, t.Any]:
        ref = first_of(record, ("list_name", "list", "listid"))
        if ref is None:
            raise Reject("the record names no list ('list')")
        list_id = int(self.list_id(ref))
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


# -- accounts, links, deals, notes --------------------------------------------------------------


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
            body["owner"] = int(self.user_id(owner))
        raw = record.get("custom_fields", record.get("fields"))
        items = custom_field_items(raw, "custom_fields")
        if items:
            body["fields"] = self.custom_values(
                items, self.resolver.account_fields(), "account_field", "account"
            )
        existing = self.resolver.account_id(name)
        self.run.sync.check("account", existing is not None)  # sync_mode: may skip it
        if existing is not None:
            self.send("PUT", f"accounts/{existing}", {"account": body})
            return
        try:
            answer = self.create(
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
            self.send("PUT", f"accounts/{found}", {"account": body})
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
        account_id = self.account_id(account_ref)
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
                    self.send(
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
        resp = self.client.request(
            "POST", "accountContacts", json={"accountContact": payload}, ok_statuses=(400, 422)
        )
        if resp.status_code >= 300 and not is_duplicate_error(resp.ac_json):
            raise Reject(
                f"POST /accountContacts refused: {api_error_text(resp.ac_json)}", resp.ac_json
            )


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
        account_id = self.account_id(ref, create=False)
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
                self.send("PUT", f"{self.data_path}/{row['id']}", {self.datum_key: datum})
                return
        new_ids = {self.parent_key: int(parent_id), "customFieldId": int(field_id)}
        self.send("POST", self.data_path, {self.datum_key: {**datum, **new_ids}})

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
        translated, nat = self.run.translator.maybe(f"{kind}_field", key)
        fdef = self.resolver.field(catalog, nat if translated else key, kind)
        value = record.get("fieldValue", record.get("value"))
        if value is None and not self.run.null_clears:
            raise Reject("null value: nothing to write (set null_clears_fields to clear)")
        item = meta_field_item(fdef, value, record.get("fieldCurrency"))
        item.pop("customFieldId")  # the datum names its field beside the value
        return item, fdef.id


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
        if self.run.translator.require_decision(f"deal id {ref}"):
            deal_id = self.run.deal_ids.get(str(ref).strip())
            if deal_id is None:
                raise Untranslated(f"source deal {ref} was not written in this run")
        else:
            deal_id = str(ref).strip()
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
            body["contact"] = int(self.contact_id({"contact": contact}))
        account = first_of(record, ("account_name", "account"))
        pipeline = first_of(record, ("pipeline", "group"))
        pipeline_id = None
        if pipeline is not None:
            translated, nat = tr.maybe("pipeline", pipeline)
            pipeline_id = self.resolver.pipeline_id(nat if translated else pipeline)
            body["group"] = int(pipeline_id)
        stage = record.get("stage")
        if stage is not None:
            translated, nat = tr.maybe("stage", stage)
            if translated:
                src_group, stage_title = nat
                if src_group is not None and pipeline_id is None:
                    ok, pipe_title = tr.maybe("pipeline", src_group)
                    pipeline_id = self.resolver.pipeline_id(pipe_title if ok else src_group)
                    body["group"] = int(pipeline_id)
                stage_id = self.resolver.stage_id(stage_title, pipeline_id)
            else:
                stage_id = self.resolver.stage_id(stage, pipeline_id)
            body["stage"] = int(stage_id)
            if "group" not in body:
                group = self.resolver.stage_pipeline(stage_id)
                if group:
                    body["group"] = int(group)
        owner = first_of(record, ("owner", "owner_username"))
        if owner is not None:
            body["owner"] = int(self.user_id(owner))
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
        elif source_id and source_id in self.run.deal_ids:
            existing = self.run.deal_ids[source_id]  # the same source deal again
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
                body["account"] = int(self.account_id(account))
            else:
                found = self.existing_account(account, record, "account")
                if found is not None:
                    body["account"] = int(found)
        if self.run.dry_run:
            return
        if existing is not None:
            answer = self.send("PUT", f"deals/{existing}", {"deal": body}, ok=(400, 404, 422))
        else:
            answer = self.create("deals", {"deal": body}, lambda: self.find_created(body))
        deal_id = str(((answer or {}).get("deal") or {}).get("id") or existing)
        self.run.claimed_deals.add(deal_id)
        if source_id:
            self.run.deal_ids[source_id] = deal_id
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

        self.create("notes", {"note": {"note": text, "reltype": reltype, "relid": relid}}, find)
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
            if self.run.translator.require_decision(f"deal id {relid}"):
                found = self.run.deal_ids.get(str(relid))
                if found is None:
                    raise Untranslated(f"source deal {relid} was not written in this run")
                return reltype, int(found)
            return reltype, int(relid)
        return reltype, int(self.account_id(relid, create=False))

    def seen_notes(self) -> set[tuple[str, str, str]]:
        if self.run.notes_seen is None:
            rows = self.resolver.list_all("notes", "notes")
            self.run.notes_seen = {
                (str(r.get("reltype")), str(r.get("relid")), str(r.get("note"))) for r in rows
            }
        return self.run.notes_seen


# -- e-commerce and custom objects -------------------------------------------------------------


class EcomCustomersSink(ActiveCampaignSink):
    """E-commerce customers matched by connection and external id."""

    def connection(self, record: dict) -> str:
        ref = first_of(record, ("connectionid", "connection"))
        if ref is None:
            raise Reject("the record needs 'connectionid'")
        translated, nat = self.run.translator.maybe("connection", ref)
        return self.resolver.connection_id(nat if translated else ref)

    def write_one(self, record: dict) -> None:
        conn = self.connection(record)
        ext = first_of(record, ("externalid", "externalId", "external_id"))
        if ext is None:
            raise Reject("an e-commerce customer needs 'externalid'")
        ext_text = as_text(ext, "externalid")
        body: dict[str, t.Any] = {"connectionid": conn, "externalid": ext_text}
        if record.get("email") is not None:
            body["email"] = clean_email(record["email"])
        for key in ("acceptsMarketing", "accepts_marketing"):
            if record.get(key) is not None:
                body["acceptsMarketing"] = "1" if str(record[key]) in ("1", "True", "true") else "0"
        if self.run.dry_run:
            return
        self.update_or_create(
            "ecomCustomers", "ecomCustomer", body, lambda: self.find_customer(conn, ext_text)
        )

    def find_customer(self, conn: str, ext: str) -> str | None:
        """An e-commerce customer's id by connection and external id, or None."""
        found = (
            self.client.get_json(
                "ecomCustomers", params={"filters[connectionid]": conn, "filters[externalid]": ext}
            )
            or {}
        )
        for row in found.get("ecomCustomers") or []:
            if str(row.get("externalid")) == str(ext) and str(row.get("connectionid")) == str(conn):
                return str(row["id"])
        return None


class EcomOrdersSink(EcomCustomersSink):
    """E-commerce orders matched by connection and external (or checkout) id."""

    def write_one(self, record: dict) -> None:
        conn = self.connection(record)
        ext = first_of(record, ("externalid", "externalId", "external_id"))
        checkout = first_of(record, ("externalcheckoutid", "external_checkout_id"))
        if ext is None and checkout is None:
            raise Reject("an order needs 'externalid' or 'externalcheckoutid'")
        body: dict[str, t.Any] = {"connectionid": conn}
        if ext is not None:
            body["externalid"] = as_text(ext, "externalid")
        if checkout is not None:
            body["externalcheckoutid"] = as_text(checkout, "externalcheckoutid")
        body["email"] = clean_email(record.get("email"))
        customer = first_of(record, ("customerid", "customer"))
        if customer is not None:
            body["customerid"] = self.customer_id(customer, conn)
        elif first_of(record, ("customer_externalid",)) is not None:
            ext_customer = str(record["customer_externalid"])
            found = None if self.run.dry_run else self.find_customer(conn, ext_customer)
            if found is None and not self.run.dry_run:
                raise Reject(f"e-commerce customer {ext_customer!r} does not exist")
            body["customerid"] = found or DRY_RUN_ID
        else:
            raise Reject("an order needs 'customerid' or 'customer_externalid'")
        for key in ("totalPrice", "shippingAmount", "taxAmount", "discountAmount"):
            if record.get(key) is not None:
                body[key] = cents(record[key], key)
        if record.get("currency") is not None:
            body["currency"] = currency_code(record["currency"]).upper()
        for key in (
            "orderNumber",
            "orderUrl",
            "externalCreatedDate",
            "externalUpdatedDate",
            "shippingMethod",
            "orderDiscounts",
        ):
            if record.get(key) is not None:
                body[key] = record[key]
        products = record.get("orderProducts")
        if products is not None:
            if not isinstance(products, list):
                raise Reject("'orderProducts' must be a list")
            body["orderProducts"] = products
        body["source"] = str(record.get("source", self.run.config.get("ecom_order_source", 0)))
        if self.run.dry_run:
            return
        self.update_or_create("ecomOrders", "ecomOrder", body, lambda: self.find_order(conn, body))

    def find_order(self, conn: str, body: dict[str, t.Any]) -> str | None:
        """An order's id by connection and external id (or checkout id), or None."""
        key = "externalid" if "externalid" in body else "externalcheckoutid"
        params = {"filters[connectionid]": conn, f"filters[{key}]": body[key]}
        found = self.client.get_json("ecomOrders", params=params) or {}
        for row in found.get("ecomOrders") or []:
            if str(row.get("connectionid")) == str(conn) and str(row.get(key)) == str(body[key]):
                return str(row["id"])
        return None

    def customer_id(self, ref: t.Any, conn: str) -> str:
        translated, nat = self.run.translator.maybe("ecom_customer", ref)
        if not translated:
            return str(ref)
        _, ext = nat
        found = self.find_customer(conn, str(ext))
        if found is None:
            raise Reject(f"e-commerce customer {ext!r} does not exist in this account")
        return found


class CustomObjectSink(ActiveCampaignSink):
    """Custom object records: `POST /customObjects/records/{schema}` upserts by externalId."""

    RESERVED = frozenset(
        {
            "id",
            "externalId",
            "external_id",
            "fields",
            "relationships",
            "schemaId",
            "createdTimestamp",
            "updatedTimestamp",
            "created_timestamp",
            "updated_timestamp",
        }
    )

    def write_one(self, record: dict) -> None:
        ref = self.object_type[len(CUSTOM_OBJECT_PREFIX) :]
        translated, nat = self.run.translator.maybe("schema", ref)
        schema = self.resolver.schema(str(nat if translated else ref))
        ext = first_of(record, ("externalId", "external_id"))
        if ext is None:
            raise Reject("a custom object record needs 'externalId'")
        known = {
            str(f.get("id"))
            for f in schema.get("fields") or []
            if f.get("status") != "marked_for_deletion"
        }
        values: dict[str, t.Any] = {}
        raw = record.get("fields")
        if isinstance(raw, list):
            for item in raw:
                if not isinstance(item, dict) or "id" not in item:
                    raise Reject("'fields' items must be {id, value}")
                values[str(item["id"])] = item.get("value")
        elif isinstance(raw, dict):
            values.update({str(k): v for k, v in raw.items()})
        elif raw is not None:
            raise Reject("'fields' must be a list of {id, value} or an object")
        for key, value in record.items():
            if key not in self.RESERVED and not key.startswith("_sdc_"):
                values[key] = value
        unknown = sorted(k for k in values if k not in known)
        if unknown:
            raise Reject(
                f"unknown field(s) of custom object {schema.get('slug')!r}: {', '.join(unknown)}"
            )
        body: dict[str, t.Any] = {
            "externalId": as_text(ext, "externalId"),
            "fields": [
                {"id": k, "value": v}
                for k, v in values.items()
                if v is not None or self.run.null_clears
            ],
        }
        rels = record.get("relationships")
        if rels:
            if not isinstance(rels, dict):
                raise Reject("'relationships' must be an object of relationship -> ids")
            out = {}
            for rel, targets in rels.items():
                ids = []
                for target in as_name_list(targets, f"relationships.{rel}"):
                    if isinstance(target, str) and "@" in target:
                        ids.append(int(self.resolver.require_contact(target)))
                    elif "contact" in rel:
                        ids.append(int(self.contact_id({"contact": target})))
                    else:
                        ids.append(int(target))
                out[rel] = ids
            body["relationships"] = out
        self.send(
            "POST", f"customObjects/records/{schema['id']}", {"record": body}, ok=(400, 404, 422)
        )


SINK_CLASSES: dict[str, type[ActiveCampaignSink]] = {
    "contacts": ContactsSink,
    "field_values": FieldValuesSink,
    "contact_tags": ContactTagsSink,
    "contact_lists": ContactListsSink,
    "tags": TagsSink,
    "accounts": AccountsSink,
    "account_contacts": AccountContactsSink,
    "deals": DealsSink,
    "account_field_values": AccountFieldValuesSink,
    "deal_field_values": DealFieldValuesSink,
    "notes": NotesSink,
    "ecom_customers": EcomCustomersSink,
    "ecom_orders": EcomOrdersSink,
    "ignore": IgnoreSink,
}


def sink_class_for(object_type: str) -> type[ActiveCampaignSink]:
    if object_type in REFERENCE_TYPES:
        return ReferenceSink
    if object_type.startswith(CUSTOM_OBJECT_PREFIX):
        return CustomObjectSink
    return SINK_CLASSES[object_type]


__all__ = ["DRY_RUN_ID", "RunContext", "sink_class_for"]
