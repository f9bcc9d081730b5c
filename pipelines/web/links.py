"""The absolute base of links that leave the page (calendar events, CSV rows, shared trips).

``AIYO_PUBLIC_BASE_URL`` wins; else the host the browser used, as a proxy forwards it
(``X-Forwarded-Proto``/``X-Forwarded-Host``, first value) or the request's own ``Host``.
Header values are checked against a strict host pattern, so a forged header cannot put
markup or another path into a link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_HOST = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$")
_PREFIX = re.compile(r"^(/[A-Za-z0-9._~-]+)*$")


def _first(headers: Mapping[str, str], name: str) -> str:
    return (headers.get(name) or "").split(",")[0].strip()


def base_url(request: Any, configured: str | None = None) -> str | None:
    """``scheme://host[:port][/prefix]`` without a trailing slash, or None when nothing trustworthy is known."""
    if configured:
        return configured.rstrip("/")
    headers = getattr(request, "headers", None)
    if not headers:
        return None
    headers = {k.lower(): v for k, v in dict(headers).items()}
    host = _first(headers, "x-forwarded-host") or _first(headers, "host")
    scheme = _first(headers, "x-forwarded-proto").lower() or _scheme(request)
    prefix = _first(headers, "x-forwarded-prefix").rstrip("/")
    if not _HOST.match(host) or scheme not in ("http", "https") or not _PREFIX.match(prefix):
        return None
    return f"{scheme}://{host}{prefix}"


def _scheme(request: Any) -> str:
    try:
        return str(request.url.scheme or "http")
    except Exception:  # noqa: BLE001 - a request without a URL (tests, API clients): plain http
        return "http"
