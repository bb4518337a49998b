"""Source-id translation for round trips (another account's ids -> natural keys).

Our tap emits API-shaped streams keyed by the *source* account's ids: a `contact_tags` row says
`{"contact": "12", "tag": "3"}`. Those ids mean nothing in the destination account. While the
target reads its input it learns, from the reference streams in the same input, what each source
id stands for (contact 12 = ann@example.com, tag 3 = "vip", field 7 = %PLAN%, ...). Writers then
look the natural key up and resolve it in the destination. The maps are per run and in memory;
only the contact map grows with the input (one email per contact that carries an id).
"""

from __future__ import annotations

import typing as t

from target_activecampaign.rejects import Reject
from target_activecampaign.values import email_key, first_of, is_id

MODES = ("auto", "on", "off")

#: which id space each object type's records teach, and how to read the natural key
SPACE_OF_TYPE = {
    "contacts": "contact",
    "tags": "tag",
    "lists": "list",
    "fields": "field",
    "accounts": "account",
    "deal_pipelines": "pipeline",
    "deal_stages": "stage",
    "users": "user",
    "account_custom_fields": "account_field",
    "deal_custom_fields": "deal_field",
    "connections": "connection",
    "ecom_customers": "ecom_customer",
    "custom_object_schemas": "schema",
    "deals": "deal",
}


def natural_key(object_type: str, record: t.Mapping[str, t.Any]) -> t.Any:
    """What a source record of this type is called in any account (None if unknown)."""
    if object_type == "contacts":
        email = record.get("email")
        return email_key(email) if isinstance(email, str) and email.strip() else None
    if object_type == "tags":
        return first_of(record, ("tag", "name"))
    if object_type == "lists":
        name = first_of(record, ("name",))
        stringid = first_of(record, ("stringid",))
        return (stringid, name) if (name or stringid) else None
    if object_type == "fields":
        return first_of(record, ("perstag", "title"))
    if object_type == "accounts":
        return first_of(record, ("name",))
    if object_type == "deal_pipelines":
        return first_of(record, ("title", "name"))
    if object_type == "deal_stages":
        title = first_of(record, ("title", "name"))
        group = first_of(record, ("group", "pipeline"))
        return (str(group) if group is not None else None, title) if title else None
    if object_type == "users":
        return first_of(record, ("username", "email"))
    if object_type in ("account_custom_fields", "deal_custom_fields"):
        return first_of(record, ("fieldLabel", "title", "label"))
    if object_type == "connections":
        service = first_of(record, ("service",))
        ext = first_of(record, ("externalid", "externalId"))
        return (service, ext) if (service or ext) else None
    if object_type == "ecom_customers":
        ext = first_of(record, ("externalid", "externalId"))
        conn = first_of(record, ("connectionid", "connection"))
        return (str(conn) if conn is not None else None, ext) if ext else None
    if object_type == "custom_object_schemas":
        return first_of(record, ("slug",))
    if object_type == "deals":
        return str(record["id"]) if record.get("id") is not None else None
    return None


class Untranslated(Reject):
    """A source id the input has not described (yet): deferred to the end of input first."""


#: streams only another account's export carries: seeing one settles `auto` to "on"
EXPORT_ONLY_TYPES = frozenset(
    {
        "lists",
        "fields",
        "users",
        "deal_pipelines",
        "deal_stages",
        "account_custom_fields",
        "deal_custom_fields",
        "connections",
        "custom_object_schemas",
    }
)


class IdTranslator:
    """Per-run maps from source ids to natural keys, learnt from the input itself.

    Whether ids in the input are another account's is one decision per run: `on` (always),
    `off` (never) or `auto` (default). `auto` starts undecided and settles on "on" as soon as
    the input carries a stream only an account export has (lists, fields, users, pipelines,
    stages, ...: our tap's reference streams), or on "off" at the end of the input. Records that
    reference an id while it is undecided wait (on disk) instead of guessing, so the order of
    the tap's streams does not matter and a warehouse feed that uses this account's ids still
    loads, only later.
    """

    def __init__(self, mode: str = "auto") -> None:
        if mode not in MODES:
            raise ValueError(f"id_translation must be one of {', '.join(MODES)}, got {mode!r}")
        self.mode = mode
        self.decided: bool | None = {"on": True, "off": False}.get(mode)
        self.maps: dict[str, dict[str, t.Any]] = {}

    def notice_stream(self, object_type: str, schema: t.Mapping[str, t.Any]) -> None:
        """Called for every SCHEMA: an export-only stream settles `auto` on translation."""
        if self.decided is None and (
            object_type in EXPORT_ONLY_TYPES or "links" in (schema.get("properties") or {})
        ):
            self.decided = True

    def settle(self) -> None:
        """End of input: an undecided run never saw an export, so its ids are ours."""
        if self.decided is None:
            self.decided = False

    def learn(self, object_type: str, record: t.Mapping[str, t.Any]) -> None:
        if self.decided is False:
            return
        space = SPACE_OF_TYPE.get(object_type)
        if space is None:
            return
        source_id = record.get("id")
        if source_id is None or not is_id(source_id):
            return
        key = natural_key(object_type, record)
        if key is not None:
            self.maps.setdefault(space, {})[str(source_id).strip()] = key

    @property
    def any_active(self) -> bool:
        """True when ids in the input are another account's (to be translated)."""
        return self.decided is True

    def require_decision(self, what: str) -> bool:
        """Whether ids are source ids; Untranslated (wait) while that is still open."""
        if self.decided is None:
            raise Untranslated(
                f"{what}: waiting to learn whether the input's ids are this account's"
            )
        return self.decided

    def lookup(self, space: str, source_id: t.Any) -> t.Any:
        """The natural key of a source id, or Untranslated (the input never described it)."""
        found = self.maps.get(space, {}).get(str(source_id).strip())
        if found is None:
            raise Untranslated(
                f"source {space} id {source_id} is not described by any record of the input "
                f"(its `{space}` stream), so it cannot be matched in this account"
            )
        return found

    def maybe(self, space: str, value: t.Any) -> tuple[bool, t.Any]:
        """(translated?, value): ids are translated when they are another account's."""
        if value is None or not is_id(value):
            return False, value
        if not self.require_decision(f"{space} id {value}"):
            return False, value
        return True, self.lookup(space, value)
