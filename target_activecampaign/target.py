"""target-activecampaign: load Singer records into ActiveCampaign (API v3).

The target is its settings, the choice of a sink per stream, and the order sinks drain in. It
builds the run (`run.build_run`) and hands each sink its collaborators; sinks never call back.
SDK internals it needs are in `sdk_compat`; reading the input is `reader`.
"""

from __future__ import annotations

import json
import sys
import typing as t

from singer_sdk import typing as th
from singer_sdk.helpers.capabilities import PluginCapabilities, TargetCapabilities

from activecampaign_http.settings import connection_properties
from target_activecampaign.audiences import (
    AUDIENCE_MODES,
    DEFAULT_MAX_REMOVAL_FRACTION,
    check_removal_fraction,
    parse_audiences,
    summary_line,
)
from target_activecampaign.reader import LineNumberReader
from target_activecampaign.routing import IGNORE_TYPE, resolve_object_type, write_rank
from target_activecampaign.run import DEFAULT_REJECTS_FILE, RunContext, build_run
from target_activecampaign.sdk_compat import ConfigInput, SinkWiringTarget
from target_activecampaign.sinks.base import ActiveCampaignSink
from target_activecampaign.sinks.contacts import AudienceSink
from target_activecampaign.sinks.registry import sink_class_for
from target_activecampaign.sync_mode import SYNC_MODES, UPSERT
from target_activecampaign.translate import MODES

EXIT_REJECTS = 2
EXIT_AUDIENCE_GUARD = 3
BULK_FAMILY_RANK = write_rank("contact_lists")


class TargetActiveCampaign(SinkWiringTarget):
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
            default=DEFAULT_REJECTS_FILE,
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
        self.audience_specs = parse_audiences(self.config.get("audiences"))  # bad: stop now
        check_removal_fraction(self.config.get("audience_max_removal_fraction"))
        if isinstance(self.message_reader, LineNumberReader):
            self.message_reader.on_bad_line = self._stop_cleanly

    # -- run context (built on the first SCHEMA, so --about needs no network) ------------------

    @property
    def run(self) -> RunContext:
        if self._run is None:
            self._run = build_run(
                self.config,
                audience_specs=self.audience_specs,
                user_agent=f"{self.name}/{self.plugin_version}",
                logger=self.logger,
            )
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

    def on_schema(self, message_dict: dict) -> None:
        """A SCHEMA registered its stream (an unknown one stopped already): inform translation."""
        stream = str(message_dict.get("stream"))
        for stream_map in self.mapper.stream_maps.get(stream, []):
            if self.has_active_sink(stream_map.stream_alias):
                object_type = self.object_type_of(stream_map.stream_alias)
                self.run.translator.notice_stream(object_type, message_dict["schema"])

    def get_sink_class(self, stream_name: str) -> type[ActiveCampaignSink]:
        object_type = self.object_type_of(stream_name)  # unknown: raises before any write
        _ = self.run  # authenticate before the first record
        if stream_name in self.audience_specs:
            return AudienceSink
        return sink_class_for(object_type)

    def build_sink(
        self, stream_name: str, schema: dict, key_properties: t.Sequence[str] | None
    ) -> ActiveCampaignSink:
        """A sink with its collaborators: the run, its object type, and the drain hook."""
        sink_class = self.get_sink_class(stream_name)
        return sink_class(
            self,
            stream_name,
            schema,
            key_properties,
            run=self.run,
            object_type=self.object_type_of(stream_name),
            drain_first=self.drain_prerequisites,
        )

    def drain_prerequisites(self, sink: ActiveCampaignSink) -> None:
        """Drain every sink of an earlier object type, and confirm imports if ids are needed."""
        rank = write_rank(sink.object_type)
        for other in self.all_sinks():
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
        found = [s for s in self.all_sinks() if isinstance(s, ActiveCampaignSink)]
        return sorted(found, key=lambda s: write_rank(s.object_type))

    def state_may_go_out(self) -> bool:
        """State goes out only once every record before it is confirmed written or rejected."""
        if self._run is None:
            return True
        self._run.importer.flush()
        if self._run.dry_run:
            self.logger.info("Dry run: state not emitted.")
            return False
        waiting = sum(s.deferred.count for s in self._ac_sinks())
        if waiting:
            self.logger.info(
                "State held back: %d record(s) wait for ids described later in the input.",
                waiting,
            )
            return False
        return True

    def _final_pass(self) -> None:
        """End of input: write everything, then what waited for ids, in dependency order."""
        if self._run is None or self._run.final_pass:
            return
        self._run.final_pass = True
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
        config: ConfigInput | None = None,
        file_input: t.IO[str] | None = None,
    ) -> None:
        """Run the target; exit 2 when any record was rejected (1 for a failed run)."""
        if about:
            cls.print_about(about_format)
            sys.exit(0)
        cls.print_version(print_fn=cls.logger.info)
        config = config or ConfigInput()
        target = cls(config=config.config, validate_config=True, parse_env_config=config.parse_env)
        target.listen(file_input)
        if target.audience_refusals:
            sys.exit(EXIT_AUDIENCE_GUARD)
        failed = target.rejected_count or target.removal_failures
        if failed and target.config.get("fail_on_reject", True):
            sys.exit(EXIT_REJECTS)


if __name__ == "__main__":
    TargetActiveCampaign.cli()
