"""Deep Data e-commerce: connections, customers, orders and order products."""

from __future__ import annotations

from tap_activecampaign import changes
from tap_activecampaign.client import ActiveCampaignStream


class ConnectionsStream(ActiveCampaignStream):
    """Integrations (stores) that feed e-commerce data."""

    name = "connections"
    path = "connections"
    replication_key = "udate"
    created_key = "cdate"


class EcomCustomersStream(ActiveCampaignStream):
    """E-commerce customers."""

    name = "ecom_customers"
    path = "ecomCustomers"
    replication_key = "tstamp"


class EcomOrdersStream(ActiveCampaignStream):
    """E-commerce orders (including abandoned carts)."""

    name = "ecom_orders"
    path = "ecomOrders"
    replication_key = "updatedDate"
    created_key = "createdDate"


class EcomOrderProductsStream(ActiveCampaignStream):
    """Order lines, read account-wide (not one request per order)."""

    name = "ecom_order_products"
    path = "ecomOrderProducts"
    replication_key = "updatedDate"
    created_key = "createdDate"


class EcomOrderActivitiesStream(ActiveCampaignStream):
    """Order history events; rows never change."""

    name = "ecom_order_activities"
    path = "ecomOrderActivities"
    replication_key = "cdate"
    change_mode = changes.TAIL


#: This domain's streams, in discovery order (``streams.ALL`` concatenates the domains).
STREAMS: tuple[type[ActiveCampaignStream], ...] = (
    ConnectionsStream,
    EcomCustomersStream,
    EcomOrdersStream,
    EcomOrderProductsStream,
    EcomOrderActivitiesStream,
)
