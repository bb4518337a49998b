"""Connection settings shared by the tap and the target, and the client built from them.

Both plugins talk to the same account under the same rate limit, so they declare and read
these settings one way: a user sets them once for both in Meltano.
"""

from __future__ import annotations

import logging
import typing as t

from singer_sdk import typing as th

from activecampaign_http.client import ApiClient

DEFAULT_RPS = 5.0
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 8


def connection_properties(default_user_agent: str) -> list[th.Property]:
    """The settings every ActiveCampaign plugin here needs to reach the account."""
    return [
        th.Property(
            "api_url",
            th.StringType,
            required=True,
            title="API URL",
            description=(
                "The account's whole API URL, e.g. https://<account>.api-us1.com/api/3 "
                "(Settings > Developer). https is required except for loopback hosts."
            ),
        ),
        th.Property(
            "api_token",
            th.StringType,
            required=True,
            secret=True,
            title="API token",
            description=(
                "The account's API key (Settings > Developer). Never logged or written anywhere."
            ),
        ),
        th.Property(
            "requests_per_second",
            th.NumberType,
            default=DEFAULT_RPS,
            title="Requests per second",
            description=(
                "Request pace for the whole account (ActiveCampaign allows 5, shared by every "
                "key and every other integration of the account). One limiter paces every "
                "stream, sink and thread of the run; a refusal (429 or 503) lowers it (at most "
                "by half), and it climbs back over about a minute of answers."
            ),
        ),
        th.Property(
            "request_timeout",
            th.NumberType,
            default=DEFAULT_TIMEOUT,
            title="Request timeout",
            description="Seconds to wait for one response before retrying it.",
        ),
        th.Property(
            "max_retries",
            th.IntegerType,
            default=DEFAULT_RETRIES,
            title="Max retries",
            description=(
                "Retries for a failed request (500, 502, 504, timeouts, dropped connections, "
                "truncated bodies, 403 under load) with exponential backoff and jitter. Refusals "
                "at the rate limit (429, 503) are not failures: they wait as long as Retry-After "
                "asks, holding back the whole account, and slow its pace."
            ),
        ),
        th.Property(
            "user_agent",
            th.StringType,
            default=default_user_agent,
            title="User agent",
            description="User-Agent header sent with every request.",
        ),
    ]


def client_from_config(
    config: t.Mapping[str, t.Any],
    *,
    default_user_agent: str,
    logger: logging.Logger | None = None,
    **overrides: t.Any,
) -> ApiClient:
    """An ApiClient for the account in `config`; `overrides` win (e.g. max_retries=0)."""
    retries = config.get("max_retries")
    options: dict[str, t.Any] = {
        "requests_per_second": float(config.get("requests_per_second") or DEFAULT_RPS),
        "request_timeout": float(config.get("request_timeout") or DEFAULT_TIMEOUT),
        "max_retries": int(retries if retries is not None else DEFAULT_RETRIES),
        "user_agent": config.get("user_agent") or default_user_agent,
        "logger": logger,
    }
    options.update(overrides)
    return ApiClient(config["api_url"], config["api_token"], **options)
