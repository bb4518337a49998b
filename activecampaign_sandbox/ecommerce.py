"""E-commerce: customers per connection, orders and their products.

An order carries its products in its body; they are stored as ecomOrderProducts rows and
validated first, so a bad product answers a 422 and stores nothing of the order.

The module reads top-down: its resource specs (`SPECS`), read handlers, write handlers, the
generators of its tables (`build_config` for configuration, `build` for contact-scaled rows)
and `register`, which adds its routes.
"""

from __future__ import annotations

import time
from bisect import bisect_left, bisect_right
from typing import Any

from . import names
from .mutate import WriteBase
from .protocol import EMAIL_RE, Request, Result, as_int, err, missing, require, sid, wrapper
from .resources import Spec, make_spec
from .store import Record, Table, owned_table
from .util import ANCHOR_TS, DAY_S, SPAN_S, START_TS, fmt_offset, h1, parse_ts
from .world import World, coprime_step

# how this domain's list and record endpoints answer (envelope keys, links, filters)
SPECS: dict[str, Spec] = {
    "connections": make_spec(
        "connections",
        "connection",
        ("options", "customers"),
        eq={"filters[service]": "service", "filters[externalid]": "externalid"},
    ),
    "ecomCustomers": make_spec(
        "ecomCustomers",
        "ecomCustomer",
        ("connection", "orders"),
        eq={
            "filters[email]": "email",
            "filters[externalid]": "externalid",
            "filters[connectionid]": "connectionid",
        },
    ),
    "ecomOrders": make_spec(
        "ecomOrders",
        "ecomOrder",
        ("connection", "customer", "orderProducts", "orderDiscounts", "orderActivities"),
        eq={
            "filters[connectionid]": "connectionid",
            "filters[externalid]": "externalid",
            "filters[externalcheckoutid]": "externalcheckoutid",
            "filters[email]": "email",
            "filters[state]": "state",
            "filters[customerid]": "customerid",
            "filters[external_created_date]": "externalCreatedDate",
        },
        order_alias={"external_created_date": "externalCreatedDate"},
    ),
    "ecomOrderProducts": make_spec("ecomOrderProducts", "ecomOrderProduct", ("ecomOrder",)),
    "ecomOrderActivities": make_spec("ecomOrderActivities", "ecomOrderActivity", ("ecomOrder",)),
}


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


# -- generated data --------------------------------------------------------------------
def build_config(w: World) -> None:
    """Generate this domain's account configuration (small tables, built eagerly)."""
    conns = []
    for i, (svc, nm) in enumerate(
        (
            ("shopify", "Sandbox Shop"),
            ("woocommerce", "Woo Store"),
            ("fooCommerce", "Toystore, Inc."),
        ),
        1,
    ):
        t = w.config_ts("connections", i)
        conns.append(
            {
                "isInternal": "0",
                "connectionType": "ecommerce",
                "service": svc,
                "externalid": f"{svc}-store-{i}",
                "name": nm,
                "logoUrl": f"https://{svc}.example/logo.png",
                "linkUrl": f"https://{svc}.example/",
                "cdate": fmt_offset(t),
                "udate": fmt_offset(t + DAY_S),
                "status": "1",
                "syncStatus": "0",
                "sync_request_time": None,
                "sync_start_time": None,
                "lastSync": None,
                "credentialExpiration": None,
                "id": str(i),
            }
        )
    w.eager("connections", conns)


def build(w: World) -> None:
    """Generate this domain's contact-scaled tables (lazily rendered rows)."""
    n = w.n
    seed = w.seed
    T = w.tables
    nconn = len(T["connections"])

    # ecommerce
    ncust = n // 10 if n else 0
    cstride = coprime_step(n, 15485863)

    def cust_contact(i: int) -> int:
        return ((i - 1) * cstride + 3) % n + 1

    def cust_conn(i: int) -> int:
        return h1(seed, 53, i) % nconn + 1

    def gen_cust(i: int) -> Record:
        hh = w.h("ecomCustomers", i)
        ct = cust_contact(i)
        orders = hh.n(6)
        rev = orders * (1000 + hh.n(20000))
        t = w.ts_between(hh, w.contact_cdate(ct))
        return {
            "connectionid": str(cust_conn(i)),
            "externalid": f"cust-{100000 + i}",
            "email": w.contact_basics(ct)[2],
            "totalRevenue": str(rev),
            "totalOrders": str(orders),
            "totalProducts": str(orders * 2),
            "avgRevenuePerOrder": str(rev // orders if orders else 0),
            "avgProductCategory": hh.pick(names.CATEGORIES) if orders else "",
            "tstamp": fmt_offset(t),
            "acceptsMarketing": str(hh.n(2)),
            "connection": str(cust_conn(i)),
            "id": str(i),
        }

    T["ecomCustomers"] = Table(
        "ecomCustomers",
        gen_cust,
        ncust,
        fast={
            "email": lambda i: w.contact_basics(cust_contact(i))[2],
            "connectionid": lambda i: str(cust_conn(i)),
            "externalid": lambda i: f"cust-{100000 + i}",
        },
    )

    norders = n // 20 if n else 0
    op_own, _op_slot = w.fanout("ecomOrderProducts", norders, (1, 2, 2, 3))

    def order_cust(i: int) -> int:
        return h1(seed, 54, i) % ncust + 1

    def order_products(i: int) -> list[int]:
        lo = bisect_left(op_own, i)
        hi = bisect_right(op_own, i)
        return list(range(lo + 1, hi + 1))

    def product_price(i: int) -> int:
        return 500 + h1(seed, 55, i) % 20000

    def product_qty(i: int) -> int:
        return 1 + h1(seed, 56, i) % 3

    def order_created(i: int) -> int:
        return START_TS + h1(seed, 57, i) % SPAN_S

    def gen_order(i: int) -> Record:
        hh = w.h("ecomOrders", i)
        cu = order_cust(i)
        conn = cust_conn(cu)
        prods = order_products(i)
        subtotal = sum(product_price(p) * product_qty(p) for p in prods)
        ship = hh.pick((0, 0, 499, 999))
        tax = subtotal // 10
        disc = hh.pick((0, 0, 0, 500))
        c = order_created(i)
        u = w.ts_between(hh, c, c + 20 * DAY_S)
        abandoned = hh.n(12) == 0
        return {
            "externalid": None if abandoned else str(500000 + i),
            "externalcheckoutid": f"chk-{i}" if abandoned else None,
            "source": hh.pick(("1", "1", "0")),
            "email": w.contact_basics(cust_contact(cu))[2],
            "currency": "USD",
            "connectionid": str(conn),
            "customerid": str(cu),
            "orderUrl": f"https://shop.example/orders/{500000 + i}",
            "shippingMethod": hh.pick(("UPS Ground", "USPS", "FedEx 2Day")),
            # the documented list example sends these as JSON numbers
            "shippingAmount": ship,
            "taxAmount": tax,
            "discountAmount": disc,
            "totalPrice": subtotal + ship + tax - disc,
            "totalProducts": len(prods),
            "createdDate": fmt_offset(c),
            "updatedDate": fmt_offset(u),
            "externalCreatedDate": fmt_offset(c - 60),
            "externalUpdatedDate": fmt_offset(u - 60),
            "state": 2 if abandoned else 1,
            "abandonedDate": fmt_offset(c) if abandoned else None,
            "orderNumber": str(500000 + i),
            "orderDate": fmt_offset(c - 60),
            "tstamp": fmt_offset(u),
            "orderProducts": [str(p) for p in prods],
            "orderDiscounts": [],
            "connection": str(conn),
            "customer": str(cu),
            "id": str(i),
        }

    T["ecomOrders"] = Table(
        "ecomOrders",
        gen_order,
        norders,
        fast={
            "customerid": lambda i: str(order_cust(i)),
            "connectionid": lambda i: str(cust_conn(order_cust(i))),
            "email": lambda i: w.contact_basics(cust_contact(order_cust(i)))[2],
        },
    )

    def gen_op(i: int) -> Record:
        o = op_own[i - 1]
        hh = w.h("ecomOrderProducts", i)
        nm = hh.pick(names.PRODUCT_WORDS)
        sku = f"SKU-{hh.n(9000) + 1000}"
        return {
            "externalid": f"prod-{hh.n(500) + 1}",
            "name": nm,
            "price": str(product_price(i)),
            "quantity": str(product_qty(i)),
            "category": hh.pick(names.CATEGORIES),
            "sku": sku,
            "description": f"A fine {nm.lower()}",
            "imageUrl": f"https://shop.example/img/{sku}.png",
            "productUrl": f"https://shop.example/p/{sku}",
            "createdDate": fmt_offset(order_created(o)),
            "updatedDate": fmt_offset(order_created(o)),
            "tstamp": fmt_offset(order_created(o)),
            "orderid": str(o),
            "connectionid": str(cust_conn(order_cust(o))),
            "id": str(i),
            "ecomOrder": str(o),
        }

    T["ecomOrderProducts"] = owned_table("ecomOrderProducts", gen_op, op_own, "orderid")
    build_order_activities(w)


def build_order_activities(w: World) -> None:
    """The lesser tables of this domain: ecomOrderActivities, on about half the orders."""
    seed = w.seed
    T = w.tables

    norders = len(T["ecomOrders"])
    oa_own, _ = w.fanout("ecomOrderActivities", norders, (0, 1))

    def gen_oa(i: int) -> Record:
        o = oa_own[i - 1]
        hh = w.h("ecomOrderActivities", i)
        t = min(ANCHOR_TS, START_TS + h1(seed, 57, o) % (730 * DAY_S) + hh.n(DAY_S))
        return {
            "ecomOrderid": str(o),
            "activity": hh.pick(("created", "updated", "shipped")),
            "cdate": fmt_offset(t),
            "ecomOrder": str(o),
            "id": str(i),
        }

    T["ecomOrderActivities"] = owned_table("ecomOrderActivities", gen_oa, oa_own, "ecomOrderid")


def register(w: EcommerceWrites) -> None:
    """Add this domain's routes to the account's router (reads and writes)."""
    r = w.a.router
    r.add("POST", "/ecomCustomers", w.post_ecom_customers)
    r.add("POST", "/ecomOrders", w.post_ecom_orders)
    r.add("PUT", "/ecomOrders/{id}", w.put_ecom_order)
