"""E-commerce: customers per connection, orders and their products.

An order carries its products in its body; they are stored as ecomOrderProducts rows and
validated first, so a bad product answers a 422 and stores nothing of the order.
"""

from __future__ import annotations

import time
from typing import Any

from .mutate import WriteBase
from .protocol import (
    EMAIL_RE,
    Request,
    Result,
    as_int,
    err,
    missing,
    require,
    sid,
    wrapper,
)
from .store import Record
from .util import (
    fmt_offset,
    parse_ts,
)


class EcommerceWrites(WriteBase):
    """The ecommerce write endpoints."""

    def post_ecom_customers(self, req: Request) -> Result:
        data = wrapper(req, "ecomCustomer")
        require(data, "connectionid", "externalid", "email")
        conn = as_int(data["connectionid"])
        if conn is None or not self.t("connections").exists(conn):
            raise err("Connection not found", "invalid", "/data/attributes/connectionid")
        email = sid(data["email"])
        if not EMAIL_RE.match(email):
            raise err("Email address is invalid", "email_invalid", "/data/attributes/email")
        t = self.t("ecomCustomers")
        ext = sid(data["externalid"])
        if (str(conn), ext) in self.ext_index("ecomCustomers"):
            raise err(
                "Duplicate customer",
                "duplicate",
                "/data/attributes/externalid",
                f"A customer with externalid {ext} already exists for this connection",
            )
        now = time.time()
        i = t.insert(
            {
                "connectionid": str(conn),
                "externalid": ext,
                "email": email,
                "totalRevenue": "0",
                "totalOrders": "0",
                "totalProducts": "0",
                "avgRevenuePerOrder": "0",
                "avgProductCategory": "",
                "tstamp": fmt_offset(now),
                "acceptsMarketing": sid(data.get("acceptsMarketing")) or "0",
                "connection": str(conn),
            }
        )
        self.ext_index("ecomCustomers")[(str(conn), ext)] = i
        return Result(201, {"ecomCustomer": self.render("ecomCustomers", i)})

    def _order_products(self, order: int, products: Any, now: float) -> list[int]:
        t = self.t("ecomOrderProducts")
        for j in t.children("orderid", order):
            t.delete(j)
        out = []
        for p in products or []:
            out.append(
                t.insert(
                    {
                        "externalid": sid(p.get("externalid")),
                        "name": sid(p.get("name")),
                        "price": sid(p.get("price")),
                        "quantity": sid(p.get("quantity")),
                        "category": sid(p.get("category")),
                        "sku": sid(p.get("sku")),
                        "description": sid(p.get("description")),
                        "imageUrl": sid(p.get("imageUrl")),
                        "productUrl": sid(p.get("productUrl")),
                        "createdDate": fmt_offset(now),
                        "updatedDate": fmt_offset(now),
                        "tstamp": fmt_offset(now),
                        "orderid": str(order),
                        "connectionid": str(self.t("ecomOrders").value(order, "connectionid")),
                        "ecomOrder": str(order),
                    }
                )
            )
        return out

    def _check_products(self, products: Any) -> None:
        if not isinstance(products, list):
            raise err("Invalid order products", "invalid", "/data/attributes/orderProducts")
        for n, p in enumerate(products):
            if not isinstance(p, dict):
                raise err("Invalid order product", "invalid", f"/data/attributes/orderProducts/{n}")
            for k in ("name", "price", "quantity"):
                if p.get(k) in (None, ""):
                    raise missing(f"orderProducts/{n}/{k}")
            if as_int(p.get("price")) is None or (as_int(p.get("price")) or 0) < 0:
                raise err(
                    "Invalid price",
                    "invalid",
                    f"/data/attributes/orderProducts/{n}/price",
                    "price is in cents, a non-negative integer",
                )

    def _apply_order(self, rec: Record, data: dict[str, Any]) -> None:
        money = ("totalPrice", "shippingAmount", "taxAmount", "discountAmount")
        for k in money:
            if k in data:
                v = as_int(data[k])
                if v is None:
                    raise err(
                        f"Invalid {k}", "invalid", f"/data/attributes/{k}", "amounts are in cents"
                    )
                rec[k] = v  # numbers, as the service answers
        for k in (
            "externalid",
            "externalcheckoutid",
            "source",
            "email",
            "currency",
            "orderUrl",
            "shippingMethod",
            "orderNumber",
            "externalCreatedDate",
            "externalUpdatedDate",
            "abandonedDate",
            "orderDate",
        ):
            if k in data:
                rec[k] = None if data[k] is None else sid(data[k])
        if "externalCreatedDate" in data and parse_ts(data["externalCreatedDate"]) is None:
            raise err(
                "Invalid externalCreatedDate", "invalid", "/data/attributes/externalCreatedDate"
            )

    def post_ecom_orders(self, req: Request) -> Result:
        data = wrapper(req, "ecomOrder")
        if data.get("externalid") in (None, "") and data.get("externalcheckoutid") in (None, ""):
            raise missing("externalid")
        require(
            data,
            "email",
            "totalPrice",
            "currency",
            "connectionid",
            "customerid",
            "externalCreatedDate",
        )
        if data.get("externalid") not in (None, "") and not data.get("orderProducts"):
            raise missing("orderProducts")
        conn, cust = as_int(data["connectionid"]), as_int(data["customerid"])
        if conn is None or not self.t("connections").exists(conn):
            raise err("Connection not found", "invalid", "/data/attributes/connectionid")
        if cust is None or not self.t("ecomCustomers").exists(cust):
            raise err("Customer not found", "invalid", "/data/attributes/customerid")
        if not EMAIL_RE.match(sid(data["email"])):
            raise err("Email address is invalid", "email_invalid", "/data/attributes/email")
        self._check_products(data.get("orderProducts") or [])
        t = self.t("ecomOrders")
        ext = sid(data.get("externalid"))
        if ext and (str(conn), ext) in self.ext_index("ecomOrders"):
            raise err(
                "Duplicate order",
                "duplicate",
                "/data/attributes/externalid",
                f"An order with externalid {ext} already exists",
            )
        now = time.time()
        rec: Record = {
            "externalid": None,
            "externalcheckoutid": None,
            "source": "1",
            "email": "",
            "currency": "USD",
            "connectionid": str(conn),
            "customerid": str(cust),
            "orderUrl": "",
            "shippingMethod": "",
            "shippingAmount": 0,
            "taxAmount": 0,
            "discountAmount": 0,
            "totalPrice": 0,
            "totalProducts": 0,
            "createdDate": fmt_offset(now),
            "updatedDate": fmt_offset(now),
            "externalCreatedDate": None,
            "externalUpdatedDate": None,
            "state": 1,
            "abandonedDate": None,
            "orderNumber": "",
            "orderDate": None,
            "tstamp": fmt_offset(now),
            "orderProducts": [],
            "orderDiscounts": data.get("orderDiscounts") or [],
            "connection": str(conn),
            "customer": str(cust),
        }
        self._apply_order(rec, data)
        if not rec.get("externalid"):
            rec["state"] = 2
        i = t.insert(rec)
        if rec.get("externalid"):
            self.ext_index("ecomOrders")[(str(conn), str(rec["externalid"]))] = i
        prods = self._order_products(i, data.get("orderProducts"), now)
        rec["orderProducts"] = [str(p) for p in prods]
        rec["totalProducts"] = len(prods)
        return Result(
            201,
            {
                "connections": [self.render("connections", conn)],
                "ecomCustomers": [self.render("ecomCustomers", cust)],
                "ecomOrderProducts": [self.render("ecomOrderProducts", p) for p in prods],
                "ecomOrder": self.render("ecomOrders", i),
            },
        )

    def put_ecom_order(self, req: Request, rid: str) -> Result:
        data = wrapper(req, "ecomOrder")
        t, i = self._stored("ecomOrders", rid, "ecomOrder")
        if "orderProducts" in data:
            self._check_products(data.get("orderProducts") or [])
        now = time.time()
        rec = dict(t.get(i) or {})
        self._apply_order(rec, data)
        if rec.get("externalid") and rec.get("state") == 2:
            rec["state"] = 3  # a recovered abandoned cart
        rec["updatedDate"] = rec["tstamp"] = fmt_offset(now)
        t.put(i, rec)
        self._ext.pop("ecomOrders", None)
        if "orderProducts" in data:
            prods = self._order_products(i, data.get("orderProducts"), now)
            rec["orderProducts"] = [str(p) for p in prods]
            rec["totalProducts"] = len(prods)
        return Result(200, {"ecomOrder": self.render("ecomOrders", i)})


def register(w: EcommerceWrites) -> None:
    """Add this domain's routes to the account's router (reads and writes)."""
    r = w.a.router
    r.add("POST", "/ecomCustomers", w.post_ecom_customers)
    r.add("POST", "/ecomOrders", w.post_ecom_orders)
    r.add("PUT", "/ecomOrders/{id}", w.put_ecom_order)
