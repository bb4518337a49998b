"""The target's edges with singer-sdk internals: all in `sdk_compat`, all still in the SDK.

An SDK upgrade that renames or drops one of the private names we rely on fails here, by name,
instead of somewhere in a run; and a private SDK name used outside `sdk_compat` fails too.
"""

from __future__ import annotations

import importlib
import pathlib
import re

import pytest
from singer_sdk import typing as th
from singer_sdk.sinks import BatchSink, Sink
from singer_sdk.target_base import Target

import target_activecampaign
from target_activecampaign.sdk_compat import PRIVATE_NAMES


class _BareSink(BatchSink):
    def process_batch(self, context: dict) -> None:
        return


class _BareTarget(Target):
    name = "target-bare"
    config_jsonschema = th.PropertiesList().to_dict()
    default_sink_class = _BareSink


def _owners() -> dict[str, object]:
    target = _BareTarget(config={}, validate_config=False)
    sink = _BareSink(
        target,
        "s",
        {"type": "object", "properties": {"id": {"type": "integer"}}},
        ["id"],
    )
    return {"Sink": Sink, "Sink()": sink, "Target": Target, "Target()": target}


@pytest.mark.parametrize(
    ("owner", "name"), PRIVATE_NAMES, ids=[f"{o}.{n}" for o, n in PRIVATE_NAMES]
)
def test_private_sdk_name_still_exists(owner: str, name: str) -> None:
    owners = _owners()
    obj = owners[owner] if owner in owners else importlib.import_module(owner)
    assert hasattr(obj, name), f"singer-sdk no longer has {owner}.{name}: update sdk_compat"


def test_no_private_sdk_name_outside_sdk_compat() -> None:
    package = pathlib.Path(target_activecampaign.__file__).parent
    names = {name for _, name in PRIVATE_NAMES}
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names)) + r")\b")
    offenders = [
        f"{path.relative_to(package)}: {match.group(1)}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "sdk_compat.py"
        for match in pattern.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
