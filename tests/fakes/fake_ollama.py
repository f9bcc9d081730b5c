"""A fake Ollama server speaking the real HTTP API: /api/chat (NDJSON stream, tool_calls),
/api/show, /api/tags, /api/version, and errors shaped as Ollama sends them."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from tests.fakes._server import FakeServer, Reply, ScriptedHandler, ScriptExhausted, completion_tokens

__all__ = ["FakeOllama", "Reply"]


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _line(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False) + "\n").encode()


class _OllamaHandler(ScriptedHandler):
    stream_content_type = "application/x-ndjson"

    def do_GET(self) -> None:
        if self.path == "/api/tags":
            self.fake.record(self.path, None)
            models = [
                {
                    "name": m,
                    "model": m,
                    "modified_at": _now(),
                    "size": 4_683_087_332,
                    "digest": "845dbda0ea48ed749caafd9e6037047aa19acfcfd82e704d7ca97d631a0b697e",
                    "details": {
                        "format": "gguf",
                        "family": "qwen2",
                        "parameter_size": "7.6B",
                        "quantization_level": "Q4_K_M",
                    },
                }
                for m in self.fake.models
            ]
            self.send_json(200, {"models": models})
        elif self.path == "/api/version":
            self.send_json(200, {"version": "0.12.6"})
        elif self.path == "/":
            body = b"Ollama is running"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_json(404, {"error": "404 page not found"})

    def do_POST(self) -> None:
        body = self.read_json()
        self.fake.record(self.path, body)
        if self.path == "/api/show":
            self._show(body)
        elif self.path == "/api/chat":
            self._chat(body)
        else:
            self.send_json(404, {"error": "404 page not found"})

    def _show(self, body: dict[str, Any]) -> None:
        name = body.get("model") or body.get("name") or ""
        if self.fake.resolve(name) is None:
            self.send_json(404, {"error": f"model '{name}' not found"})
            return
        caps = ["completion", "tools"] + (["thinking"] if "qwen3" in name else [])
        self.send_json(
            200,
            {
                "modelfile": f"FROM {name}",
                "parameters": 'stop "<|im_end|>"',
                "template": "{{ if .Tools }}...{{ end }}",
                "details": {
                    "format": "gguf",
                    "family": "qwen2",
                    "parameter_size": "7.6B",
                    "quantization_level": "Q4_K_M",
                },
                "model_info": {"general.architecture": "qwen2", "qwen2.context_length": 32768},
                "capabilities": caps,
                "modified_at": _now(),
            },
        )

    def _chat(self, body: dict[str, Any]) -> None:
        model = body.get("model", "")
        if self.fake.resolve(model) is None:
            self.send_json(404, {"error": f'model "{model}" not found, try pulling it first'})
            return
        if body.get("think") is True and "qwen3" not in model:
            self.send_json(400, {"error": f'"{model}" does not support thinking'})
            return
        try:
            reply = self.fake.next_reply(body)
        except ScriptExhausted:
            self.send_json(500, {"error": "fake ollama: script exhausted"})
            return
        if reply.status != 200:
            time.sleep(reply.first_byte_delay)
            self.send_json(reply.status, {"error": reply.error or "internal error"})
            return
        if body.get("stream") is False:
            self._chat_once(model, reply)
            return

        def text(piece: str) -> bytes:
            return _line(
                {
                    "model": model,
                    "created_at": _now(),
                    "message": {"role": "assistant", "content": piece},
                    "done": False,
                }
            )

        def tools(calls: list[dict[str, Any]]) -> list[bytes]:
            if not calls:
                return []
            message = {"role": "assistant", "content": "", "tool_calls": [_tool_call(c) for c in calls]}
            return [_line({"model": model, "created_at": _now(), "message": message, "done": False})]

        def done(r: Reply) -> list[bytes]:
            return [_line(_final(model, r, content=""))]

        def error(message: str) -> bytes:
            return _line({"error": message})

        self._thinking = reply.thinking if body.get("think") is True else ""
        self._model = model
        self.stream_reply(reply, text, tools, done, error)

    def stream_preamble(self) -> list[bytes]:
        if not self._thinking:
            return []
        message = {"role": "assistant", "content": "", "thinking": self._thinking}
        return [_line({"model": self._model, "created_at": _now(), "message": message, "done": False})]

    def _chat_once(self, model: str, reply: Reply) -> None:
        time.sleep(reply.first_byte_delay)
        data = _final(model, reply, content="".join(reply.chunks()))
        if reply.tool_calls:
            data["message"]["tool_calls"] = [_tool_call(c) for c in reply.tool_calls]
        self.send_json(200, data)
        self.fake.completed += 1


def _tool_call(call: dict[str, Any]) -> dict[str, Any]:
    return {"function": {"name": call["name"], "arguments": call.get("arguments", {})}}


def _final(model: str, reply: Reply, content: str) -> dict[str, Any]:
    return {
        "model": model,
        "created_at": _now(),
        "message": {"role": "assistant", "content": content},
        "done_reason": reply.finish_reason or "stop",
        "done": True,
        "total_duration": 1_200_000_000,
        "load_duration": 20_000_000,
        "prompt_eval_count": reply.prompt_tokens,
        "prompt_eval_duration": 300_000_000,
        "eval_count": completion_tokens(reply),
        "eval_duration": 800_000_000,
    }


class FakeOllama(FakeServer):
    """``with FakeOllama(["qwen2.5:7b-instruct"], [Reply(...)]) as server: server.url``"""

    handler_cls = _OllamaHandler

    def resolve(self, name: str) -> str | None:
        """Ollama accepts 'qwen2.5' for 'qwen2.5:latest'."""
        for m in self.models:
            if name == m or (":" not in name and m == f"{name}:latest"):
                return m
        return None
