"""One run of the target: the objects every sink shares, built from the config by `build_run`.

The target builds the run on the first SCHEMA (so `--about` needs no network) and hands it to
each sink it builds; sinks read what they need from it and never call back into the target.
`Spill` is where records wait, on disk, for ids the input describes later.
"""

from __future__ import annotations

import json
import logging
import tempfile
import typing as t
from dataclasses import dataclass, field

from activecampaign_http import ApiClient
from activecampaign_http.settings import client_from_config
from target_activecampaign.audiences import Audiences, AudienceSpec, removal_fraction
from target_activecampaign.importer import BulkImporter
from target_activecampaign.refs import References
from target_activecampaign.rejects import Ledger
from target_activecampaign.resolver import Resolver
from target_activecampaign.sync_mode import UPSERT, SyncGate
from target_activecampaign.translate import IdTranslator

DEFAULT_REJECTS_FILE = "target-activecampaign-rejects.jsonl"


@dataclass
class RunContext:
    """Everything the sinks of one run share: client, caches, translation, ledger."""

    client: ApiClient
    create_client: ApiClient  # no automatic retries: creates are retried only after a re-check
    resolver: Resolver
    translator: IdTranslator
    refs: References  # translate a source id, then resolve it in this account
    ledger: Ledger
    importer: BulkImporter
    config: t.Mapping[str, t.Any]
    sync: SyncGate  # sync_mode (contacts, accounts, deals)
    audiences: Audiences  # the run's audience streams (none configured: an empty one)
    dry_run: bool = False
    user_id: str | None = None  # the API token's user: owner of new deals that name none
    final_pass: bool = False  # the input has ended: what waits for ids is written or rejected
    deal_keys: dict[str, str] | None = None  # source key -> destination deal id
    claimed_deals: set[str] = field(default_factory=set)  # deals written this run
    notes_seen: set[tuple[str, str, str]] | None = None

    @property
    def null_clears(self) -> bool:
        return bool(self.config.get("null_clears_fields", False))


def build_run(
    config: t.Mapping[str, t.Any],
    *,
    audience_specs: t.Mapping[str, AudienceSpec],
    user_agent: str,
    logger: logging.Logger,
) -> RunContext:
    """Authenticate (a bad token fails here, before anything is written) and wire the run."""
    client = client_from_config(config, default_user_agent=user_agent, logger=logger)
    me = client.check_auth()
    create_client = client_from_config(
        config, default_user_agent=user_agent, logger=logger, max_retries=0
    )
    dry_run = bool(config.get("dry_run", False))
    ledger = Ledger(config.get("rejects_file", DEFAULT_REJECTS_FILE))
    resolver = Resolver(client, dry_run=dry_run, logger=logger)
    translator = IdTranslator(config.get("id_translation") or "auto")
    importer = BulkImporter(
        client,
        resolver,
        ledger,
        logger,
        dry_run=dry_run,
        max_pending_imports=int(config.get("max_pending_imports") or 20),
        imports_per_minute=int(config.get("imports_per_minute") or 95),
        sync_max_requests=int(
            config.get("sync_max_requests") if config.get("sync_max_requests") is not None else 10
        ),
        exclude_automations=bool(config.get("exclude_automations", False)),
    )
    audiences = Audiences(
        dict(audience_specs),
        client,
        resolver,
        logger,
        dry_run=dry_run,
        max_removal_fraction=removal_fraction(config.get("audience_max_removal_fraction")),
    )
    audiences.check_list_overlaps()  # one list named two ways: stop before any write
    run = RunContext(
        client=client,
        create_client=create_client,
        resolver=resolver,
        translator=translator,
        refs=References(translator, resolver, client, dry_run=dry_run),
        ledger=ledger,
        importer=importer,
        config=dict(config),
        sync=SyncGate(config.get("sync_mode") or UPSERT, resolver),
        dry_run=dry_run,
        user_id=str(me["id"]) if me.get("id") is not None else None,
        audiences=audiences,
    )
    if dry_run:
        logger.info("Dry run: nothing will be written.")
    return run


class Spill:
    """Records set aside on disk (not in memory) until the input has described their ids."""

    def __init__(self) -> None:
        self._fh: t.IO[str] | None = None
        self.count = 0

    def add(self, record: dict) -> None:
        if self._fh is None:
            self._fh = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self._fh.write(json.dumps(record, default=str) + "\n")
        self.count += 1

    def take(self, chunk: int) -> t.Iterator[list[dict]]:
        """Every record set aside so far, in chunks; the spill is empty afterwards."""
        fh, self._fh, self.count = self._fh, None, 0
        if fh is None:
            return
        with fh:
            fh.seek(0)
            batch: list[dict] = []
            for line in fh:
                batch.append(json.loads(line))
                if len(batch) >= chunk:
                    yield batch
                    batch = []
            if batch:
                yield batch
