"""The base sink: shared plumbing of every object type's sink.

Sinks are batch sinks: records are buffered, and `process_batch` first calls its drain hook
(the target drains every sink of an earlier object type: contacts before the deals that name
them, see `routing.WRITE_ORDER`), then writes, through `writes.Writer`. A sink is built with
what it needs (the run, its object type, the drain hook) and imports nothing from the target.
Every record ends in the ledger: written, rejected (with why), skipped, or deferred until the
input has described its ids.
"""

from __future__ import annotations

import typing as t

from singer_sdk.target_base import Target

from activecampaign_http import ApiClient
from target_activecampaign.importer import refusals_as_rejects
from target_activecampaign.refs import References
from target_activecampaign.rejects import Reject
from target_activecampaign.resolver import Resolver
from target_activecampaign.run import RunContext, Spill
from target_activecampaign.sdk_compat import RecordCheckingSink
from target_activecampaign.sync_mode import Skipped
from target_activecampaign.translate import Untranslated
from target_activecampaign.values import FieldCatalog, first_of, meta_field_item
from target_activecampaign.writes import Writer

DELETION_MARKER = "_sdc_deleted_at"


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


class ActiveCampaignSink(RecordCheckingSink):
    """Shared plumbing: schema checks become rejects, dependencies drain first."""

    MAX_SIZE_DEFAULT = 1000
    object_type: str = ""

    def __init__(
        self,
        target: Target,
        stream_name: str,
        schema: dict,
        key_properties: t.Sequence[str] | None,
        *,
        run: RunContext,
        object_type: str,
        drain_first: t.Callable[[ActiveCampaignSink], None],
    ) -> None:
        self.run = run
        self.object_type = object_type
        self.drain_first = drain_first  # drains the sinks this one's records depend on
        self._invalid: dict[int, str] = {}
        self.deferred = Spill()
        self._warned_keys: set[str] = set()
        self._deleted: set[int] = set()  # ids of records that arrived as deletion markers
        self._deletions_warned: set[str] = set()
        super().__init__(target, stream_name, schema, key_properties)
        self.writer = Writer(run.client, run.create_client, self.logger, dry_run=run.dry_run)

    @property
    def refs(self) -> References:
        return self.run.refs

    # -- validation: a record that does not match its schema is a reject, not a crash --------

    def on_arrival(self, record: dict) -> None:
        """Note a source's deletion marker before the SDK strips the `_sdc_` columns."""
        if record.get(DELETION_MARKER):
            self._deleted.add(id(record))

    def on_invalid(self, record: dict, reason: str) -> None:
        self._invalid[id(record)] = reason

    def on_missing_keys(self, record: dict, missing: list[str]) -> None:
        """A record without its key properties is a reject naming it, not the end of the run."""
        if id(record) not in self._invalid:
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
        self.drain_first(self)
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
        if isinstance(exc, Untranslated) and not self.run.final_pass:
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

    def contact_email(self, record: t.Mapping[str, t.Any]) -> str:
        """The contact a link record points at, as an email (translating source ids)."""
        return self.refs.contact_email(contact_ref(record))

    def contact_id(self, record: t.Mapping[str, t.Any]) -> str:
        """The contact a record points at, as this account's contact id."""
        return self.refs.contact_id(contact_ref(record))

    def existing_account(
        self, value: t.Any, record: dict, field: str, *, by_name: bool = False
    ) -> str | None:
        """Under update_only (nothing is created): the account if it exists, else None.

        An unknown account name only drops the link: the record is still written, and the
        skipped field is counted and logged with the record it belongs to. `by_name`: the
        value is a name even if it looks like an id (a contact's `account`, imported by name).
        """
        name, account_id, translated = (value, None, False) if by_name else self.refs.account(value)
        if account_id is not None or name is None or translated:
            return self.refs.account_id(value, create=False)
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
            out.append(meta_field_item(self.refs.field(catalog, key, kind, space), value, currency))
        return out
