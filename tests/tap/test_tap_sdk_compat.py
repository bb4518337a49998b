"""Every private singer-sdk name the tap uses still exists in the installed SDK.

The tap keeps them all in ``tap_activecampaign.sdk_compat``; an SDK upgrade that renames or
drops one fails here, naming it, instead of silently taking a slower or wrong path.
"""

from __future__ import annotations

import importlib
import inspect
import pathlib
import re

import pytest
import singer_sdk

from tap_activecampaign import sdk_compat
from tap_activecampaign.client import ActiveCampaignStream


def _owner(path: str) -> object:
    module, _, attr = path.rpartition(".")
    if path.startswith("singer_sdk.helpers."):
        return importlib.import_module(path)
    return getattr(importlib.import_module(module), attr)


def _has_private(owner: object, name: str) -> bool:
    """A module attribute, a class attribute, or an instance attribute the class's
    ``__init__`` (or a method of its hierarchy) assigns as ``self.<name>``."""
    if hasattr(owner, name):
        return True
    if not inspect.isclass(owner):
        return False
    assigned = re.compile(rf"self\.{re.escape(name)}\s*(:[^=\n]*)?=")
    return any(assigned.search(inspect.getsource(cls)) for cls in owner.__mro__[:-1])


@pytest.mark.parametrize(("owner", "name"), sdk_compat.PRIVATE_NAMES)
def test_private_name_exists_in_installed_sdk(owner: str, name: str) -> None:
    assert _has_private(_owner(owner), name), f"singer-sdk {singer_sdk.__version__}: {owner}.{name}"


#: The SDK's private stream hooks the mixin overrides (the others it only calls or reads).
OVERRIDDEN = [
    name
    for owner, name in sdk_compat.PRIVATE_NAMES
    if owner == "singer_sdk.Stream" and name in vars(sdk_compat.StreamSdkEdges)
]


def test_the_mixin_overrides_the_hot_path_hooks() -> None:
    assert set(OVERRIDDEN) == {
        "_write_record_message",
        "_generate_record_messages",
        "_increment_stream_state",
    }


@pytest.mark.parametrize("hook", OVERRIDDEN)
def test_overridden_hooks_are_sdk_methods(hook: str) -> None:
    """A hook the mixin overrides is still a method the SDK calls by that name, with the same
    parameters (else our override would silently stop running)."""
    ours = getattr(sdk_compat.StreamSdkEdges, hook)
    theirs = getattr(singer_sdk.Stream, hook)
    assert list(inspect.signature(ours).parameters) == list(inspect.signature(theirs).parameters), (
        hook
    )


def test_base_stream_takes_the_overrides_before_the_sdk() -> None:
    """The mixin stands ahead of the SDK's stream in the base stream's MRO."""
    mro = ActiveCampaignStream.__mro__
    assert mro.index(sdk_compat.StreamSdkEdges) < mro.index(singer_sdk.Stream)
    for hook in ("_write_record_message", "_increment_stream_state", "_generate_record_messages"):
        assert getattr(ActiveCampaignStream, hook) is getattr(sdk_compat.StreamSdkEdges, hook)


def test_no_private_sdk_use_outside_sdk_compat() -> None:
    """No other tap module imports a private SDK module or touches a listed private name."""
    package = pathlib.Path(sdk_compat.__file__).parent
    names = [name for _, name in sdk_compat.PRIVATE_NAMES if name.startswith("_")]
    used = re.compile(r"singer_sdk\.helpers\._|\.(" + "|".join(names) + r")\b")
    offenders = [
        f"{path.relative_to(package)}: {match.group(0)}"
        for path in sorted(package.rglob("*.py"))
        if path.name != "sdk_compat.py"
        for match in used.finditer(path.read_text())
    ]
    assert not offenders
