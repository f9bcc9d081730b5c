"""Secrets out of everything a person or a log sees: service URLs, error messages, log records.

Service URLs may carry credentials (``http://alice:pw@ollama:11434``, ``…?api_key=…``) and errors
from HTTP clients repeat them; API keys and bearer tokens turn up in exception text. ``/ready``, the
page header, ``/api/info``, the turn log and the process log show only what passes through here.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

MASK = "***"

# A URL inside free text ends at whitespace, quotes, brackets or CJK punctuation (「無回應」、（…）).
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>()\[\]{}\u3000-\u303f\uff00-\uffef]+")
_URL_USERINFO = re.compile(r"(?<=://)[^/?#\s]*@")
# user:password@host without a scheme (as a bare netloc shows it): the host has a dot, a port or [IPv6].
_BARE_USERINFO = re.compile(r"(?<![\w/@:.*-])[^\s/@:\"'<>()]+:[^\s/@\"'<>()]+@(?=\[|[\w-]+(?:\.[\w-]+)+|[\w-]+:\d)")
_SECRETS = re.compile(
    r"(?P<sk>sk-[A-Za-z0-9_-]{12,})"
    r"|(?P<bearer>\bBearer\s+)[^\s\"',;]+"
    r"|(?P<name>\b(?:api[_-]?key|access[_-]?token|token|secret|password|passwd|pwd)\b\s*[=:]\s*)"
    r"[^\s\"'&,;<>()\[\]{}\u3000-\u303f\uff00-\uffef]+",
    re.IGNORECASE,
)


def redact_url(url: str | None) -> str | None:
    """``url`` with its userinfo replaced by ``***`` and every query value masked; no fragment.

    ``http://bob:pw@llm:8000/v1?api_key=k`` → ``http://***@llm:8000/v1?api_key=***``: the host, port
    and path stay (they are what an operator needs to see), anything that can hold a secret goes.
    """
    if not url:
        return url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # not parseable as a URL (e.g. a bad port): mask what looks like credentials
        return _mask_loose(url)
    if not parts.netloc:
        return _mask_loose(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    netloc = (f"{MASK}@" if "@" in parts.netloc else "") + (f"{host}:{port}" if port else host)
    query = "&".join(f"{name}={MASK}" for name, _ in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def host_port(url: str) -> str:
    """``host:port`` of a service URL for zh-TW messages (「127.0.0.1:11434 無回應」), never its credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _mask_loose(url)
    if not parts.hostname:
        return _mask_loose(url)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{host}:{port}" if port else host


def redact_text(text: str) -> str:
    """Free text (an error, a log line) with every URL redacted and API keys / bearer tokens masked."""
    if not text:
        return text
    text = _URL.sub(lambda m: redact_url(m.group(0)) or "", text)
    return _mask_loose(text)


def redact_value(value: Any) -> Any:
    """:func:`redact_text` applied to every string inside lists and dicts (a JSON-like record)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    return value


def _mask_loose(text: str) -> str:
    text = _URL_USERINFO.sub(f"{MASK}@", text)
    text = _BARE_USERINFO.sub(f"{MASK}@", text)
    return _SECRETS.sub(_mask_secret, text)


def _mask_secret(match: re.Match[str]) -> str:
    return MASK if match.group("sk") else (match.group("bearer") or match.group("name")) + MASK


def install_log_redaction() -> None:
    """Redact every log record when it is created (ours, httpx's request lines, uvicorn's), idempotently.

    A record factory rather than a handler filter: it also covers handlers configured later (uvicorn
    sets up its own) and third-party loggers that do not propagate.
    """
    base = logging.getLogRecordFactory()
    if getattr(base, "aiyo_redacts", False):
        return

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        if _shows_secret(record) and isinstance(record.args, tuple) and record.args:
            # formatters such as uvicorn's access log unpack args: keep the tuple, redact its items
            record.args = tuple(_redact_arg(a) for a in record.args)
        if _shows_secret(record):  # the secret is in the message itself
            record.msg, record.args = redact_text(record.getMessage()), ()
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = redact_text("".join(traceback.format_exception(*record.exc_info))).rstrip("\n")
        return record

    make_record.aiyo_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)


def _shows_secret(record: logging.LogRecord) -> bool:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string: logging reports it itself
        return False
    return redact_text(message) != message


def _redact_arg(arg: Any) -> Any:
    if isinstance(arg, str):
        return redact_text(arg)
    if arg is None or isinstance(arg, int | float | bool):
        return arg
    shown = str(arg)
    clean = redact_text(shown)
    return arg if clean == shown else clean
