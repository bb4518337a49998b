"""The sandbox's own tests use a private read-mostly account, so writes made by other test
packages to the session-wide `sandbox` never change what these tests expect."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from activecampaign_sandbox import Sandbox


@pytest.fixture(scope="package")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(token="test-token", seed=1, contacts=300) as sb:
        yield sb
