"""Every private singer-sdk name the target relies on, in one place.

The SDK (pinned `~=0.54.9`) offers no public hook for a few things this target must do: keep a
record that fails its schema as a reject instead of stopping the run, note a deletion marker
before the SDK strips the `_sdc_` columns, give sinks their collaborators when they are built,
hold state back until records are confirmed, and list the sinks to drain in dependency order.
Those overrides and accesses live here, each with why, and `PRIVATE_NAMES` lists them so
`tests/target/test_target_sdk_compat.py` fails loudly, in one place, when an SDK upgrade
renames one.
Nothing else in the package touches an SDK name starting with an underscore.
"""

from __future__ import annotations

import typing as t

from singer_sdk.exceptions import InvalidRecord
from singer_sdk.plugin_base import _ConfigInput
from singer_sdk.sinks import BatchSink, Sink
from singer_sdk.target_base import Target

#: (owner, name) of every private SDK name used below; owners are classes, or instances built by
#: the test (`"Sink()"`, `"Target()"`) for attributes the SDK sets in `__init__`.
PRIVATE_NAMES: tuple[tuple[str, str], ...] = (
    ("Sink", "_remove_sdc_metadata_from_record"),
    ("Sink", "_validate_and_parse"),
    ("Sink", "_singer_validate_message"),
    ("Sink()", "_validator"),
    ("Sink()", "_key_properties"),
    ("Target", "_process_schema_message"),
    ("Target", "_write_state_message"),
    ("Target()", "_sinks_active"),
    ("Target()", "_sinks_to_clear"),
    ("singer_sdk.plugin_base", "_ConfigInput"),
)

#: `--config` / `--input` as the SDK's CLI hands them to `Target.invoke` (private class).
ConfigInput = _ConfigInput


class RecordCheckingSink(BatchSink):
    """A batch sink whose schema and key-property failures become hooks, not exceptions.

    The SDK raises on an invalid record (or one missing a key property), which would end the
    whole run; our contract is one reject naming the record and nothing else lost.
    """

    def on_arrival(self, record: dict) -> None:
        """Hook: the record as sent, before the SDK removes its `_sdc_` columns."""

    def on_invalid(self, record: dict, reason: str) -> None:
        """Hook: the record does not match the stream's schema."""

    def on_missing_keys(self, record: dict, missing: list[str]) -> None:
        """Hook: the record lacks key properties of the stream."""

    def _remove_sdc_metadata_from_record(self, record: dict) -> None:
        # private SDK step that drops `_sdc_deleted_at`: the only moment the marker is visible
        self.on_arrival(record)
        super()._remove_sdc_metadata_from_record(record)

    def _validate_and_parse(self, record: dict) -> dict:
        # private SDK step: validate with the SDK's own validator, but report instead of raising,
        # and pass values on as sent (no type parsing)
        validator = self._validator
        if validator is not None:
            try:
                validator.validate(record)
            except InvalidRecord as exc:
                self.on_invalid(record, f"record does not match the stream's schema: {exc}")
        return record

    def _singer_validate_message(self, record: dict) -> None:
        # private SDK check that raises on missing key properties: report them instead
        missing = [k for k in self._key_properties if k not in record]
        if missing:
            self.on_missing_keys(record, missing)


class SinkWiringTarget(Target):
    """A target that builds its sinks itself and sees every SCHEMA and STATE on the way.

    `add_sink` is documented as SDK-internal; the SDK would build a sink from (target, stream,
    schema, key properties) only, so sinks would have to call back into the target for
    everything else. Overriding it lets `build_sink` pass explicit collaborators.
    """

    def build_sink(
        self, stream_name: str, schema: dict, key_properties: t.Sequence[str] | None
    ) -> Sink:  # pragma: no cover - abstract
        raise NotImplementedError

    def on_schema(self, message_dict: dict) -> None:
        """Hook: a SCHEMA message was registered (its sink exists)."""

    def state_may_go_out(self) -> bool:
        """Hook: False holds a STATE message back."""
        return True

    def add_sink(
        self, stream_name: str, schema: dict, key_properties: t.Sequence[str] | None = None
    ) -> Sink:
        # the SDK's steps (build, set up, register in the private `_sinks_active`), our builder
        sink = self.build_sink(stream_name, schema, key_properties)
        sink.setup()
        self._sinks_active[stream_name] = sink
        return sink

    def all_sinks(self) -> list[Sink]:
        """Sinks retired by a schema change (not yet drained) and the active ones."""
        return [*self._sinks_to_clear, *self._sinks_active.values()]

    def has_active_sink(self, stream_name: str) -> bool:
        return stream_name in self._sinks_active

    def _process_schema_message(self, message_dict: dict) -> None:
        # the SDK's private SCHEMA handler is the one place a stream's schema is seen whole
        super()._process_schema_message(message_dict)
        self.on_schema(message_dict)

    def _write_state_message(self, state: dict) -> None:
        # private SDK emitter, called after every drain: the one place to hold state back
        if self.state_may_go_out():
            super()._write_state_message(state)
