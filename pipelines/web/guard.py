"""The HTTP edge in front of FastAPI + Gradio: only the routes the page uses, bounded requests, security headers.

One pure ASGI layer (streaming responses such as the queue's server-sent events pass through untouched):

- **Routes**: the page, its assets and the API calls the page and ``gradio_client`` make are open; every
  other route Gradio mounts (uploads, run history, monitoring, OpenAPI, vibe editing, proxies…) is a
  404, so a new Gradio release cannot quietly open one. Uploads get a zh-TW 403: the page takes none.
- **Request size**: bodies above ``Settings.max_request_bytes`` get a zh-TW 413 (a chat message is a few KB).
- **Headers**: a Content-Security-Policy that names the page's own inline scripts by hash (computed
  from the HTML actually served, so no ``'unsafe-inline'`` scripts), no framing, no sniffing.
- **A full Gradio queue** answers 429 in zh-TW with ``Retry-After`` instead of Gradio's English 503
  (the browser shows a 429's text; a 503 it replaces with its own English sentence).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# --- routes ------------------------------------------------------------------------------------------
# Exact paths and prefixes the page (Chromium) and gradio_client were seen to call; extend here when the
# page gains a component that needs another Gradio route (the browser tests will show which).
_READ_PATHS = {
    "/", "/config", "/config/", "/theme.css", "/favicon.ico", "/robots.txt", "/manifest.json",
    "/health", "/ready", "/api/info", "/gradio_api/info", "/gradio_api/info/", "/gradio_api/queue/data",
    "/gradio_api/queue/status",
}  # fmt: skip
_READ_PREFIXES = (
    "/assets/", "/static/", "/pwa_icon", "/media/", "/gradio_api/heartbeat/", "/gradio_api/file=",
    "/gradio_api/call/",
)  # fmt: skip
_WRITE_PATHS = {"/gradio_api/queue/join", "/gradio_api/cancel", "/gradio_api/reset", "/gradio_api/reset/"}
_WRITE_PREFIXES = ("/gradio_api/run/", "/gradio_api/call/")  # quick (queue=False) events; the curl API
UPLOADS = ("/gradio_api/upload", "/gradio_api/upload_progress", "/gradio_api/process_recording")
_QUEUE_JOINS = ("/gradio_api/queue/join", "/gradio_api/call/")

MSG_NOT_FOUND = "找不到這個網址。"
MSG_NO_UPLOADS = "這個頁面不接受上傳檔案。"
MSG_TOO_LARGE = "送出的資料太大了（上限 {kb} KB）；訊息請縮短後再試。"

# --- headers -----------------------------------------------------------------------------------------
# Each allowance beyond 'self' is there because the page breaks without it (tests/web/test_csp_browser.py):
CSP_BASE = {
    "default-src": "'self'",
    # gr.HTML compiles its html_template with Handlebars and runs js_on_load through Function(): both
    # are eval to the browser. The page's inline <script>s are added by hash per response.
    "script-src": "'self' 'unsafe-eval'",
    # Svelte components set style="" attributes and inject <style> elements at run time.
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",  # the theme's icons are data: SVGs
    "font-src": "'self'",  # the theme's fonts are served from /static/fonts
    "media-src": "'self'",  # the sample videos under /media
    "connect-src": "'self'",  # the queue, heartbeat and API calls
    "frame-src": "https://www.youtube-nocookie.com",  # the YouTube segment player
    "object-src": "'none'",
    "base-uri": "'self'",  # Gradio's page has <base href="./">
    "form-action": "'self'",
    "frame-ancestors": "'none'",  # nobody may frame the page (clickjacking)
}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP level 2
    "Referrer-Policy": "strict-origin-when-cross-origin",  # YouTube embeds need the origin
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def content_security_policy(html: bytes = b"") -> str:
    """The policy for a response; an HTML page's inline scripts are allowed by their sha256 only."""
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'" for s in _inline_scripts(html)]
    directives = {**CSP_BASE, "script-src": " ".join([CSP_BASE["script-src"], *hashes])}
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def _inline_scripts(html: bytes) -> list[bytes]:
    return [m.group(1) for m in _INLINE_SCRIPT.finditer(html)]


def route_is_open(method: str, path: str) -> bool:
    if method in ("GET", "HEAD"):
        return path in _READ_PATHS or path.startswith(_READ_PREFIXES)
    if method == "POST":
        return path in _WRITE_PATHS or path.startswith(_WRITE_PREFIXES)
    return method == "OPTIONS"  # CORS preflights: the CORS middleware answers them


class HttpGuard:
    """ASGI middleware; ``busy_message(seconds)`` words a full queue, ``max_body`` caps request bodies."""

    def __init__(self, app: ASGIApp, max_body: int, busy_message: Callable[[int], str], retry_after_s: int = 30):
        self.app, self.max_body = app, max_body
        self.busy_message, self.retry_after_s = busy_message, retry_after_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if method == "POST" and path.rstrip("/") in UPLOADS:
            await _json(send, 403, MSG_NO_UPLOADS)
            return
        if not route_is_open(method, path):
            await _json(send, 404, MSG_NOT_FOUND)
            return
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _json(send, 413, MSG_TOO_LARGE.format(kb=self.max_body // 1024))
            return
        queue_join = method == "POST" and path.startswith(_QUEUE_JOINS)
        responder = _Responder(self, _header(scope, b"accept-encoding"), send, queue_join)
        if path == "/":  # the page is hashed before it is compressed: Gradio must send it plain
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]}
        await self.app(scope, receive, responder.send)


class _Responder:
    """Adds the headers to one response; buffers an HTML page (to hash its scripts) or a queue refusal."""

    def __init__(self, guard: HttpGuard, accept_encoding: str | None, send: Send, queue_join: bool):
        self.guard, self.accept_encoding, self._send, self.queue_join = guard, accept_encoding, send, queue_join
        self.start: Message | None = None
        self.body = bytearray()
        self.mode = "pass"  # pass | html | busy

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
            if self.queue_join and message["status"] == 503:
                self.mode = "busy"
            elif _content_type(headers).startswith(b"text/html") and not _content_encoding(headers):
                self.mode = "html"
            self.start = {**message, "headers": headers}
            if self.mode == "pass":
                await self._send(_with_headers(self.start, content_security_policy()))
            return
        if self.mode == "pass" or message["type"] != "http.response.body":
            await self._send(message)
            return
        self.body += message.get("body", b"")
        if message.get("more_body"):
            return
        if self.mode == "busy":
            await _json(self._send, 429, self.guard.busy_message(self.guard.retry_after_s), self.guard.retry_after_s)
        else:
            await self._send_html(bytes(self.body))

    async def _send_html(self, page: bytes) -> None:
        assert self.start is not None
        headers = [(k, v) for k, v in self.start["headers"] if k.lower() != b"content-length"]
        body = page
        if "gzip" in (self.accept_encoding or ""):  # the page is ~100 KB of config: worth it on a phone
            body = gzip.compress(page, compresslevel=6)
            headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
        start = {**self.start, "headers": [*headers, (b"content-length", str(len(body)).encode())]}
        await self._send(_with_headers(start, content_security_policy(page)))
        await self._send({"type": "http.response.body", "body": body})


_OURS = {k.lower().encode() for k in [*SECURITY_HEADERS, "Content-Security-Policy"]}


def _with_headers(start: Message, csp: str) -> Message:
    extra = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
    return {**start, "headers": [*start["headers"], *extra, (b"content-security-policy", csp.encode())]}


async def _json(send: Send, status: int, detail: str, retry_after: int | None = None) -> None:
    body = json.dumps({"detail": detail, "error": detail}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    start = {"type": "http.response.start", "status": status, "headers": headers}
    await send(_with_headers(start, content_security_policy()))
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _content_type(headers: list[tuple[bytes, bytes]]) -> bytes:
    return next((v for k, v in headers if k.lower() == b"content-type"), b"")


def _content_encoding(headers: list[tuple[bytes, bytes]]) -> bytes:
    return next((v for k, v in headers if k.lower() == b"content-encoding"), b"")
