"""The one HTTP client every stream and sink uses: pacing, retries, auth check, error text."""

from __future__ import annotations

import json
import logging
import threading
import typing as t
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError, SSLError

from activecampaign_http.ratelimit import get_rate_limiter
from activecampaign_http.retry import (
    FAILED,
    FAILURE_STATUSES,
    REFUSAL_STATUSES,
    REFUSED,
    Retry,
    RetryPolicy,
    parse_retry_after,
)
from activecampaign_http.secrets import install_secret_filter, redact
from activecampaign_http.urls import validate_api_url

TRANSPORT_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
BODY_EXCERPT = 500
#: Digits mapped to "0", every other byte to " ": a run of 20 zeros in the result marks a
#: possible integer beyond 64 bits, which orjson would turn into a float (see `loads`).
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_DIGIT_RUN = b"0" * 20


def loads(body: bytes) -> t.Any:
    """Parse JSON as the standard library would, with orjson's speed where they agree.

    orjson rejects some input the standard library accepts (NaN, lone surrogates, a BOM) and
    reads integers beyond 64 bits as floats; the standard library handles those, so results
    and errors are the same as ``json.loads`` (a ``ValueError`` on invalid or cut-off JSON).
    """
    if body.translate(_DIGITS).find(_LONG_DIGIT_RUN) < 0:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return json.loads(body)


class ApiError(Exception):
    """A response the API will keep giving: the caller must decide (reject, stop, ...)."""

    def __init__(self, status: int | None, method: str, path: str, body: t.Any, note: str = ""):
        self.status = status
        self.method = method
        self.path = path
        self.body = body
        text = body if isinstance(body, str) else json.dumps(body)[:BODY_EXCERPT]
        where = f"{method} {path}"
        lead = f"HTTP {status}" if status is not None else "no response"
        super().__init__(redact(f"{where}: {lead}{': ' + note if note else ''}: {text}"))


class AuthError(ApiError):
    """The token was refused: retrying will not help, so say so at once."""


class RetriesExhaustedError(ApiError):
    """A retryable failure that outlasted every retry."""


@dataclass
class _Call:
    """One logical request, across its attempts."""

    method: str
    path: str
    url: str
    params: t.Any
    json_body: t.Any
    allowed: frozenset[int]
    auth_refusals: int = 0


class ApiClient:
    """Thread-safe ActiveCampaign v3 client that stays inside the account's rate limit."""

    def __init__(
        self,
        api_url: str,
        api_token: str,
        *,
        requests_per_second: float = 5.0,
        request_timeout: float = 30.0,
        max_retries: int = 8,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        user_agent: str = "activecampaign-singer",
        logger: logging.Logger | None = None,
        pool_size: int = 16,
    ) -> None:
        if not api_token:
            raise ValueError("api_token is required (Settings > Developer in ActiveCampaign)")
        install_secret_filter(api_token)
        self.api_url = validate_api_url(api_url)
        self.limiter = get_rate_limiter(self.api_url, requests_per_second)
        self.request_timeout = request_timeout
        self.policy = RetryPolicy(
            self.limiter,
            max_retries=max_retries,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
        )
        self._send = self.policy.retrying(self._attempt, self._on_retry)
        self.logger = logger or logging.getLogger("activecampaign_http")
        self._token = api_token
        self._user_agent = user_agent
        self._pool_size = pool_size
        self._local = threading.local()
        self._environments: dict[tuple[str, str], dict[str, t.Any]] = {}
        self._auth_proven = False
        self._stats_lock = threading.Lock()
        self.stats = {"requests": 0, "retries": 0, "throttled": 0}

    @property
    def max_retries(self) -> int:
        """Retries of a failed request (refusals, 429 and 503, have their own budget)."""
        return self.policy.max_retries

    @max_retries.setter
    def max_retries(self, value: int) -> None:
        self.policy.max_retries = value

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def session(self) -> requests.Session:
        """One session per thread: requests' Session is not documented as thread-safe."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # read once per host instead: see `environment`
            adapter = HTTPAdapter(pool_connections=2, pool_maxsize=self._pool_size)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            session.headers.update(
                {
                    "Api-Token": self._token,
                    "Accept": "application/json",
                    "User-Agent": self._user_agent,
                }
            )
            self._local.session = session
        return session

    def environment(self, url: str) -> dict[str, t.Any]:
        """Proxies, CA bundle and .netrc credentials for ``url``'s host, read once per host.

        requests looks these up in the environment on every request (scanning os.environ,
        stat-ing ~/.netrc), which costs more CPU than the rest of preparing the request. The
        sessions here have ``trust_env`` off and pass what this returns, which is what requests
        would have found for the same URL.
        """
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        found = self._environments.get(key)
        if found is None:
            with requests.Session() as probe:  # trust_env on, as a default session has it
                settings = probe.merge_environment_settings(url, {}, None, None, None)
            found = {
                "proxies": settings["proxies"],
                "verify": settings["verify"],
                "cert": settings["cert"],
                "auth": requests.utils.get_netrc_auth(url),
            }
            self._environments[key] = found
        return found

    def url_for(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.api_url}/{path.lstrip('/')}"

    def _count(self, key: str) -> None:
        with self._stats_lock:
            self.stats[key] += 1

    @staticmethod
    def decode(response: requests.Response) -> t.Any:
        """The body as JSON when it is JSON, else text; empty bodies become None."""
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text[:BODY_EXCERPT]

    # -- the one request path -----------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, t.Any] | list[tuple[str, t.Any]] | None = None,
        json_body: t.Any = None,
        ok_statuses: Iterable[int] = (),
        **kwargs: t.Any,
    ) -> requests.Response:
        """Send one request, retrying what is transient; return a 2xx or an allowed status.

        JSON bodies are parsed inside the retry loop: a truncated body is a transient fault.
        The parsed body is available as `response.ac_json`. What is retried, how often and
        how long we wait is `self.policy` (activecampaign_http.retry).
        """
        if "json" in kwargs:
            json_body = kwargs.pop("json")
        if kwargs:
            raise TypeError(f"unexpected arguments: {sorted(kwargs)}")
        method = method.upper()
        url = self.url_for(path)
        call = _Call(method, path, url, params, json_body, frozenset(ok_statuses))
        try:
            return self._send(call)
        except Retry as exc:
            raise RetriesExhaustedError(exc.status, method, path, exc.body, exc.note) from None

    def _attempt(self, call: _Call) -> requests.Response:
        """One try: the answer, an ApiError to give the caller, or a `Retry` for the policy."""
        sent_at = self.limiter.acquire()
        self._count("requests")
        try:
            response = self.session.request(
                call.method,
                call.url,
                params=call.params,
                json=call.json_body,
                timeout=self.request_timeout,
                stream=True,  # read in one go by `_parse`
                **self.environment(call.url),
            )
            body = self._parse(response)
        except TRANSPORT_ERRORS as exc:
            name = type(exc).__name__
            raise Retry(FAILED, status=None, body=name, reason=f"failed ({name})") from None

        status = response.status_code
        if status in REFUSAL_STATUSES:
            self._count("throttled")
            raise Retry(
                REFUSED,
                status=status,
                body=body,
                reason=str(status),
                retry_after=parse_retry_after(response.headers),
                sent_at=sent_at,
            )
        self.limiter.answered(sent_at)
        if 200 <= status < 300 or status in call.allowed:
            if 200 <= status < 300:
                self._auth_proven = True
            response.ac_json = body  # type: ignore[attr-defined]
            return response
        if status in (401, 403):
            call.auth_refusals += 1
            if not self._auth_proven and call.auth_refusals > 1:
                raise AuthError(
                    status,
                    call.method,
                    call.path,
                    body,
                    "the API token was refused; check api_token and api_url (Settings > Developer)",
                )
            if status == 401:
                raise AuthError(status, call.method, call.path, body, "the API token was refused")
            # ActiveCampaign answers the odd 403 under load once the token is known good.
        elif status not in FAILURE_STATUSES:
            raise ApiError(status, call.method, call.path, body)
        raise Retry(
            FAILED,
            status=status,
            body=body,
            reason=f"HTTP {status}",
            retry_after=parse_retry_after(response.headers),
        )

    def _on_retry(self, details: dict[str, t.Any]) -> None:
        """backoff's on_backoff handler: log the retry (never the arguments) and count it."""
        outcome: Retry = details["exception"]
        call: _Call = details["args"][0]
        if outcome.kind == REFUSED:
            self.logger.info(
                "%s %s: %s, waiting %.1fs as asked (pace now %.2f requests/s)",
                call.method,
                call.path,
                outcome.reason,
                details["wait"],
                self.limiter.rate,
            )
            return
        self._count("retries")
        self.logger.warning(
            "%s %s%s%s; retry %d/%d in %.1fs",
            call.method,
            call.path,
            ": " if outcome.status is not None else " ",
            outcome.reason,
            outcome.attempt,
            outcome.budget,
            details["wait"],
        )

    @staticmethod
    def _read(response: requests.Response) -> bytes:
        """The whole body in one read, kept as ``response.content``.

        ``response.content`` would assemble the body from 10 KB chunks, which costs more CPU
        than parsing it on large pages. Errors map as requests maps them, so a cut-off body
        is a ``ChunkedEncodingError`` and a stalled one a ``ConnectionError`` (both retried).
        """
        try:
            content = response.raw.read(decode_content=True)
        except ProtocolError as exc:
            raise requests.exceptions.ChunkedEncodingError(exc) from exc
        except DecodeError as exc:
            raise requests.exceptions.ContentDecodingError(exc) from exc
        except ReadTimeoutError as exc:
            raise requests.exceptions.ConnectionError(exc) from exc
        except SSLError as exc:
            raise requests.exceptions.SSLError(exc) from exc
        # Read to the end, the connection is back in the pool (urllib3 releases it).
        response._content = content or b""
        response._content_consumed = True
        return response._content

    @classmethod
    def _parse(cls, response: requests.Response) -> t.Any:
        """Read and parse the whole body now, so truncation surfaces as a retryable error."""
        content = cls._read(response)  # raises ChunkedEncodingError on a cut-off body
        if not content:
            return None
        content_type = response.headers.get("Content-Type", "")
        if "json" not in content_type and content[:1] not in (b"{", b"["):
            return response.text[:BODY_EXCERPT]
        try:
            return loads(content)
        except ValueError as exc:
            if 200 <= response.status_code < 300:
                raise requests.exceptions.ContentDecodingError(
                    "response body is not complete JSON"
                ) from exc
            return response.text[:BODY_EXCERPT]

    def get_json(self, path: str, params: t.Any = None) -> t.Any:
        return self.request("GET", path, params=params).ac_json  # type: ignore[attr-defined]

    def check_auth(self) -> dict:
        """Prove the token with one cheap request, failing within seconds if it is refused."""
        previous = self.max_retries
        self.max_retries = min(previous, 3)
        try:
            body = self.get_json("users/me")
        finally:
            self.max_retries = previous
        return body.get("user", {}) if isinstance(body, dict) else {}
