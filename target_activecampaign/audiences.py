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
never deleted) by contact id (`POST /contactLists`: a removal never creates a contact). A guard
refuses a mirror that would remove more than `audience_max_removal_fraction` of the members,
empty them from an empty stream, or remove anyone while an add of the stream is unconfirmed.
"""

from __future__ import annotations

import logging
import typing as t
from dataclasses import dataclass, field

from activecampaign_http import ApiClient, ApiError
from target_activecampaign.importer import FATAL
from target_activecampaign.rejects import Ledger, Reject
from target_activecampaign.resolver import Resolver
from target_activecampaign.values import email_key

MIRROR = "mirror"
ADD = "add"
AUDIENCE_MODES = (MIRROR, ADD)
DEFAULT_MAX_REMOVAL_FRACTION = 0.2
NO_EMAIL = "#no-email:"  # member key of a contact without an email: the stream cannot name it


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
    check_overlaps(specs.values(), lambda spec: spec.name.casefold())
    return specs


def check_overlaps(specs: t.Iterable[AudienceSpec], target_of: t.Callable[[AudienceSpec], t.Any]):
    """Two audiences on one tag/list would remove each other's contacts when one mirrors."""
    seen: dict[tuple[str, t.Any], AudienceSpec] = {}
    for spec in specs:
        key = (spec.kind, target_of(spec))
        if key[1] is None:
            continue
        other = seen.setdefault(key, spec)
        if other is not spec and MIRROR in (spec.mode, other.mode):
            raise AudienceConfigError(
                f"setting 'audiences': {other.describe()} and {spec.describe()} target the same "
                f"{spec.kind}; a mirror would remove the other's contacts: give each its own "
                f"{spec.kind}"
            )


def check_removal_fraction(value: t.Any) -> None:
    """`audience_max_removal_fraction` must be a fraction: 0 (remove nobody) to 1 (no limit)."""
    removal_fraction(value)


def removal_fraction(value: t.Any) -> float:
    """The setting as a float: a number, or a numeric string (Meltano passes it as a string)."""
    if value is None or value == "":
        return DEFAULT_MAX_REMOVAL_FRACTION
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not 0 <= number <= 1:
        raise AudienceConfigError(
            f"setting 'audience_max_removal_fraction' must be a number from 0 to 1, not {value!r}"
        )
    return number


def removal_refusal(
    spec: AudienceSpec,
    members: int,
    removals: int,
    stream_contacts: int,
    max_fraction: float,
    unconfirmed: int = 0,
) -> str | None:
    """Why a mirror must remove nothing (the guard), or None when its removals may go ahead."""
    if removals == 0:
        return None
    if unconfirmed:
        return (
            f"{spec.describe()}: {unconfirmed:,} add(s) of the stream were not confirmed (refused "
            f"or failed), so the snapshot is not in place: adds not confirmed; {removals:,} "
            f"removal(s) of {members:,} current members not made, nothing removed"
        )
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
    members: dict[str, str] | None = None  # email key (or NO_EMAIL+id) -> contact id
    links: dict[str, list[str]] = field(default_factory=dict)  # contact id -> link ids (tags)
    links_sideloaded: bool = False  # every members page carried `contactTags`
    unsubscribed: set[str] | None = None  # email keys that left the list (lists only)
    prepared: bool = False
    named: set[str] = field(default_factory=set)  # email keys of the stream's valid records
    sent: set[str] = field(default_factory=set)  # handed to the importer (or would be)
    confirmed: set[str] = field(default_factory=set)  # written, tag/subscription included
    removed: int = 0
    gone: int = 0  # members deleted from the account before their removal
    removal_failures: list[dict[str, t.Any]] = field(default_factory=list)
    refusal: str | None = None
    finished: bool = False


class Audiences:
    """Every audience of one run: membership reads, per-record extras, removals, summary."""

    def __init__(
        self,
        specs: t.Mapping[str, AudienceSpec],
        client: ApiClient,
        resolver: Resolver,
        logger: logging.Logger,
        *,
        dry_run: bool = False,
        max_removal_fraction: float = DEFAULT_MAX_REMOVAL_FRACTION,
    ) -> None:
        self.specs = dict(specs)
        self.client = client
        self.resolver = resolver
        self.logger = logger
        self.dry_run = dry_run
        self.max_removal_fraction = max_removal_fraction
        self.states: dict[str, AudienceState] = {}
        self.requests = {"member_pages": 0, "link_reads": 0, "link_deletes": 0}

    def check_list_overlaps(self) -> None:
        """Lists named differently may be one list (name, stringid, id): compare resolved ids."""
        lists = [s for s in self.specs.values() if s.kind == "list"]
        if len(lists) < 2 or all(s.mode != MIRROR for s in lists):
            return

        def resolved(spec: AudienceSpec) -> str | None:
            try:
                return self.resolver.list_id(spec.name)
            except Reject:
                return None  # unknown: its own stream says so before writing anything

        check_overlaps(lists, resolved)

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
                if not key.startswith(NO_EMAIL):
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
                # a member without an email is not in the snapshot (nobody can name it)
                cid = str(row["id"])
                key = email_key(str(row["email"])) if row.get("email") else NO_EMAIL + cid
                state.members[key] = cid
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
        for body in self.resolver.iter_contacts(filters):
            self.requests["member_pages"] += 1
            yield body

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
            unconfirmed = 0 if self.dry_run else len(state.sent - state.confirmed)
            state.refusal = removal_refusal(
                state.spec,
                len(members),
                len(leaving),
                len(state.named),
                self.max_removal_fraction,
                unconfirmed,
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
        for contact_id in leaving.values():
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
                state.removal_failures.append({"contact": contact_id, "reason": str(exc)})
                continue
            state.removed += 1

    def _unsubscribe(self, state: AudienceState, leaving: dict[str, str]) -> None:
        """Status 2 by contact id, one `POST /contactLists` each.

        Never by email: a bulk import or contact/sync of an email that no longer exists (deleted
        since the members were read) would create the contact.
        """
        for contact_id in leaving.values():
            body = {"list": state.target_id, "contact": contact_id, "status": 2}
            try:
                resp = self.client.request(
                    "POST", "contactLists", json={"contactList": body}, ok_statuses=(404,)
                )
            except FATAL:
                raise
            except ApiError as exc:
                state.removal_failures.append({"contact": contact_id, "reason": str(exc)})
                continue
            if resp.status_code == 404:
                state.gone += 1  # deleted since the members were read: not a member any more
                continue
            state.removed += 1

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
            if state.gone:
                row["gone"] = state.gone
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
