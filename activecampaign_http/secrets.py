"""Keep the API token out of every log line, whichever logger or handler emits it."""

from __future__ import annotations

import logging
import threading
import traceback

MASK = "***"
_secrets: set[str] = set()
_install_lock = threading.Lock()
_factory_installed = False


def redact(text: str, secrets: set[str] | None = None) -> str:
    """Replace every known secret in `text` with a mask."""
    for secret in secrets if secrets is not None else _secrets:
        if secret and secret in text:
            text = text.replace(secret, MASK)
    return text


class SecretFilter(logging.Filter):
    """A handler filter that masks secrets; used where a record factory cannot reach."""

    def filter(self, record: logging.LogRecord) -> bool:
        _scrub(record)
        return True


def _scrub(record: logging.LogRecord) -> None:
    if not _secrets:
        return
    try:
        message = record.getMessage()
    except Exception:  # a malformed log call must not hide the rest
        message = str(record.msg)
    record.msg = redact(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


def install_secret_filter(secret: str) -> None:
    """Mask `secret` in every log record created from now on in this process.

    A record factory sees every record of every logger, including the SDK's and urllib3's,
    before any handler formats it, so no handler configured later can leak the token.
    """
    global _factory_installed
    if not secret:
        return
    with _install_lock:
        _secrets.add(secret)
        if _factory_installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _scrub(record)
            return record

        logging.setLogRecordFactory(factory)
        _factory_installed = True
