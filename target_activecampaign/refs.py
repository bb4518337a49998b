"""References: what a record names (a contact, account, field, list, ...) as this account's id.

A record may name another object by this account's id, by a natural key (an email, a name), or
by a *source* account's id (our tap's output, see `translate`). Every such reference goes the
same two steps: translate a source id into its natural key, then resolve that in this account.
`References` does both, one method per kind of reference, so sinks never repeat the pair.
"""

from __future__ import annotations

import typing as t

from activecampaign_http import ApiClient
from target_activecampaign.rejects import Reject
from target_activecampaign.resolver import DRY_RUN_ID, Resolver
from target_activecampaign.translate import IdTranslator, Untranslated
from target_activecampaign.values import FieldCatalog, FieldDef, as_text, clean_email, is_id


class References:
    """One run's reference look-ups: the id translator in front of the resolver."""

    def __init__(
        self,
        translator: IdTranslator,
        resolver: Resolver,
        client: ApiClient,
        *,
        dry_run: bool = False,
    ) -> None:
        self.translator = translator
        self.resolver = resolver
        self.client = client
        self.dry_run = dry_run
        self.deal_ids: dict[str, str] = {}  # source deal id -> destination id (this run)

    def natural(self, space: str, value: t.Any) -> t.Any:
        """The value as this account knows it: a source id's natural key, else the value."""
        translated, nat = self.translator.maybe(space, value)
        return nat if translated else value

    # -- contacts ------------------------------------------------------------------------------

    def contact_email(self, value: t.Any) -> str:
        """A contact reference (email, our id or a source id) as an email."""
        if value is None:
            raise Reject("the record names no contact ('contact_email', 'email' or 'contact')")
        if is_id(value):
            translated, key = self.translator.maybe("contact", value)
            if translated:
                return str(key)
            resp = self.client.request("GET", f"contacts/{str(value).strip()}", ok_statuses=(404,))
            email = ((resp.ac_json or {}).get("contact") or {}).get("email")
            if not email:
                raise Reject(f"contact id {value} does not exist in this account")
            return str(email)
        return clean_email(value, "contact")

    def contact_id(self, value: t.Any) -> str:
        """A contact reference as this account's contact id (Untranslated: not written yet)."""
        if is_id(value):
            translated, key = self.translator.maybe("contact", value)
            if not translated:
                return str(value).strip()  # this account's contact id
            found = self.resolver.contact_id(str(key))
            if found is None:
                if self.dry_run:
                    return DRY_RUN_ID
                # its contacts row may still be waiting, or later in the input
                raise Untranslated(f"contact {key!r} (source id {value}) is not written yet")
            return found
        return self.resolver.require_contact(self.contact_email(value))

    # -- accounts ------------------------------------------------------------------------------

    def account(self, value: t.Any) -> tuple[str | None, str | None, bool]:
        """(name, destination id, translated?) for an account reference: a name, our id or a
        source id."""
        if isinstance(value, dict):
            value = value.get("name")
        if value is None or value == "":
            return None, None, False
        if is_id(value):
            translated, key = self.translator.maybe("account", value)
            if translated:
                return str(key), None, True
            return None, str(value).strip(), False
        return as_text(value, "account").strip(), None, False

    def account_id(self, value: t.Any, *, create: bool = True) -> str | None:
        """A destination account id; a name given by the record may create the account.

        An account reached through a source id is never created here: its own `accounts`
        row (maybe still waiting) writes it, so the reference waits instead.
        """
        name, account_id, translated = self.account(value)
        if account_id is not None:
            return account_id
        if name is None:
            return None
        if create and not translated:
            return self.resolver.ensure_account(name)
        found = self.resolver.account_id(name)
        if found is None:
            if self.dry_run:
                return DRY_RUN_ID
            if translated:
                raise Untranslated(f"account {name!r} (source id {value}) is not written yet")
            raise Reject(f"account {name!r} does not exist in this account")
        return found

    # -- configuration objects -----------------------------------------------------------------

    def user_id(self, value: t.Any) -> str:
        return self.resolver.user_id(self.natural("user", value))

    def field(self, catalog: FieldCatalog, key: t.Any, kind: str, space: str) -> FieldDef:
        """A custom field of `kind` (contact, account, deal) named by label, tag or id."""
        return self.resolver.field(catalog, self.natural(space, key), kind)

    def list_id(self, ref: t.Any) -> str:
        """A list named by an API-shaped record (a source id when ids are translated)."""
        translated, nat = self.translator.maybe("list", ref)
        if translated:
            return self.resolver.list_by_natural(nat)
        return self.resolver.list_id(ref)

    def tag_name(self, tag: t.Any) -> t.Any:
        """A tag reference as a name (an id of this account is looked up)."""
        if not is_id(tag):
            return tag
        translated, nat = self.translator.maybe("tag", tag)
        return nat if translated else self.resolver.tag_name(tag)

    def pipeline_id(self, value: t.Any) -> str:
        return self.resolver.pipeline_id(self.natural("pipeline", value))

    def stage_id(self, stage: t.Any, pipeline_id: str | None) -> tuple[str, str | None]:
        """(stage id, pipeline id): a source stage also names its source pipeline."""
        translated, nat = self.translator.maybe("stage", stage)
        if not translated:
            return self.resolver.stage_id(stage, pipeline_id), pipeline_id
        src_group, stage_title = nat
        if src_group is not None and pipeline_id is None:
            pipeline_id = self.pipeline_id(src_group)
        return self.resolver.stage_id(stage_title, pipeline_id), pipeline_id

    def connection_id(self, ref: t.Any) -> str:
        return self.resolver.connection_id(self.natural("connection", ref))

    def schema(self, ref: t.Any) -> dict:
        """A custom object schema named by slug, id or a source schema id."""
        return self.resolver.schema(str(self.natural("schema", ref)))

    # -- deals and e-commerce customers ----------------------------------------------------------

    def deal_id(self, ref: t.Any) -> str:
        """A deal named by our id, or by a source id of a deal written earlier in this run."""
        if self.translator.require_decision(f"deal id {ref}"):
            found = self.deal_ids.get(str(ref).strip())
            if found is None:
                raise Untranslated(f"source deal {ref} was not written in this run")
            return found
        return str(ref).strip()

    def find_ecom_customer(self, conn: str, ext: str) -> str | None:
        """An e-commerce customer's id by connection and external id, or None."""
        found = (
            self.client.get_json(
                "ecomCustomers", params={"filters[connectionid]": conn, "filters[externalid]": ext}
            )
            or {}
        )
        for row in found.get("ecomCustomers") or []:
            if str(row.get("externalid")) == str(ext) and str(row.get("connectionid")) == str(conn):
                return str(row["id"])
        return None

    def ecom_customer_id(self, ref: t.Any, conn: str) -> str:
        """An order's customer: our id, or a source customer found by its external id."""
        translated, nat = self.translator.maybe("ecom_customer", ref)
        if not translated:
            return str(ref)
        _, ext = nat
        found = self.find_ecom_customer(conn, str(ext))
        if found is None:
            raise Reject(f"e-commerce customer {ext!r} does not exist in this account")
        return found
