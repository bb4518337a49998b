"""Sinks that write nothing: reference streams (learnt for id translation) and ignored streams.

Our tap's configuration streams (lists, fields, pipelines, users, ...) describe the source
account; the target learns from them what each source id stands for (see `translate`) and
counts them. Streams bound to `ignore` are only counted.
"""

from __future__ import annotations

from target_activecampaign.sinks.base import ActiveCampaignSink


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
