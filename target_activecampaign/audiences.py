"""Audience streams: a warehouse model's contacts added to, or mirrored into, a tag or a list.

Setting `audiences` binds a stream to a tag or a list, e.g. `{"vip_customers": {"tag": "VIP",
"mode": "mirror"}}`. The stream's records are contacts (the contacts contract, loaded under
`sync_mode`); each one written also gets the tag / the subscription, riding on its bulk import.

`mirror` treats the stream as a whole snapshot. Its current members are read once before its
first write (`GET /contacts?tagid=` / `?listid=&status=1`, 100 a page, by ascending id), and
only after the input ended and every import was confirmed are the members the stream did not
name removed: tag links deleted one by one (the API has no bulk untag; the link ids come from
the members pages when the account honours `include=contactTags`, else from
`GET /contacts/{id}/contactTags` per removed contact), list members unsubscribed (status 2,
never deleted) in bulk imports. A guard refuses a mirror that would remove more than
`audience_max_removal_fraction` of the members, or empty them from an empty stream.
"""

from __future__ import annotations

import logging
import typing as t
from dataclasses import dataclass, field

from activecampaign_http import ApiClient, ApiError
from target_activecampaign.importer import FATAL, BulkImporter, Item
from target_activecampaign.mapping import Reject, clean_email, email_key
from target_activecampaign.rejects import Ledger
from target_activecampaign.resolver import PAGE, Resolver
from target_activecampaign.sinks import ContactsSink

MIRROR = "mirror"
ADD = "add"
AUDIENCE_MODES = (MIRROR, ADD)
DEFAULT_MAX_REMOVAL_FRACTION = 0.2
REMOVAL_TYPE = "audience_removal"


class AudienceConfigError(ValueError):
    """The `audiences` setting (or the tag/list it names) cannot be used: nothing is written."""


@dataclass(frozen=True)
class AudienceSpec:
    """One entry of the `audiences` setting."""

    stream: str
    kind: str  # "tag" or "list"
    name: str  # the tag name, or the list's name / stringid / id
    mode: str

    def describe(self) -> str:
        return f"audience '{self.stream}' ({self.kind} {self.name!r}, {self.mode})"


def parse_audiences(raw: t.Any) -> dict[str, AudienceSpec]:
    """Validate the `audiences` setting; every error names the audience and the key."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise AudienceConfigError(
            "setting 'audiences' must be an object: stream -> {tag|list, mode}"
        )
    specs: dict[str, AudienceSpec] = {}
    for stream, entry in raw.items():
        where = f"setting 'audiences', entry '{stream}'"
        if not isinstance(entry, dict):
            raise AudienceConfigError(
                f"{where}: must be an object like {{'tag': ..., 'mode': ...}}"
            )
        unknown = sorted(set(entry) - {"tag", "list", "mode"})
        if unknown:
            raise AudienceConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
        kinds = [k for k in ("tag", "list") if entry.get(k) not in (None, "")]
        if len(kinds) != 1:
            raise AudienceConfigError(f"{where}: give exactly one of 'tag' or 'list'")
        mode = entry.get("mode")
        if mode not in AUDIENCE_MODES:
            raise AudienceConfigError(
                f"{where}: 'mode' must be one of {', '.join(AUDIENCE_MODES)}, not {mode!r}"
            )
        name = str(entry[kinds[0]]).strip()
        specs[stream] = AudienceSpec(stream, kinds[0], name, mode)
    return specs


def check_removal_fraction(value: t.Any) -> None:
    """`audience_max_removal_fraction` must be a fraction: 0 (remove nobody) to 1 (no limit)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise AudienceConfigError(
            f"setting 'audience_max_removal_fraction' must be a number from 0 to 1, not {value!r}"
        )


def removal_refusal(
    spec: AudienceSpec, members: int, removals: int, stream_contacts: int, max_fraction: float
) -> str | None:
    """Why a mirror must remove nothing (the guard), or None when its removals may go ahead."""
    if removals == 0:
        return None
    if stream_contacts == 0:
        return (
            f"{spec.describe()}: the stream carried no contact, and an empty audience stream "
            f"never empties a {spec.kind}; {members:,} current member(s) kept, nothing removed"
        )
    if removals > max_fraction * members:
        return (
            f"{spec.describe()}: the mirror would remove {removals:,} of {members:,} current "
            f"members ({removals / members:.0%}), more than audience_max_removal_fraction "
            f"{max_fraction:g}; nothing removed"
        )
    return None


@dataclass
class AudienceState:
    """One audience stream through the run: who it named, who was a member, what changed."""

    spec: AudienceSpec
    target_id: str | None = None  # tag id (None: the tag does not exist yet) or list id
    members: dict[str, str] | None = None  # email key -> contact id, read before any write
    links: dict[str, list[str]] = field(default_factory=dict)  # contact id -> link ids (tags)
    links_sideloaded: bool = False  # every members page carried `contactTags`
    unsubscribed: set[str] | None = None  # email keys that left the list (lists only)
    prepared: bool = False
    named: set[str] = field(default_factory=set)  # email keys of the stream's valid records
    sent: set[str] = field(default_factory=set)  # handed to the importer (or would be)
    confirmed: set[str] = field(default_factory=set)  # written, tag/subscription included
    removed: int = 0
    removal_failures: list[dict[str, t.Any]] = field(default_factory=list)
    refusal: str | None = None
    finished: bool = False


class RemovalLedger(Ledger):
    """Outcomes of list removals (not input records): counted, reasons kept in memory."""

    def __init__(self) -> None:
        super().__init__(None)
        self.failures: list[dict[str, t.Any]] = []

    def reject(self, stream, record, reason, api_error=None, object_type=None) -> None:
        super().reject(stream, record, reason, api_error, object_type)
        self.failures.append({"email": (record or {}).get("email"), "reason": reason})


class Audiences:
    """Every audience of one run: membership reads, per-record extras, removals, summary."""

    def __init__(
        self,
        specs: t.Mapping[str, AudienceSpec],
        client: ApiClient,
        resolver: Resolver,
        importer: BulkImporter,
        logger: logging.Logger,
        *,
        dry_run: bool = False,
        max_removal_fraction: float = DEFAULT_MAX_REMOVAL_FRACTION,
    ) -> None:
        self.specs = dict(specs)
        self.client = client
        self.resolver = resolver
        self.importer = importer
        self.logger = logger
        self.dry_run = dry_run
        self.max_removal_fraction = max_removal_fraction
        self.states: dict[str, AudienceState] = {}
        self.requests = {"member_pages": 0, "link_reads": 0, "link_deletes": 0}
        self.removal_imports: dict[str, int] = {}

    def __contains__(self, stream: str) -> bool:
        return stream in self.specs

    @property
    def refused(self) -> list[str]:
        return [s.refusal for s in self.states.values() if s.refusal]

    def state(self, stream: str) -> AudienceState:
        if stream not in self.states:
            self.states[stream] = AudienceState(self.specs[stream])
        return self.states[stream]

    # -- before the first write: where to add, and (mirror) who is a member now ----------------

    def prepare(self, stream: str) -> AudienceState:
        """Resolve the tag/list and, for a mirror, read its current members (once)."""
        state = self.state(stream)
        if state.prepared:
            return state
        state.prepared = True
        spec = state.spec
        if spec.kind == "list":
            try:
                state.target_id = self.resolver.list_id(spec.name)
            except Reject as exc:
                raise AudienceConfigError(f"{spec.describe()}: {exc}; nothing written") from exc
        else:
            try:
                state.target_id = self.resolver.tag_id(spec.name, create=False)
            except Reject:
                state.target_id = None  # the bulk import creates it; nobody carries it yet
        if spec.mode == MIRROR:
            self._read_members(state)
            for key, contact_id in (state.members or {}).items():
                self.resolver.remember_contact(key, contact_id)
        if spec.kind == "list" and state.unsubscribed is None:
            self._read_unsubscribed(state)
        return state

    def _read_members(self, state: AudienceState) -> None:
        """Members now, by ascending id; a tag's link ids too when the pages sideload them."""
        state.members = {}
        if state.target_id is None:
            return
        spec = state.spec
        if spec.kind == "tag":
            base = {"tagid": state.target_id, "include": "contactTags"}
        else:
            base = {"listid": state.target_id, "status": 1}
        sideloaded = spec.kind == "tag"
        pages = 0
        for body in self._contact_pages(base):
            pages += 1
            for row in body.get("contacts") or []:
                if row.get("email"):
                    state.members[email_key(str(row["email"]))] = str(row["id"])
            if spec.kind == "tag":
                links = body.get("contactTags")
                if isinstance(links, list):
                    self._note_links(state, links)
                elif body.get("contacts"):
                    sideloaded = False
        state.links_sideloaded = sideloaded
        self.logger.info(
            "%s: %d current member(s) read in %d request(s)%s",
            spec.describe(),
            len(state.members),
            pages,
            " (tag links sideloaded)" if sideloaded and spec.kind == "tag" else "",
        )

    def _read_unsubscribed(self, state: AudienceState) -> None:
        """Who left the list: a bulk import never subscribes them again (the API's rule)."""
        state.unsubscribed = set()
        for body in self._contact_pages({"listid": state.target_id, "status": 2}):
            for row in body.get("contacts") or []:
                if row.get("email"):
                    state.unsubscribed.add(email_key(str(row["email"])))

    def _contact_pages(self, filters: dict[str, t.Any]) -> t.Iterator[dict]:
        """`GET /contacts` pages for these filters, 100 each, keyset by id (documented fast path).

        An account that refuses `include` is asked again without it.
        """
        base = {**filters, "orders[id]": "ASC", "limit": PAGE}
        last_id, read, total = 0, 0, None
        while True:
            params = {**base, **({"id_greater": last_id} if last_id else {})}
            resp = self.client.request("GET", "contacts", params=params, ok_statuses=(400,))
            self.requests["member_pages"] += 1
            if resp.status_code == 400 and "include" in base:
                base.pop("include")
                continue
            if resp.status_code >= 300:
                raise ApiError(resp.status_code, "GET", "contacts", resp.ac_json)
            body = resp.ac_json or {}
            rows = body.get("contacts") or []
            if total is None:
                meta_total = (body.get("meta") or {}).get("total")
                total = int(meta_total) if str(meta_total or "").isdigit() else None
            yield body
            read += len(rows)
            if rows:
                last_id = int(rows[-1]["id"])
            if len(rows) < PAGE or (total is not None and read >= total):
                return

    @staticmethod
    def _note_links(state: AudienceState, links: list[t.Any]) -> None:
        for link in links:
            if isinstance(link, dict) and str(link.get("tag")) == str(state.target_id):
                state.links.setdefault(str(link.get("contact")), []).append(str(link["id"]))

    # -- per record --------------------------------------------------------------------------

    def named(self, stream: str, email: str) -> None:
        """The stream named this contact (whatever then happens to the record)."""
        self.state(stream).named.add(email_key(email))

    def extend_entry(self, stream: str, entry: dict[str, t.Any]) -> t.Callable[[], None]:
        """Add the tag / subscription to an import entry; returns the on-confirmed callback."""
        state = self.state(stream)
        key = email_key(entry["email"])
        if state.spec.kind == "tag":
            tags = entry.setdefault("tags", [])
            if state.spec.name.casefold() not in {x.casefold() for x in tags}:
                tags.append(state.spec.name)
        else:
            subs = entry.setdefault("subscribe", [])
            if all(str(s.get("listid")) != str(state.target_id) for s in subs):
                subs.append({"listid": int(str(state.target_id))})
            entry["unsubscribe"] = [
                u for u in entry.get("unsubscribe", []) if str(u.get("listid")) != state.target_id
            ]
            if not entry["unsubscribe"]:
                entry.pop("unsubscribe")
        state.sent.add(key)
        return lambda: state.confirmed.add(key)

    # -- end of input: removals ----------------------------------------------------------------

    def finish(self) -> None:
        """After every import is confirmed: remove from each mirror whom its stream left out."""
        for stream in list(self.states):
            state = self.states[stream]
            left = state.sent & (state.unsubscribed or set())
            if left:
                self.logger.warning(
                    "%s: %d contact(s) of the stream had unsubscribed from the list; an import "
                    "never subscribes them again (ActiveCampaign's rule), so they stay out",
                    state.spec.describe(),
                    len(left),
                )
            if state.spec.mode != MIRROR or state.finished:
                continue
            state.finished = True
            self.prepare(stream)  # a stream with no record at all was never prepared
            members = state.members or {}
            leaving = {k: cid for k, cid in members.items() if k not in state.named}
            state.refusal = removal_refusal(
                state.spec, len(members), len(leaving), len(state.named), self.max_removal_fraction
            )
            if state.refusal:
                self.logger.error("Audience guard: %s", state.refusal)
                continue
            if self.dry_run or not leaving:
                state.removed = len(leaving)  # dry run: would remove
                continue
            if state.spec.kind == "tag":
                self._untag(state, leaving)
            else:
                self._unsubscribe(state, leaving)
            self.logger.info(
                "%s: removed %d member(s), %d removal(s) failed",
                state.spec.describe(),
                state.removed,
                len(state.removal_failures),
            )

    def _untag(self, state: AudienceState, leaving: dict[str, str]) -> None:
        """One DELETE per link (no bulk untag); link ids sideloaded, else read per contact."""
        for key, contact_id in leaving.items():
            try:
                link_ids = state.links.get(contact_id)
                if link_ids is None:  # not sideloaded (or not for this contact): ask
                    self.requests["link_reads"] += 1
                    body = self.client.get_json(f"contacts/{contact_id}/contactTags") or {}
                    link_ids = [
                        str(link["id"])
                        for link in body.get("contactTags") or []
                        if str(link.get("tag")) == str(state.target_id)
                    ]
                for link_id in link_ids or []:
                    self.requests["link_deletes"] += 1
                    self.client.request("DELETE", f"contactTags/{link_id}", ok_statuses=(404,))
            except FATAL:
                raise
            except ApiError as exc:
                state.removal_failures.append({"email": key, "reason": str(exc)})
                continue
            state.removed += 1

    def _unsubscribe(self, state: AudienceState, leaving: dict[str, str]) -> None:
        """Status 2: `POST /contactLists` each when that is cheap, else bulk `unsubscribe`."""
        main = self.importer
        if len(leaving) <= main.sync_max_requests:
            for key, contact_id in leaving.items():
                body = {"list": state.target_id, "contact": contact_id, "status": 2}
                try:
                    self.client.request("POST", "contactLists", json={"contactList": body})
                except FATAL:
                    raise
                except ApiError as exc:
                    state.removal_failures.append({"email": key, "reason": str(exc)})
                    continue
                state.removed += 1
            return
        ledger = RemovalLedger()
        remover = BulkImporter(
            self.client,
            self.resolver,
            ledger,
            self.logger,
            max_pending_imports=main.max_pending,
            sync_max_requests=main.sync_max_requests,
            exclude_automations=main.exclude_automations,
        )
        remover.window = main.window  # one per-minute import budget for the whole run
        stream = state.spec.stream
        listid = int(str(state.target_id))
        items = [
            Item(
                {"email": key, "unsubscribe": [{"listid": listid}]},
                [(stream, REMOVAL_TYPE, {"email": key})],
            )
            for key in leaving
        ]
        remover.add(items)
        remover.flush()
        state.removed = ledger.counts[stream]["written"]
        state.removal_failures.extend(ledger.failures)
        self.removal_imports[stream] = remover.stats["imports"] + remover.stats["info_polls"]

    # -- reporting ---------------------------------------------------------------------------

    def summary(self, ledger: Ledger) -> dict[str, t.Any]:
        """Per audience: added, removed, skipped by mode, rejected (and why nothing was removed)."""
        out: dict[str, t.Any] = {}
        for stream, spec in sorted(self.specs.items()):
            state = self.states.get(stream)
            counts = ledger.counts.get(stream) or {}
            row: dict[str, t.Any] = {spec.kind: spec.name, "mode": spec.mode}
            if state is None:
                row["note"] = "stream not in the input: nothing changed"
                out[stream] = row
                continue
            joined = state.sent if self.dry_run else state.confirmed
            before = state.members
            row["records"] = sum(
                counts.get(k, 0) for k in ("written", "would_write", "skipped", "rejected")
            )
            stayed_out = joined & (state.unsubscribed or set())
            joined = joined - stayed_out
            row["added"] = len(joined - set(before)) if before is not None else len(joined)
            if spec.kind == "list":
                row["not_resubscribed"] = len(stayed_out)
            if before is not None:
                row["already_members"] = len(joined & set(before))
                row["members_before"] = len(before)
            row["removed"] = state.removed
            row["removal_failed"] = len(state.removal_failures)
            row["skipped"] = counts.get("skipped", 0)
            row["rejected"] = counts.get("rejected", 0)
            if state.removal_failures:
                row["removal_failures"] = state.removal_failures[:20]
            if state.refusal:
                row["refused"] = state.refusal
            out[stream] = row
        return out


def summary_line(stream: str, row: t.Mapping[str, t.Any], dry_run: bool) -> str:
    """One readable line per audience for the log (the Summary JSON has every count)."""
    kind = "tag" if "tag" in row else "list"
    head = f"Audience '{stream}' ({kind} {row.get(kind)!r}, {row.get('mode')})"
    if "records" not in row:
        return f"{head}: {row.get('note')}"
    would = "would be " if dry_run else ""
    parts = [
        f"{row['records']} record(s)",
        f"{row['added']} {would}added",
        f"{row['removed']} {would}removed",
        f"{row['skipped']} skipped by sync_mode",
        f"{row['rejected']} rejected",
    ]
    if row.get("not_resubscribed"):
        parts.append(f"{row['not_resubscribed']} not re-subscribed")
    if row.get("removal_failed"):
        parts.append(f"{row['removal_failed']} removal(s) failed")
    if row.get("refused"):
        parts.append("removals REFUSED by the guard")
    return f"{head}: " + ", ".join(parts)


class AudienceSink(ContactsSink):
    """An audience stream: contacts (sync_mode applies) that also join the tag or list."""

    def setup(self) -> None:
        """The stream was announced: even with no record it is a (empty) snapshot."""
        super().setup()
        self.run.audiences.state(self.stream_name)

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
