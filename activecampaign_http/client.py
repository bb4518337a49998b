"""The one HTTP client every stream and sink uses: pacing, retries, auth check, error text."""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import typing as t
from collections.abc import Iterable
from urllib.parse import urlsplit

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError, SSLError

from activecampaign_http.ratelimit import get_rate_limiter
from activecampaign_http.secrets import install_secret_filter, redact
from activecampaign_http.urls import validate_api_url

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
TRANSPORT_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
MAX_THROTTLES = 30  # 429s are the server pacing us, not failures: allow many
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
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.logger = logger or logging.getLogger("activecampaign_http")
        self._token = api_token
        self._user_agent = user_agent
        self._pool_size = pool_size
        self._local = threading.local()
        self._environments: dict[tuple[str, str], dict[str, t.Any]] = {}
        self._auth_proven = False
        self._stats_lock = threading.Lock()
        self.stats = {"requests": 0, "retries": 0, "throttled": 0}

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

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter, so parallel callers do not retry in lockstep."""
        ceiling = min(self.backoff_max, self.backoff_base * (2**attempt))
        return random.uniform(ceiling / 2, ceiling)

    @staticmethod
    def retry_after(response: requests.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            return None

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
        The parsed body is available as `response.ac_json`.
        """
        if "json" in kwargs:
            json_body = kwargs.pop("json")
        if kwargs:
            raise TypeError(f"unexpected arguments: {sorted(kwargs)}")
        method = method.upper()
        url = self.url_for(path)
        environment = self.environment(url)
        allowed = set(ok_statuses)
        failures = 0
        throttles = 0
        auth_refusals = 0
        last_status: int | None = None
        last_body: t.Any = None
        while True:
            self.limiter.acquire()
            self._count("requests")
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    timeout=self.request_timeout,
                    stream=True,  # read in one go by `_parse`
                    **environment,
                )
                body = self._parse(response)
            except TRANSPORT_ERRORS as exc:
                last_status, last_body = None, type(exc).__name__
                failures += 1
                if failures > self.max_retries:
                    raise RetriesExhaustedError(
                        None, method, path, last_body, f"gave up after {failures} attempts"
                    ) from None
                wait = self._backoff(failures - 1)
                self.logger.warning(
                    "%s %s failed (%s); retry %d/%d in %.1fs",
                    method,
                    path,
                    type(exc).__name__,
                    failures,
                    self.max_retries,
                    wait,
                )
                self._count("retries")
                time.sleep(wait)
                continue

            status = response.status_code
            if 200 <= status < 300 or status in allowed:
                if 200 <= status < 300:
                    self._auth_proven = True
                response.ac_json = body  # type: ignore[attr-defined]
                return response
            last_status, last_body = status, body

            if status == 429:
                throttles += 1
                self._count("throttled")
                wait = self.retry_after(response)
                wait = wait if wait is not None else self._backoff(min(throttles, 5))
                self.limiter.pause(wait)
                if throttles > MAX_THROTTLES:
                    raise RetriesExhaustedError(status, method, path, body, "still rate limited")
                self.logger.info("%s %s: 429, waiting %.1fs as asked", method, path, wait)
                continue

            if status in (401, 403):
                auth_refusals += 1
                if not self._auth_proven and auth_refusals > 1:
                    raise AuthError(
                        status,
                        method,
                        path,
                        body,
                        "the API token was refused; check api_token and api_url "
                        "(Settings > Developer)",
                    )
                if status == 401:
                    raise AuthError(status, method, path, body, "the API token was refused")
                # ActiveCampaign answers the odd 403 under load once the token is known good.
            elif status not in RETRYABLE_STATUSES:
                raise ApiError(status, method, path, body)

            failures += 1
            if failures > self.max_retries:
                raise RetriesExhaustedError(
                    status, method, path, body, f"gave up after {failures} attempts"
                )
            wait = self.retry_after(response) or self._backoff(failures - 1)
            self.logger.warning(
                "%s %s: HTTP %d; retry %d/%d in %.1fs",
                method,
                path,
                status,
                failures,
                self.max_retries,
                wait,
            )
            self._count("retries")
            time.sleep(wait)
        raise RetriesExhaustedError(last_status, method, path, last_body)  # pragma: no cover

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
