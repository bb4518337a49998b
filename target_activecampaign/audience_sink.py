"""The sink of an audience stream: contacts (sync_mode applies) that also join a tag or list.

Kept apart from `audiences` (membership, removals, summary) so that module needs no sink.
"""

from __future__ import annotations

import typing as t

from target_activecampaign.rejects import Reject
from target_activecampaign.sinks import ContactsSink
from target_activecampaign.values import clean_email


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
