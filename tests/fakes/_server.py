"""Shared machinery of the fake LLM servers: a scripted reply queue on a real HTTP server.

Each chat request pops the next ``Reply`` from the script, or, when the script is empty and the
server has a ``responder`` (a model policy, see ``tests/fakes/models.py``), asks it for one. The
request bodies are kept for assertions. Replies can stream text, tool calls, delays, error lines,
stream forever, or drop the connection.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted assistant turn."""

    text: str | list[str] = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # {"name", "arguments": dict or raw str}
    first_byte_delay: float = 0.0  # before the response headers (model load + prompt evaluation)
    chunk_delay: float = 0.0  # between streamed chunks
    status: int = 200  # non-200: an HTTP error with ``error`` as message, no stream
    error: str | None = None
    stream_error_after: int | None = None  # send an in-stream error line after N text chunks
    bare_error: bool = False  # OpenAI fake: the error as older vLLM sends it ({"object": "error", ...})
    die_after: int | None = None  # drop the connection after N text chunks
    truncate_after: int | None = None  # end the body cleanly after N text chunks, without the final chunk
    prompt_tokens: int = 120
    completion_tokens: int | None = None
    forever: bool = False  # repeat the text chunks until the client hangs up (a model that never stops)
    thinking: str = ""  # Ollama fake: streamed as message.thinking when the request asks to think
    finish_reason: str | None = None  # "length": the reply stopped at the token limit (default: stop / tool_calls)

    def chunks(self) -> list[str]:
        if isinstance(self.text, list):
            return self.text
        return [self.text[i : i + 4] for i in range(0, len(self.text), 4)]


class ScriptExhausted(Exception):
    pass


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 with a random port; use as a context manager."""

    handler_cls: type[BaseHTTPRequestHandler]

    def __init__(
        self, models: list[str], script: list[Reply] | None = None, responder: Callable[[dict], Reply] | None = None
    ):
        self.models = list(models)
        self.script: deque[Reply] = deque(script or [])
        self.responder = responder
        self.requests: list[dict[str, Any]] = []
        self.disconnects = 0
        self.completed = 0
        self._lock = threading.Lock()
        handler = type("Handler", (self.handler_cls,), {"fake": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def next_reply(self, body: dict | None = None) -> Reply:
        with self._lock:
            if self.script:
                return self.script.popleft()
        if self.responder is not None:
            return self.responder(body or {})
        raise ScriptExhausted

    def record(self, path: str, body: Any) -> None:
        with self._lock:
            self.requests.append({"path": path, "body": body})

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests if r["path"].endswith(("/api/chat", "/chat/completions"))]

    def wait_for(self, predicate, timeout: float = 3.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return predicate()

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


class ScriptedHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with chunked streaming, as Ollama and vLLM answer."""

    protocol_version = "HTTP/1.1"
    fake: FakeServer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):  # a client that hung up between requests
            self.close_connection = True

    def read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except json.JSONDecodeError:
            return {"_raw": raw.decode("utf-8", "replace")}

    def send_json(self, status: int, data: Any) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def start_stream(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def die(self) -> None:
        """Drop the connection mid-body, like a crashed server (the client sees an incomplete chunked read)."""
        self.wfile.write(b'ff\r\n{"partial')
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(2)

    def stream_reply(self, reply: Reply, encode_text, encode_tools, encode_done, encode_error) -> None:
        """Stream a scripted reply with the protocol's encoders; record a client disconnect."""
        try:
            if reply.first_byte_delay:
                time.sleep(reply.first_byte_delay)
            self.start_stream(self.stream_content_type)
            for head in self.stream_preamble():
                self.write_chunk(head)
            for n, piece in enumerate(_pieces(reply)):
                if reply.die_after is not None and n >= reply.die_after:
                    self.die()
                    return
                if reply.truncate_after is not None and n >= reply.truncate_after:
                    self.end_stream()
                    return
                if reply.stream_error_after is not None and n >= reply.stream_error_after:
                    self.write_chunk(encode_error(reply.error or "fake stream error"))
                    self.end_stream()
                    return
                if n and reply.chunk_delay:
                    time.sleep(reply.chunk_delay)
                self.write_chunk(encode_text(piece))
            if reply.die_after is not None:
                self.die()
                return
            for data in encode_tools(reply.tool_calls):
                if reply.chunk_delay:
                    time.sleep(reply.chunk_delay)
                self.write_chunk(data)
            for data in encode_done(reply):
                self.write_chunk(data)
            self.end_stream()
            self.fake.completed += 1
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.fake.disconnects += 1
            self.close_connection = True

    stream_content_type = "application/octet-stream"

    def stream_preamble(self) -> list[bytes]:
        return []


def _pieces(reply: Reply) -> Iterator[str]:
    chunks = reply.chunks()
    yield from chunks
    while reply.forever:
        yield from chunks


def completion_tokens(reply: Reply) -> int:
    if reply.completion_tokens is not None:
        return reply.completion_tokens
    return max(1, len("".join(reply.chunks())) + 20 * len(reply.tool_calls))
