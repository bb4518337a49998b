"""Reading the Singer input: line numbers in every error, and a clean stop on a malformed line.

The SDK's reader names no line when one is malformed; ours does, and before stopping lets the
target finish what the lines before it asked for (so state and the rejects file agree with what
was written).
"""

from __future__ import annotations

import json
import typing as t
from collections import Counter

from singer_sdk.exceptions import MissingKeyPropertiesError, RecordsWithoutSchemaException
from singer_sdk.io_base import SingerReader
from singer_sdk.singerlib.exceptions import InvalidInputLine

from target_activecampaign.routing import UnknownStreamError


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
