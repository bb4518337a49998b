"""target-activecampaign: load Singer records into ActiveCampaign (API v3)."""

from __future__ import annotations

import json
import sys
import typing as t
from collections import Counter

from singer_sdk import typing as th
from singer_sdk.exceptions import MissingKeyPropertiesError, RecordsWithoutSchemaException
from singer_sdk.helpers.capabilities import PluginCapabilities, TargetCapabilities
from singer_sdk.io_base import SingerReader
from singer_sdk.plugin_base import _ConfigInput
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.target_base import Target

from activecampaign_http.settings import client_from_config, connection_properties
from target_activecampaign.audience_sink import AudienceSink
from target_activecampaign.audiences import (
    AUDIENCE_MODES,
    DEFAULT_MAX_REMOVAL_FRACTION,
    Audiences,
    check_removal_fraction,
    parse_audiences,
    removal_fraction,
    summary_line,
)
from target_activecampaign.importer import BulkImporter
from target_activecampaign.rejects import Ledger
from target_activecampaign.resolver import Resolver
from target_activecampaign.routing import (
    IGNORE_TYPE,
    UnknownStreamError,
    resolve_object_type,
    write_rank,
)
from target_activecampaign.sinks import ActiveCampaignSink, RunContext, sink_class_for
from target_activecampaign.sync_mode import SYNC_MODES, UPSERT, SyncGate
from target_activecampaign.translate import MODES, IdTranslator

if t.TYPE_CHECKING:
    from singer_sdk.sinks import Sink

EXIT_REJECTS = 2
EXIT_AUDIENCE_GUARD = 3
BULK_FAMILY_RANK = write_rank("contact_lists")


class LineNumberReader(SingerReader):
    """Reads Singer lines, and names the line number when one is malformed.

    Before stopping, the target finishes what the lines before it asked for (so state and the
    rejects file are consistent with what was written); then the run fails on that line.
    """

    def __init__(self) -> None:
        super().__init__()
        self.line_number = 0
        self.on_bad_line: t.Callable[[], None] | None = None

    def process_lines(  # type: ignore[override]
        self,
        file_input: t.IO[str] | None,
        callbacks: t.Mapping[str, t.Callable[[dict], None]],
    ) -> Counter[str]:
        """The SDK's loop, counting lines so every error can say where it happened."""
        stats: dict[str, int] = {}
        for number, line in enumerate(file_input or self.default_input, start=1):
            self.line_number = number
            if not line.strip():
                continue
            try:
                message = json.loads(line)
                if not isinstance(message, dict) or "type" not in message:
                    raise ValueError("not a Singer message (an object with a 'type')")
            except ValueError as exc:
                self._stop(
                    f"Input line {self.line_number} is malformed ({exc}); the run stops here."
                )
            callback = callbacks.get(message["type"])
            if callback is None:
                self._stop(
                    f"Input line {self.line_number}: unknown message type {message['type']!r}."
                )
            try:
                callback(message)
            except (
                InvalidInputLine,
                MissingKeyPropertiesError,
                RecordsWithoutSchemaException,
                UnknownStreamError,
            ) as exc:
                raise type(exc)(f"Input line {self.line_number}: {exc}") from exc
            stats[message["type"]] = stats.get(message["type"], 0) + 1
        return Counter(stats)

    def _stop(self, message: str) -> t.NoReturn:
        if self.on_bad_line is not None:
            self.on_bad_line()
        raise InvalidInputLine(message)


class TargetActiveCampaign(Target):
    """Load Singer records into ActiveCampaign: contacts in bulk, every record accounted for."""

    name = "target-activecampaign"
    package_name = "activecampaign-singer"  # the distribution this plugin ships in
    message_reader_class = LineNumberReader
    capabilities: t.ClassVar = [
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.STRUCTURED_LOGGING,
        TargetCapabilities.VALIDATE_RECORDS,
    ]

    config_jsonschema = th.PropertiesList(
        *connection_properties("target-activecampaign/0.1.0"),
        th.Property(
            "stream_objects",
            th.ObjectType(additional_properties=th.StringType),
            title="Stream objects",
            description="Bind stream names to object types, e.g. "
            '{"dim_customers": "contacts", "audit_log": "ignore"}. Streams named after an '
            'object type need no entry; "*" binds every other stream (e.g. to "ignore").',
        ),
        th.Property(
            "dry_run",
            th.BooleanType,
            default=False,
            title="Dry run",
            description="Resolve and validate everything and report what would be written; "
            "write nothing (reads still happen) and emit no state.",
        ),
        th.Property(
            "rejects_file",
            th.StringType,
            default="target-activecampaign-rejects.jsonl",
            title="Rejects file",
            description="JSON Lines file for rejected records (stream, object_type, reason, "
            "api_error, record). Created on the first reject, overwritten per run.",
        ),
        th.Property(
            "fail_on_reject",
            th.BooleanType,
            default=True,
            title="Fail on reject",
            description="Exit with code 2 when any record was rejected (default). False: a run "
            "whose only problem is rejected records exits 0; the summary and the rejects file "
            "still report them.",
        ),
        th.Property(
            "null_clears_fields",
            th.BooleanType,
            default=False,
            title="Null clears fields",
            description="When true, a null in a record clears the stored value. When false "
            "(default) nulls are not sent, like missing keys.",
        ),
        th.Property(
            "id_translation",
            th.StringType,
            default="auto",
            allowed_values=list(MODES),
            title="Id translation",
            description="Whether ids in API-shaped records are another account's (our tap's "
            "output) and must be translated through the input's own reference streams: on, "
            "off, or auto (on once the input carries a stream only an account export has, such "
            "as lists, fields, users, deal_groups; records citing ids wait until that is known).",
        ),
        th.Property(
            "deal_key_field",
            th.StringType,
            title="Deal key field",
            description="Deal custom field (label or id) that holds the source system's key. "
            "Deals without a destination id are matched on it, and it is written on create.",
        ),
        th.Property(
            "deal_key_property",
            th.StringType,
            default="source_key",
            title="Deal key property",
            description="Record property with the source key for deal_key_field (with id "
            "translation the source deal id is used when it is absent).",
        ),
        th.Property(
            "default_currency",
            th.StringType,
            default="usd",
            title="Default currency",
            description="Currency of new deals whose record sets none.",
        ),
        th.Property(
            "ecom_order_source",
            th.IntegerType,
            default=0,
            allowed_values=[0, 1],
            title="E-commerce order source",
            description="`source` of orders that set none: 0 historical (no automations), "
            "1 real-time (triggers automations).",
        ),
        th.Property(
            "exclude_automations",
            th.BooleanType,
            default=False,
            title="Exclude automations",
            description="Ask bulk imports not to start automations for imported contacts.",
        ),
        th.Property(
            "max_pending_imports",
            th.IntegerType,
            default=20,
            title="Max pending imports",
            description="Bulk imports submitted but not yet confirmed, at most. Larger overlaps "
            "more waiting; memory holds this many x 250 records.",
        ),
        th.Property(
            "imports_per_minute",
            th.IntegerType,
            default=95,
            title="Imports per minute",
            description="Client-side cap on bulk imports a minute (the API allows 100).",
        ),
        th.Property(
            "sync_max_requests",
            th.IntegerType,
            default=10,
            title="Sync max requests",
            description="A group of contacts that one-by-one writes (contact/sync plus links) "
            "would finish in this many requests or fewer skips the bulk import.",
        ),
        th.Property(
            "sync_mode",
            th.StringType,
            default=UPSERT,
            allowed_values=list(SYNC_MODES),
            title="Sync mode",
            description="For contacts, accounts and deals (audience streams too): upsert "
            "(default) creates or updates; update_only skips records matching no existing "
            "object (never creates); create_only skips records matching an existing one (left "
            "as it is). Skipped records are counted per stream, never rejected.",
        ),
        th.Property(
            "audiences",
            th.ObjectType(
                additional_properties=th.ObjectType(
                    th.Property("tag", th.StringType),
                    th.Property("list", th.CustomType({"type": ["string", "integer"]})),
                    th.Property("mode", th.StringType, allowed_values=list(AUDIENCE_MODES)),
                )
            ),
            title="Audiences",
            description='Audience streams, e.g. {"vip_customers": {"tag": "VIP", "mode": '
            '"mirror"}, "newsletter": {"list": "Newsletter", "mode": "add"}}: '
            "the stream's records are contacts; each gets the tag (a name) or is subscribed to "
            "the list (name or id). mirror: after the stream ended and its imports were "
            "confirmed, members it did not name lose the tag / are unsubscribed (status 2).",
        ),
        th.Property(
            "audience_max_removal_fraction",
            th.CustomType({"type": ["number", "string"]}),  # Meltano passes a string
            default=DEFAULT_MAX_REMOVAL_FRACTION,
            title="Audience max removal fraction",
            description="A mirror that would remove more than this fraction of an audience's "
            "current members removes nothing and the run exits 3, naming the audience and the "
            "counts. An empty audience stream never empties a tag or list, and a mirror whose adds "
            "were not all confirmed removes nothing (exit 3). A number or numeric string.",
        ),
    ).to_dict()

    @classmethod
    def append_builtin_config(cls, config_jsonschema: dict) -> None:
        """SDK settings, minus `load_method`: every write here is an upsert by natural key."""
        super().append_builtin_config(config_jsonschema)
        config_jsonschema["properties"].pop("load_method", None)

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_parallelism = 1  # sinks drain in dependency order, never concurrently
        self._run: RunContext | None = None
        self._types: dict[str, str] = {}
        self._finished = False
        self.final_pass = False
        self.audience_specs = parse_audiences(self.config.get("audiences"))  # bad: stop now
        check_removal_fraction(self.config.get("audience_max_removal_fraction"))
        if isinstance(self.message_reader, LineNumberReader):
            self.message_reader.on_bad_line = self._stop_cleanly

    # -- run context (built on the first SCHEMA, so --about needs no network) ------------------

    @property
    def run(self) -> RunContext:
        if self._run is None:
            cfg = self.config
            client = client_from_config(
                cfg,
                default_user_agent=f"{self.name}/{self.plugin_version}",
                logger=self.logger,
            )
            me = client.check_auth()  # a bad token fails here, before anything is written
            create_client = client_from_config(
                cfg,
                default_user_agent=f"{self.name}/{self.plugin_version}",
                logger=self.logger,
                max_retries=0,
            )
            dry_run = bool(cfg.get("dry_run", False))
            ledger = Ledger(cfg.get("rejects_file", "target-activecampaign-rejects.jsonl"))
            resolver = Resolver(client, dry_run=dry_run, logger=self.logger)
            importer = BulkImporter(
                client,
                resolver,
                ledger,
                self.logger,
                dry_run=dry_run,
                max_pending_imports=int(cfg.get("max_pending_imports") or 20),
                imports_per_minute=int(cfg.get("imports_per_minute") or 95),
                sync_max_requests=int(
                    cfg.get("sync_max_requests") if cfg.get("sync_max_requests") is not None else 10
                ),
                exclude_automations=bool(cfg.get("exclude_automations", False)),
            )
            audiences = Audiences(
                self.audience_specs,
                client,
                resolver,
                self.logger,
                dry_run=dry_run,
                max_removal_fraction=removal_fraction(cfg.get("audience_max_removal_fraction")),
            )
            audiences.check_list_overlaps()  # one list named two ways: stop before any write
            self._run = RunContext(
                client=client,
                create_client=create_client,
                resolver=resolver,
                translator=IdTranslator(cfg.get("id_translation") or "auto"),
                ledger=ledger,
                importer=importer,
                config=dict(cfg),
                sync=SyncGate(cfg.get("sync_mode") or UPSERT, resolver),
                dry_run=dry_run,
                user_id=str(me["id"]) if me.get("id") is not None else None,
                audiences=audiences,
            )
            if dry_run:
                self.logger.info("Dry run: nothing will be written.")
        return self._run

    # -- streams -> sinks ----------------------------------------------------------------------

    def object_type_of(self, stream_name: str) -> str:
        if stream_name in self.audience_specs:
            return "contacts"  # an audience stream's records are contacts
        if stream_name not in self._types:
            self._types[stream_name] = resolve_object_type(
                stream_name, self.config.get("stream_objects")
            )
        return self._types[stream_name]

    def _process_schema_message(self, message_dict: dict) -> None:
        """Register the stream (an unknown one stops here), and let it inform translation."""
        super()._process_schema_message(message_dict)  # get_sink_class checks the type
        stream = str(message_dict.get("stream"))
        for stream_map in self.mapper.stream_maps.get(stream, []):
            if stream_map.stream_alias in self._sinks_active:
                object_type = self.object_type_of(stream_map.stream_alias)
                self.run.translator.notice_stream(object_type, message_dict["schema"])

    def get_sink_class(self, stream_name: str) -> type[Sink]:
        object_type = self.object_type_of(stream_name)  # unknown: raises before any write
        _ = self.run  # authenticate before the first record
        if stream_name in self.audience_specs:
            return AudienceSink
        return sink_class_for(object_type)

    def drain_prerequisites(self, sink: ActiveCampaignSink) -> None:
        """Drain every sink of an earlier object type, and confirm imports if ids are needed."""
        rank = write_rank(sink.object_type)
        for other in [*self._sinks_to_clear, *self._sinks_active.values()]:
            if (
                other is not sink
                and isinstance(other, ActiveCampaignSink)
                and write_rank(other.object_type) < rank
            ):
                self.drain_one(other)
        if rank > BULK_FAMILY_RANK and sink.object_type != IGNORE_TYPE:
            self.run.importer.flush()

    # -- state, end of input, exit code ----------------------------------------------------------

    def _ac_sinks(self) -> list[ActiveCampaignSink]:
        sinks = [*self._sinks_to_clear, *self._sinks_active.values()]
        found = [s for s in sinks if isinstance(s, ActiveCampaignSink)]
        return sorted(found, key=lambda s: write_rank(s.object_type))

    def _write_state_message(self, state: dict) -> None:
        """State goes out only once every record before it is confirmed written or rejected."""
        if self._run is not None:
            self._run.importer.flush()
            if self._run.dry_run:
                self.logger.info("Dry run: state not emitted.")
                return
            waiting = sum(s.deferred.count for s in self._ac_sinks())
            if waiting:
                self.logger.info(
                    "State held back: %d record(s) wait for ids described later in the input.",
                    waiting,
                )
                return
        super()._write_state_message(state)

    def _final_pass(self) -> None:
        """End of input: write everything, then what waited for ids, in dependency order."""
        if self._run is None or self.final_pass:
            return
        self.final_pass = True
        self.run.translator.settle()
        for sink in self._ac_sinks():
            self.drain_one(sink)
            if sink.deferred.count:
                if write_rank(sink.object_type) > BULK_FAMILY_RANK:
                    self.run.importer.flush()
                sink.retry_deferred()
        self.run.importer.flush()

    def process_endofpipe(self) -> None:
        self._final_pass()
        if self._run is not None:
            self._run.audiences.finish()  # the input ended and every import is confirmed
        super().process_endofpipe()
        self._finish()

    def _stop_cleanly(self) -> None:
        """A malformed line: finish what the earlier lines asked for, then stop."""
        self._final_pass()
        self.drain_all()
        self._finish()

    def _finish(self) -> None:
        if self._finished or self._run is None:
            return
        self._finished = True
        run = self._run
        run.importer.flush()
        run.ledger.close()
        summary = run.ledger.summary()
        summary["requests"] = dict(run.client.stats)
        summary["imports"] = dict(run.importer.stats)
        summary["dry_run"] = run.dry_run
        summary["sync_mode"] = run.sync.mode
        if run.audiences.specs:
            summary["audiences"] = run.audiences.summary(run.ledger)
            for stream, row in summary["audiences"].items():
                self.logger.info("%s", summary_line(stream, row, run.dry_run))
        self.logger.info("Summary: %s", json.dumps(summary, sort_keys=True))
        if run.ledger.rejected:
            self.logger.warning(
                "%d record(s) rejected; see %s", run.ledger.rejected, run.ledger.path
            )

    @property
    def audience_refusals(self) -> list[str]:
        return self._run.audiences.refused if self._run is not None else []

    @property
    def removal_failures(self) -> int:
        """Audience removals the API refused (reported like rejects: exit 2)."""
        if self._run is None:
            return 0
        return sum(len(s.removal_failures) for s in self._run.audiences.states.values())

    @property
    def rejected_count(self) -> int:
        return self._run.ledger.rejected if self._run is not None else 0

    @classmethod
    def invoke(  # type: ignore[override]
        cls,
        *,
        about: bool = False,
        about_format: str | None = None,
        config: _ConfigInput | None = None,
        file_input: t.IO[str] | None = None,
    ) -> None:
        """Run the target; exit 2 when any record was rejected (1 for a failed run)."""
        if about:
            cls.print_about(about_format)
            sys.exit(0)
        cls.print_version(print_fn=cls.logger.info)
        config = config or _ConfigInput()
        target = cls(config=config.config, validate_config=True, parse_env_config=config.parse_env)
        target.listen(file_input)
        if target.audience_refusals:
            sys.exit(EXIT_AUDIENCE_GUARD)
        failed = target.rejected_count or target.removal_failures
        if failed and target.config.get("fail_on_reject", True):
            sys.exit(EXIT_REJECTS)


if __name__ == "__main__":
    TargetActiveCampaign.cli()
