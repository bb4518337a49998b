"""HTTP discipline shared by the tap and the target: one place for auth, rate limit and retries.

ActiveCampaign allows 5 requests per second per *account*, shared by every key, so every stream,
sink and thread of a process must draw from one limiter per account URL.
"""

from activecampaign_http.client import (
    ApiClient,
    ApiError,
    AuthError,
    RetriesExhaustedError,
)
from activecampaign_http.ratelimit import RateLimiter, get_rate_limiter
from activecampaign_http.retry import RetryPolicy, poll
from activecampaign_http.secrets import SecretFilter, install_secret_filter, redact
from activecampaign_http.urls import validate_api_url

__all__ = [
    "ApiClient",
    "ApiError",
    "AuthError",
    "RateLimiter",
    "RetriesExhaustedError",
    "RetryPolicy",
    "SecretFilter",
    "get_rate_limiter",
    "install_secret_filter",
    "poll",
    "redact",
    "validate_api_url",
]
