"""Names -> ids in the destination account, looked up once per run and cached.

Every catalogue is loaded on first use, so a run that only loads accounts never lists tags.
Creations (tags, accounts) go into the cache at once: a name is created at most once per run.
In dry run nothing is created; a would-be-created name resolves to a placeholder id.
"""

from __future__ import annotations

import logging
import re
import threading
import typing as t
from dataclasses import dataclass

from activecampaign_http import ApiClient, ApiError
from target_activecampaign.rejects import Reject
from target_activecampaign.values import (
    FieldCatalog,
    FieldDef,
    api_error_text,
    contact_fields_from_api,
    email_key,
    is_duplicate_error,
    is_id,
    meta_fields_from_api,
)

PAGE = 100
DRY_RUN_ID = "0"
#: Single-email contact lookups made before the resolver considers reading the whole list.
DIRECTORY_AFTER_LOOKUPS = 10
#: Above this many contacts the email -> id directory is never read (memory: ~100 bytes each).
DIRECTORY_MAX_CONTACTS = 500_000


class Resolver:
    """Destination-account lookups shared by every sink of a run."""

    def __init__(self, client: ApiClient, *, dry_run: bool, logger: logging.Logger) -> None:
        self.client = client
        self.dry_run = dry_run
        self.logger = logger
        self._lock = threading.RLock()
        self._fields: FieldCatalog | None = None
        self._account_fields: FieldCatalog | None = None
        self._deal_fields: FieldCatalog | None = None
        self._lists: list[dict] | None = None
        self._tags: dict[str, str] | None = None  # name casefold -> id
        self._tag_names: dict[str, str] = {}  # id -> name
        self._accounts: dict[str, str] = {}  # name casefold -> id
        self._contacts: dict[str, str] = {}  # email key -> id
        self._contact_lookups = 0  # single-email GET /contacts made
        self._directory = ContactDirectory()
        self._pipelines: list[dict] | None = None
        self._stages: list[dict] | None = None
        self._users: list[dict] | None = None
        self._connections: list[dict] | None = None
        self._schemas: list[dict] | None = None

    # -- paging ------------------------------------------------------------------------------

    def list_all(self, path: str, key: str, params: dict | None = None) -> list[dict]:
        """Every row of a list endpoint (limit 100, offset paging, until a short page)."""
        return list(self.iter_all(path, key, params))

    def iter_all(self, path: str, key: str, params: dict | None = None) -> t.Iterator[dict]:
        """Rows of a list endpoint, a page fetched only when the caller reads that far.

        A lookup that stops at its match so costs one request, however long the list.
        """
        offset = 0
        while True:
            query = {**(params or {}), "limit": PAGE, "offset": offset}
            body = self.client.get_json(path, params=query) or {}
            page = body.get(key) or []
            yield from page
            total = (body.get("meta") or {}).get("total")
            offset += len(page)
            if len(page) < PAGE or (total is not None and offset >= int(total)):
                return

    def _cached_rows(
        self, attr: str, path: str, key: str, params: dict | None = None
    ) -> list[dict]:
        """A catalogue listed once per run and kept in `self.<attr>`."""
        with self._lock:
            rows = getattr(self, attr)
            if rows is None:
                rows = self.list_all(path, key, params)
                setattr(self, attr, rows)
            return rows

    def _cached_lookup(
        self,
        cache: dict[str, str],
        key: str,
        fetch: t.Callable[[], list[dict]],
        key_of: t.Callable[[dict], str],
    ) -> str | None:
        """The id of the first fetched row whose key is `key`; found ids are cached per run."""
        with self._lock:
            if key in cache:
                return cache[key]
        found = next((str(row["id"]) for row in fetch() if key_of(row) == key), None)
        if found is not None:
            with self._lock:
                cache[key] = found
        return found

    # -- contact custom fields ---------------------------------------------------------------

    def fields(self) -> FieldCatalog:
        with self._lock:
            if self._fields is None:
                body = {"fields": [], "fieldOptions": []}
                offset = 0
                while True:
                    page = self.client.get_json("fields", params={"limit": PAGE, "offset": offset})
                    page = page or {}
                    got = page.get("fields") or []
                    body["fields"].extend(got)
                    body["fieldOptions"].extend(page.get("fieldOptions") or [])
                    offset += len(got)
                    if len(got) < PAGE:
                        break
                self._fields = FieldCatalog(contact_fields_from_api(body))
            return self._fields

    def _meta_fields(self, attr: str, path: str) -> FieldCatalog:
        with self._lock:
            catalog = getattr(self, attr)
            if catalog is None:
                catalog = FieldCatalog(meta_fields_from_api(self.list_all(path, path)))
                setattr(self, attr, catalog)
            return catalog

    def account_fields(self) -> FieldCatalog:
        return self._meta_fields("_account_fields", "accountCustomFieldMeta")

    def deal_fields(self) -> FieldCatalog:
        return self._meta_fields("_deal_fields", "dealCustomFieldMeta")

    def field(self, catalog: FieldCatalog, key: t.Any, kind: str) -> FieldDef:
        found = catalog.find(key)
        if found is None:
            raise Reject(f"unknown {kind} custom field {key!r} (not an id, perstag or title)")
        return found

    # -- lists -------------------------------------------------------------------------------

    def list_id(self, ref: t.Any) -> str:
        """A list id from an id, a stringid or a name (any case)."""
        rows = self._cached_rows("_lists", "lists", "lists")
        if (found := _row_with_id(rows, ref)) is not None:
            return found
        folded = str(ref).strip().casefold()
        for attr in ("stringid", "name"):
            for row in rows:
                if str(row.get(attr) or "").casefold() == folded:
                    return str(row["id"])
        raise Reject(f"unknown list {ref!r} (not a list id, stringid or name in this account)")

    def list_by_natural(self, key: tuple[t.Any, t.Any]) -> str:
        """A destination list id from a source list's (stringid, name)."""
        stringid, name = key
        for ref in (stringid, name):
            if ref:
                try:
                    return self.list_id(ref)
                except Reject:
                    continue
        raise Reject(f"list {name or stringid!r} does not exist in this account")

    # -- tags --------------------------------------------------------------------------------

    def _load_tags(self) -> dict[str, str]:
        if self._tags is None:
            self._tags = {}
            for row in self.list_all("tags", "tags"):
                name = str(row.get("tag") or "")
                self._tags.setdefault(name.casefold(), str(row["id"]))
                self._tag_names[str(row["id"])] = name
        return self._tags

    def tag_name(self, tag_id: t.Any) -> str:
        """The name of a destination tag id (for link records that carry our ids)."""
        with self._lock:
            self._load_tags()
            name = self._tag_names.get(str(tag_id).strip())
        if name is None:
            raise Reject(f"unknown tag id {tag_id!r}")
        return name

    def tag_id(self, name: str, *, create: bool = True) -> str:
        """A tag's id by name, creating the tag when missing (bulk import does the same)."""
        with self._lock:
            tags = self._load_tags()
            found = tags.get(name.casefold())
            if found is not None or not create:
                if found is None:
                    raise Reject(f"unknown tag {name!r}")
                return found
            if self.dry_run:
                return DRY_RUN_ID
            resp = self.client.request(
                "POST",
                "tags",
                json={"tag": {"tag": name, "tagType": "contact", "description": ""}},
                ok_statuses=(422,),
            )
            body = resp.ac_json or {}
            if resp.status_code == 422:
                # created meanwhile by someone else: reload once
                self._tags = None
                found = self._load_tags().get(name.casefold())
                if found is None:
                    raise Reject(f"tag {name!r} could not be created", body)
                return found
            tag_id = str((body.get("tag") or {}).get("id"))
            tags[name.casefold()] = tag_id
            self._tag_names[tag_id] = name
            return tag_id

    def known_tag(self, name: str) -> bool:
        with self._lock:
            return name.casefold() in self._load_tags()

    # -- accounts ----------------------------------------------------------------------------

    def account_id(self, name: str) -> str | None:
        """An account's id by exact name (case-insensitive), or None. Cached per run."""
        return self._cached_lookup(
            self._accounts,
            name.strip().casefold(),
            lambda: self.list_all("accounts", "accounts", params={"search": name.strip()}),
            lambda row: str(row.get("name") or "").strip().casefold(),
        )

    def remember_account(self, name: str, account_id: str) -> None:
        with self._lock:
            self._accounts[name.strip().casefold()] = account_id

    def ensure_account(self, name: str) -> str:
        """Find or create an account by name (there is no upsert; a duplicate name is 422)."""
        found = self.account_id(name)
        if found is not None:
            return found
        if self.dry_run:
            return DRY_RUN_ID
        resp = self.client.request(
            "POST", "accounts", json={"account": {"name": name.strip()}}, ok_statuses=(422,)
        )
        if resp.status_code == 422:
            with self._lock:
                self._accounts.pop(name.strip().casefold(), None)
            found = self.account_id(name)
            if found is None:
                raise Reject(f"account {name!r} could not be created", resp.ac_json)
            return found
        account_id = str(((resp.ac_json or {}).get("account") or {}).get("id"))
        self.remember_account(name, account_id)
        return account_id

    # -- contacts ----------------------------------------------------------------------------

    def contact_id(self, email: str) -> str | None:
        """The destination contact id for an email, or None.

        One GET per email per run, until those lookups have cost as many requests as reading
        the account's whole contact list would: then the list is read once, 100 contacts a
        page, and later emails are answered from it (ski rental: never much more than twice
        the cheaper way, whichever it turns out to be). A miss still asks the API, as the
        contact may have been created since.
        """
        key = email_key(email)
        with self._lock:
            if key in self._contacts:
                return self._contacts[key]
            self._contact_lookups += 1
            self._read_directory_when_cheaper()
            if key in self._contacts:
                return self._contacts[key]
        return self._cached_lookup(
            self._contacts,
            key,
            lambda: self._contacts_by_email(email),
            lambda row: email_key(str(row.get("email") or "")),
        )

    def _contacts_by_email(self, email: str) -> list[dict]:
        body = self.client.get_json("contacts", params={"email": email.strip()}) or {}
        return body.get("contacts") or []

    def _read_directory_when_cheaper(self) -> None:
        """Read the email -> id directory once single lookups have cost as much (lock held)."""
        directory = self._directory
        if directory.done or self._contact_lookups < DIRECTORY_AFTER_LOOKUPS:
            return
        if directory.total is None:
            self._read_directory_page()  # the first page tells the size of the whole
        if directory.done:
            return
        if (directory.total or 0) > DIRECTORY_MAX_CONTACTS:
            directory.done = True
            return
        if self._contact_lookups < directory.pages():
            return
        while not directory.done:
            self._read_directory_page()
        self.logger.info(
            "Read the account's %d contacts (%d requests) to resolve contacts by email, "
            "after %d single lookups",
            directory.rows,
            directory.requests,
            self._contact_lookups,
        )

    def _read_directory_page(self) -> None:
        """The next 100 contacts by ascending id (keyset paging, stable while contacts change)."""
        directory = self._directory
        if directory.reader is None:
            directory.reader = self.iter_contacts({})
        body = next(directory.reader, None)
        if body is None:
            directory.done = True
            return
        directory.requests += 1
        rows = body.get("contacts") or []
        if directory.total is None:
            total = (body.get("meta") or {}).get("total")
            directory.total = int(total) if str(total or "").isdigit() else len(rows)
        directory.rows += len(rows)
        for row in rows:
            if row.get("email"):
                self._contacts.setdefault(email_key(str(row["email"])), str(row["id"]))
        if len(rows) < PAGE:
            directory.done = True

    def iter_contacts(self, filters: t.Mapping[str, t.Any]) -> t.Iterator[dict]:
        """`GET /contacts` pages for these filters, 100 each, keyset by ascending id.

        The documented fast path (`orders[id]=ASC` + `id_greater`), stable while contacts
        change. An account that refuses `include` is asked again without it.
        """
        base = {**filters, "orders[id]": "ASC", "limit": PAGE}
        last_id, read, total = 0, 0, None
        while True:
            params = {**base, **({"id_greater": last_id} if last_id else {})}
            resp = self.client.request("GET", "contacts", params=params, ok_statuses=(400,))
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

    def contact_exists(self, email: str) -> bool:
        """Whether a contact has this email; once the whole list was read, a miss is final.

        (`contact_id` asks again after a miss, so a `sync_mode` check of 10,000 new emails
        would cost 10,000 requests.)
        """
        with self._lock:
            key = email_key(email)
            directory = self._directory
            if key in self._contacts:
                return True
            if directory.done and directory.rows >= (directory.total or 0):
                return False
        return self.contact_id(email) is not None

    def remember_contact(self, email: str, contact_id: str) -> None:
        with self._lock:
            self._contacts[email_key(email)] = str(contact_id)

    def require_contact(self, email: str) -> str:
        found = self.contact_id(email)
        if found is None:
            if self.dry_run:
                return DRY_RUN_ID
            raise Reject(f"contact {email!r} does not exist in this account")
        return found

    # -- deals configuration -----------------------------------------------------------------

    def pipeline_id(self, ref: t.Any) -> str:
        rows = self._cached_rows("_pipelines", "dealGroups", "dealGroups")
        return self._match(rows, ref, ("title",), "pipeline")

    def stage_id(self, ref: t.Any, pipeline_id: str | None) -> str:
        rows = self._cached_rows("_stages", "dealStages", "dealStages")
        if pipeline_id and not is_id(ref):
            rows = [r for r in rows if str(r.get("group")) == str(pipeline_id)]
        return self._match(rows, ref, ("title",), "stage")

    def stage_pipeline(self, stage_id: str) -> str | None:
        self.stage_id(stage_id, None)
        for row in self._stages or []:
            if str(row.get("id")) == str(stage_id):
                return str(row.get("group"))
        return None

    def user_id(self, ref: t.Any) -> str:
        rows = self._cached_rows("_users", "users", "users")
        return self._match(rows, ref, ("username", "email"), "user")

    def connection_id(self, ref: t.Any) -> str:
        rows = self._cached_rows("_connections", "connections", "connections")
        if isinstance(ref, tuple):
            service, ext = ref
            for row in rows:
                if str(row.get("service")) == str(service) and str(row.get("externalid")) == str(
                    ext
                ):
                    return str(row["id"])
            raise Reject(f"connection {service}/{ext} does not exist in this account")
        return self._match(rows, ref, ("externalid", "name"), "connection")

    def schema(self, ref: str) -> dict:
        """A custom object schema by id or slug."""
        rows = self._cached_rows(
            "_schemas", "customObjects/schemas", "schemas", {"showFields": "all"}
        )
        for row in rows:
            if str(row.get("id")) == ref or str(row.get("slug")) == ref:
                return row
        wanted = snake(ref)  # our tap names streams custom_object_<slug in snake_case>
        for row in rows:
            if snake(str(row.get("slug") or "")) == wanted:
                return row
        raise Reject(f"custom object schema {ref!r} does not exist in this account")

    @staticmethod
    def _match(rows: list[dict], ref: t.Any, attrs: t.Sequence[str], kind: str) -> str:
        if (found := _row_with_id(rows, ref)) is not None:
            return found
        folded = str(ref).strip().casefold()
        hits = [
            str(row["id"])
            for row in rows
            if any(str(row.get(a) or "").strip().casefold() == folded for a in attrs)
        ]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise Reject(f"{kind} {ref!r} is ambiguous ({len(hits)} match); use its id")
        raise Reject(f"unknown {kind} {ref!r} in this account")


@dataclass
class ContactDirectory:
    """Progress through the destination's contact list (read at most once per run)."""

    total: int | None = None  # meta.total of the first page
    rows: int = 0
    requests: int = 0
    done: bool = False
    reader: t.Iterator[dict] | None = None  # Resolver.iter_contacts({}), read page by page

    def pages(self) -> int:
        return -(-(self.total or 0) // PAGE)


def _row_with_id(rows: list[dict], ref: t.Any) -> str | None:
    """`ref` itself when it is the id of one of the rows."""
    text = str(ref).strip()
    if is_id(ref) and any(str(row.get("id")) == text for row in rows):
        return text
    return None


def snake(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def describe_api_error(exc: ApiError) -> tuple[str, t.Any]:
    """(reason, body) for a reject line from an ApiError."""
    return f"HTTP {exc.status}: {api_error_text(exc.body)}", exc.body


__all__ = ["DRY_RUN_ID", "Resolver", "describe_api_error", "is_duplicate_error"]
