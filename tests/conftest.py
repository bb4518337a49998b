"""Shared fixtures: a running ActiveCampaign sandbox over real HTTP.

`sandbox` is one account for the whole session (seed 1, 300 contacts, no rate limit); tests
that write to it must not assume the data is pristine (create unique emails/names) or use
`sandbox_factory` for an account of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from activecampaign_sandbox import Sandbox

TEST_TOKEN = "test-token"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(token=TEST_TOKEN, seed=1, contacts=300) as sb:
        yield sb


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., Sandbox]]:
    """Call with Sandbox(**kwargs) arguments; returns a started sandbox, stopped at teardown."""
    started: list[Sandbox] = []

    def make(**kwargs: Any) -> Sandbox:
        kwargs.setdefault("token", TEST_TOKEN)
        kwargs.setdefault("contacts", 50)
        sb = Sandbox(**kwargs).start()
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()
