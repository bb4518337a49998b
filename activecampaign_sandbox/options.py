"""Every setting of a sandbox, with its one default and its help text.

The same settings reach a sandbox three ways: `Sandbox(...)` in process, the CLI's
`activecampaign-sandbox serve --flag`, and `SandboxProcess(...)`, which launches that CLI. They
used to be restated in each place, and drifted; now the CLI flags are built from these fields
and the launcher writes back the flags of the fields it was given, so a new setting is one
field here. Stdlib only: the launcher runs in every virtualenv of the project.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

FILTER_TIME_READINGS = ("offset", "account_wall_time")


def _opt(default: Any, help: str, **cli: Any) -> Any:
    return field(default=default, metadata={"help": help, **cli})


@dataclass
class SandboxOptions:
    """What one sandbox serves and how it behaves (each field is a `serve` flag)."""

    host: str = _opt("127.0.0.1", "the address to listen on")
    port: int = _opt(0, "0 picks a free port (printed first)")
    token: str = _opt("test-token", "the Api-Token clients must send")
    seed: int = _opt(1, "seed of the generated account data")
    contacts: int = _opt(
        200,
        "number of generated contacts (the `serve` command defaults to 10000, a demo account)",
        serve_default=10000,
    )
    rate: float | None = _opt(None, "requests/second (off by default)")
    rate_others: float = _opt(
        0.0, "requests/second the account's other integrations spend from the same --rate"
    )
    rate_penalty_s: float = _opt(
        0.0, "a request over --rate refuses the whole account this long (Retry-After)"
    )
    rate_503: float = _opt(
        0.0, "fraction of rate-limit refusals answered by a 503 page instead of a 429"
    )
    latency_ms: float = _opt(0.0, "latency added to every answer")
    fail: float = _opt(0.0, "fraction of requests faulted")
    stall_s: float = _opt(2.5, "length of a stall fault")
    lost: float = _opt(
        0.0, "fraction of writes applied whose answer is then lost (connection dropped)"
    )
    import_delay_s: float = _opt(0.2, "delay before a bulk import batch is processed")
    import_false_window_s: float = _opt(
        0.5, 'GET /import/info answers "status": false this long after a batch is submitted'
    )
    filter_time_reading: str = _opt(
        "offset",
        "how date filter values are read: honour their offset, or the account's wall time",
        choices=FILTER_TIME_READINGS,
    )
    list_includes: Sequence[str] | None = _opt(
        None, "comma-separated include= values GET /contacts honours (default: all supported)"
    )
    link_writes_bump_contact_udate: bool = _opt(
        False, "writes to a contact's tags, lists, field values... also stamp its udate"
    )

    def server_settings(self) -> dict[str, Any]:
        """The settings the HTTP layer applies (limiter, latency, faults)."""
        keys = ("rate", "latency_ms", "fail", "stall_s", "lost")
        keys += ("rate_others", "rate_penalty_s", "rate_503")
        return {k: getattr(self, k) for k in keys}

    def capture_settings(self) -> dict[str, Any]:
        """The settings the account's read and write semantics take."""
        keys = ("filter_time_reading", "list_includes", "link_writes_bump_contact_udate")
        return {k: getattr(self, k) for k in keys}

    def argv(self, skip: tuple[str, ...] = ()) -> list[str]:
        """`serve` flags for every field (but `skip`) that differs from the flag's default."""
        out: list[str] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in skip:
                continue
            if value == f.metadata.get("serve_default", f.default):
                continue
            flag = "--" + f.name.replace("_", "-")
            if isinstance(value, bool):
                out += [flag] if value else []
            elif isinstance(value, (list, tuple)):
                out += [flag, ",".join(value)]
            elif value is not None:
                out += [flag, str(value)]
        return out


def option_attribute(options: SandboxOptions | None, name: str) -> Any:
    """A setting of `options` by name, for the launchers' attribute access to their settings."""
    if options is None or name not in _FIELD_NAMES:
        raise AttributeError(name)
    return getattr(options, name)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per `SandboxOptions` field, with its default and help."""
    for f in fields(SandboxOptions):
        assert f.default is not MISSING
        flag = "--" + f.name.replace("_", "-")
        default = f.metadata.get("serve_default", f.default)
        help_text = f.metadata["help"]
        if f.type == "bool":
            parser.add_argument(flag, action="store_true", help=help_text)
        elif f.name == "list_includes":
            parser.add_argument(flag, type=_comma_list, default=default, help=help_text)
        else:
            kind = {"int": int, "float": float, "float | None": float}.get(str(f.type), str)
            extra = {"choices": f.metadata["choices"]} if "choices" in f.metadata else {}
            parser.add_argument(flag, type=kind, default=default, help=help_text, **extra)


def from_arguments(args: argparse.Namespace) -> SandboxOptions:
    return SandboxOptions(**{f.name: getattr(args, f.name) for f in fields(SandboxOptions)})


def _comma_list(raw: str) -> list[str]:
    return raw.split(",")


_FIELD_NAMES = frozenset(f.name for f in fields(SandboxOptions))
