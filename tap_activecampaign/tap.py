"""tap-activecampaign: every ActiveCampaign API v3 list endpoint as a Singer stream.

The Tap is settings, discovery and the run's shared services (one HTTP client and rate
limiter, one thread pool, the contacts sideloads) that its streams use through
``sdk_compat.TapServices``. Streams are listed in ``streams``; how messages are written is
``output``'s.
"""

from __future__ import annotations

import threading
import typing as t
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cached_property

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError
from typing_extensions import override

from activecampaign_http import ApiClient, ApiError, AuthError, validate_api_url
from activecampaign_http.settings import client_from_config, connection_properties
from tap_activecampaign import changes
from tap_activecampaign.output import BufferedSingerWriter, SnapshotStateWriter
from tap_activecampaign.sdk_compat import install_state_writer
from tap_activecampaign.streams import ALL
from tap_activecampaign.streams.automations import ActivitiesStream, ContactActivitiesStream
from tap_activecampaign.streams.custom_objects import (
    custom_object_definitions,
    custom_object_streams,
)

if t.TYPE_CHECKING:
    from singer_sdk import Stream

    from tap_activecampaign.client import ActiveCampaignStream
    from tap_activecampaign.sideloads import Sideloads

__version__ = "0.1.0"


def _in_daemon_thread(fn: t.Callable[..., t.Any], *args: t.Any) -> Future:
    """Run ``fn`` beside the caller; a daemon thread, so a failed start-up exits at once."""
    future: Future = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # handed to whoever awaits the future
            future.set_exception(exc)

    threading.Thread(target=run, name="ac-discovery", daemon=True).start()
    return future


class TapActiveCampaign(Tap):
    """Singer tap for ActiveCampaign API v3."""

    name = "tap-activecampaign"
    package_name = "activecampaign-singer"  # the distribution this tap ships in
    message_writer_class = BufferedSingerWriter

    config_jsonschema = th.PropertiesList(
        *connection_properties(f"tap-activecampaign/{__version__}"),
        th.Property(
            "start_date",
            th.DateTimeType,
            description=(
                "Earliest update time to read on the first run of incremental streams; "
                "omit to read everything."
            ),
        ),
        th.Property(
            "max_parallel_requests",
            th.IntegerType,
            default=6,
            description=(
                "Pages fetched concurrently per stream, within the rate limit, so slow "
                "responses do not lower throughput. Records are still emitted in order."
            ),
        ),
        th.Property(
            "lookback_window",
            th.IntegerType,
            default=3600,
            description=(
                "Seconds to re-read before the bookmark on incremental streams, so clock "
                "skew and date-granular API filters lose nothing. Records updated in the "
                "window are emitted again (at-least-once)."
            ),
        ),
        th.Property(
            "account_timezone",
            th.StringType,
            default="UTC",
            description=(
                "IANA time zone of the account, given to timestamps the API sends without "
                "an offset (e.g. '2019-11-22 14:15:37'); date filters are sent in its local "
                "time with its offset."
            ),
        ),
        th.Property(
            "reread_interval",
            th.IntegerType,
            default=changes.DEFAULT_REREAD_INTERVAL,
            description=(
                "Seconds a stream the API cannot filter by change may go without a whole "
                "read (the id scan of contacts and deals too, which finds deletions). "
                "Between whole reads an incremental run skips such a stream or reads only "
                "its tail or the rows that came with changed contacts. 0 reads them whole "
                "on every run."
            ),
        ),
        th.Property(
            "max_deleted_percent",
            th.IntegerType,
            default=changes.DEFAULT_MAX_DELETED_PERCENT,
            description=(
                "A whole read that finds more than this percentage of a stream's rows gone "
                "signals no deletion and warns why (the rows stay live downstream)."
            ),
        ),
        th.Property(
            "activities_per_contact",
            th.BooleanType,
            default=False,
            description=(
                "Read the activities stream one contact at a time (one request per contact, "
                "contacts read in full) instead of as one account-wide feed. Only for an "
                "account that refuses the account-wide read: the tap then says so and skips it."
            ),
        ),
        th.Property(
            "custom_objects",
            th.BooleanType,
            default=True,
            description=("Discover one stream per custom object schema (custom_object_<slug>)."),
        ),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self.message_writer, BufferedSingerWriter):
            install_state_writer(self, SnapshotStateWriter(self.message_writer))

    #: Custom object schemas read at discovery, reused by ``custom_object_schemas``.
    custom_object_definitions: list[dict[str, t.Any]] | None = None
    #: The children the contacts read of this run carries (set when contacts syncs).
    sideloads: Sideloads | None = None

    @cached_property
    def api_url(self) -> str:
        """The validated API URL."""
        try:
            return validate_api_url(self.config.get("api_url", ""))
        except ValueError as exc:
            raise ConfigValidationError(str(exc), errors=[str(exc)]) from None

    @cached_property
    def api_client(self) -> ApiClient:
        """The one HTTP client of the run (one rate limiter per account, shared by all)."""
        return client_from_config(
            {**self.config, "api_url": self.api_url},
            default_user_agent=f"tap-activecampaign/{__version__}",
            logger=self.logger,
            pool_size=max(8, int(self.config.get("max_parallel_requests", 6)) * 2),
        )

    def verify_token(self) -> None:
        """Prove the token with one request, so a bad one fails in seconds, saying so."""
        try:
            self.api_client.check_auth()
        except AuthError as exc:
            msg = (
                "ActiveCampaign refused the API token (HTTP "
                f"{exc.status}): check api_token and api_url (Settings > Developer)."
            )
            raise ConfigValidationError(msg, errors=[msg]) from None
        except ApiError as exc:
            msg = f"Could not reach the ActiveCampaign API at api_url: {exc}"
            raise ConfigValidationError(msg, errors=[msg]) from None

    @cached_property
    def executor(self) -> ThreadPoolExecutor:
        """Thread pool for concurrent page fetches (shared; the limiter paces it)."""
        workers = max(2, int(self.config.get("max_parallel_requests", 6)) * 2)
        return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ac-page")

    @override
    def load_streams(self) -> list[Stream]:
        """The SDK's order (by name), but contacts first: its pages carry the children
        (field values, tags, lists, ...) that the children's own syncs then need not read."""
        return sorted(super().load_streams(), key=lambda stream: stream.name != "contacts")

    def discover_streams(self) -> list[ActiveCampaignStream]:
        """Static streams for every list endpoint, plus one per custom object schema.

        The custom object schemas are fetched while the token check is in flight (one round
        trip saved at start-up); the check still decides whether the run goes on.
        """
        schemas = None
        if self.config.get("custom_objects", True):
            schemas = _in_daemon_thread(custom_object_definitions, self.api_client)
        try:
            self.verify_token()
        except ConfigValidationError:
            if schemas is not None:
                schemas.cancel()
            raise
        # Two ways to read activities; the setting picks one of them as `activities`.
        unused = (
            ActivitiesStream
            if self.config.get("activities_per_contact", False)
            else ContactActivitiesStream
        )
        found: list[ActiveCampaignStream] = [cls(tap=self) for cls in ALL if cls is not unused]
        if schemas is not None:
            try:
                self.custom_object_definitions = schemas.result()
            except ApiError as exc:
                if exc.status not in (403, 404):
                    raise
                # Custom objects are an Enterprise feature: without them, no such streams.
                self.logger.warning(
                    "Custom objects are not available on this account (HTTP %s)", exc.status
                )
                self.custom_object_definitions = []
            found.extend(custom_object_streams(self, self.custom_object_definitions))
        return found


if __name__ == "__main__":
    TapActiveCampaign.cli()
