"""E-commerce customers and orders, matched by connection and external id.

There is no upsert: the sink looks the object up (by connection + external id, or an order's
checkout id) and updates it, else creates it; a create whose answer was lost is looked up again
before retrying, so a replay never duplicates an order.
"""

from __future__ import annotations

import typing as t

from target_activecampaign.rejects import Reject
from target_activecampaign.resolver import DRY_RUN_ID
from target_activecampaign.sinks.base import ActiveCampaignSink
from target_activecampaign.values import as_text, cents, clean_email, currency_code, first_of


class EcomCustomersSink(ActiveCampaignSink):
    """E-commerce customers matched by connection and external id."""

    def connection(self, record: dict) -> str:
        ref = first_of(record, ("connectionid", "connection"))
        if ref is None:
            raise Reject("the record needs 'connectionid'")
        return self.refs.connection_id(ref)

    def write_one(self, record: dict) -> None:
        conn = self.connection(record)
        ext = first_of(record, ("externalid", "externalId", "external_id"))
        if ext is None:
            raise Reject("an e-commerce customer needs 'externalid'")
        ext_text = as_text(ext, "externalid")
        body: dict[str, t.Any] = {"connectionid": conn, "externalid": ext_text}
        if record.get("email") is not None:
            body["email"] = clean_email(record["email"])
        for key in ("acceptsMarketing", "accepts_marketing"):
            if record.get(key) is not None:
                body["acceptsMarketing"] = "1" if str(record[key]) in ("1", "True", "true") else "0"
        if self.run.dry_run:
            return
        self.writer.update_or_create(
            "ecomCustomers", "ecomCustomer", body, lambda: self.find_customer(conn, ext_text)
        )

    def find_customer(self, conn: str, ext: str) -> str | None:
        """An e-commerce customer's id by connection and external id, or None."""
        return self.refs.find_ecom_customer(conn, ext)


class EcomOrdersSink(EcomCustomersSink):
    """E-commerce orders matched by connection and external (or checkout) id."""

    def write_one(self, record: dict) -> None:
        conn = self.connection(record)
        ext = first_of(record, ("externalid", "externalId", "external_id"))
        checkout = first_of(record, ("externalcheckoutid", "external_checkout_id"))
        if ext is None and checkout is None:
            raise Reject("an order needs 'externalid' or 'externalcheckoutid'")
        body: dict[str, t.Any] = {"connectionid": conn}
        if ext is not None:
            body["externalid"] = as_text(ext, "externalid")
        if checkout is not None:
            body["externalcheckoutid"] = as_text(checkout, "externalcheckoutid")
        body["email"] = clean_email(record.get("email"))
        customer = first_of(record, ("customerid", "customer"))
        if customer is not None:
            body["customerid"] = self.refs.ecom_customer_id(customer, conn)
        elif first_of(record, ("customer_externalid",)) is not None:
            ext_customer = str(record["customer_externalid"])
            found = None if self.run.dry_run else self.find_customer(conn, ext_customer)
            if found is None and not self.run.dry_run:
                raise Reject(f"e-commerce customer {ext_customer!r} does not exist")
            body["customerid"] = found or DRY_RUN_ID
        else:
            raise Reject("an order needs 'customerid' or 'customer_externalid'")
        for key in ("totalPrice", "shippingAmount", "taxAmount", "discountAmount"):
            if record.get(key) is not None:
                body[key] = cents(record[key], key)
        if record.get("currency") is not None:
            body["currency"] = currency_code(record["currency"]).upper()
        for key in (
            "orderNumber",
            "orderUrl",
            "externalCreatedDate",
            "externalUpdatedDate",
            "shippingMethod",
            "orderDiscounts",
        ):
            if record.get(key) is not None:
                body[key] = record[key]
        products = record.get("orderProducts")
        if products is not None:
            if not isinstance(products, list):
                raise Reject("'orderProducts' must be a list")
            body["orderProducts"] = products
        body["source"] = str(record.get("source", self.run.config.get("ecom_order_source", 0)))
        if self.run.dry_run:
            return
        self.writer.update_or_create(
            "ecomOrders", "ecomOrder", body, lambda: self.find_order(conn, body)
        )

    def find_order(self, conn: str, body: dict[str, t.Any]) -> str | None:
        """An order's id by connection and external id (or checkout id), or None."""
        key = "externalid" if "externalid" in body else "externalcheckoutid"
        params = {"filters[connectionid]": conn, f"filters[{key}]": body[key]}
        found = self.client.get_json("ecomOrders", params=params) or {}
        for row in found.get("ecomOrders") or []:
            if str(row.get("connectionid")) == str(conn) and str(row.get(key)) == str(body[key]):
                return str(row["id"])
        return None
