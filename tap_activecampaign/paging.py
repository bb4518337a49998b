"""Page-level facts of the API shared by the base stream and the change-capture reads."""

from __future__ import annotations

import typing as t

PAGE_SIZE = 100  # the API's maximum `limit`


def meta_total(body: t.Any) -> int | None:
    """``meta.total`` as an int (the API sends a string), or None when absent."""
    if not isinstance(body, dict):
        return None
    meta = body.get("meta")
    if not isinstance(meta, dict):
        return None
    try:
        return int(meta["total"])
    except (KeyError, TypeError, ValueError):
        return None
