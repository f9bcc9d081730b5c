"""A fake OpenAI-compatible server (as vLLM serves it): /v1/chat/completions with SSE streaming
and tool_calls deltas, /v1/models, and errors in the OpenAI error shape."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.fakes._server import FakeServer, Reply, ScriptedHandler, ScriptExhausted, completion_tokens

__all__ = ["FakeOpenAI", "Reply"]


def _event(data: Any) -> bytes:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def _error_body(message: str, status: int) -> dict[str, Any]:
    kind = {404: "NotFoundError", 400: "BadRequestError", 401: "AuthenticationError"}.get(status, "InternalServerError")
    return {"error": {"message": message, "type": kind, "param": None, "code": status}}


class _OpenAIHandler(ScriptedHandler):
    stream_content_type = "text/event-stream; charset=utf-8"

    def _authorised(self) -> bool:
        key = self.fake.api_key
        if key is None or self.headers.get("Authorization") == f"Bearer {key}":
            return True
        self.send_json(401, _error_body("Incorrect API key provided.", 401))
        return False

    def do_GET(self) -> None:
        self.fake.record(self.path, None)
        if not self._authorised():
            return
        if self.path.rstrip("/") == "/v1/models":
            data = [
                {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "vllm"} for m in self.fake.models
            ]
            self.send_json(200, {"object": "list", "data": data})
        else:
            self.send_json(404, {"detail": "Not Found"})

    def do_POST(self) -> None:
        body = self.read_json()
        self.fake.record(self.path, body)
        if not self._authorised():
            return
        if self.path.rstrip("/") != "/v1/chat/completions":
            self.send_json(404, {"detail": "Not Found"})
            return
        model = body.get("model", "")
        bad = _null_content(body) if self.fake.strict_messages else None
        if bad is not None:
            message = f"1 validation error: messages.{bad}.content Input should be a valid string"
            self.send_json(500, _error_body(message, 500))
            return
        if model not in self.fake.models:
            self.send_json(404, _error_body(f"The model `{model}` does not exist.", 404))
            return
        if body.get("stream") and body.get("tools") and not self.fake.streams_tool_calls:
            self.send_response(200)
            self.send_header("Content-Type", self.stream_content_type)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            reply = self.fake.next_reply(body)
        except ScriptExhausted:
            self.send_json(500, _error_body("fake openai: script exhausted", 500))
            return
        if reply.status != 200:
            time.sleep(reply.first_byte_delay)
            self.send_json(reply.status, _error_body(reply.error or "internal error", reply.status))
            return
        if not body.get("stream"):
            self._complete_once(model, reply)
            return
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        self._stream(model, reply, include_usage)

    def _chunk(self, model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return _event(
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [choice],
            }
        )

    def _stream(self, model: str, reply: Reply, include_usage: bool) -> None:
        self._model = model

        def text(piece: str) -> bytes:
            return self._chunk(model, {"content": piece})

        def tools(calls: list[dict[str, Any]]) -> list[bytes]:
            out = []
            for i, call in enumerate(calls):
                head = {"index": i, "id": f"call_{i}_{len(self.fake.requests)}", "type": "function"}
                out.append(
                    self._chunk(model, {"tool_calls": [{**head, "function": {"name": call["name"], "arguments": ""}}]})
                )
                args = _arguments(call)
                for j in range(0, len(args), 12):  # arguments arrive in fragments, as vLLM streams them
                    out.append(
                        self._chunk(model, {"tool_calls": [{"index": i, "function": {"arguments": args[j : j + 12]}}]})
                    )
            return out

        def done(r: Reply) -> list[bytes]:
            out = [self._chunk(model, {}, r.finish_reason or ("tool_calls" if r.tool_calls else "stop"))]
            if include_usage:
                usage = _usage(r)
                out.append(
                    _event(
                        {
                            "id": "chatcmpl-fake",
                            "object": "chat.completion.chunk",
                            "created": 0,
                            "model": model,
                            "choices": [],
                            "usage": usage,
                        }
                    )
                )
            out.append(b"data: [DONE]\n\n")
            return out

        def error(message: str) -> bytes:
            if reply.bare_error:  # no "error" key: the openai client yields it as a chunk without choices
                return _event({"object": "error", "message": message, "type": "InternalServerError", "code": 500})
            return _event(_error_body(message, 500))

        self.stream_reply(reply, text, tools, done, error)

    def stream_preamble(self) -> list[bytes]:
        return [self._chunk(self._model, {"role": "assistant", "content": ""})]

    def _complete_once(self, model: str, reply: Reply) -> None:
        time.sleep(reply.first_byte_delay)
        message: dict[str, Any] = {"role": "assistant", "content": "".join(reply.chunks()) or None}
        if reply.tool_calls:
            message["tool_calls"] = [
                {"id": f"call_{i}", "type": "function", "function": {"name": c["name"], "arguments": _arguments(c)}}
                for i, c in enumerate(reply.tool_calls)
            ]
        choice = {
            "index": 0,
            "message": message,
            "logprobs": None,
            "finish_reason": reply.finish_reason or ("tool_calls" if reply.tool_calls else "stop"),
        }
        self.send_json(
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [choice],
                "usage": _usage(reply),
            },
        )
        self.fake.completed += 1


def _null_content(body: dict[str, Any]) -> int | None:
    """The first message whose content is null (llama.cpp's server validates every message's content)."""
    return next((i for i, m in enumerate(body.get("messages") or []) if m.get("content") is None), None)


def _arguments(call: dict[str, Any]) -> str:
    args = call.get("arguments", {})
    return args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)


def _usage(reply: Reply) -> dict[str, int]:
    done = completion_tokens(reply)
    return {"prompt_tokens": reply.prompt_tokens, "completion_tokens": done, "total_tokens": reply.prompt_tokens + done}


class FakeOpenAI(FakeServer):
    """``with FakeOpenAI(["Qwen/Qwen2.5-7B-Instruct"], [Reply(...)]) as server: server.url + "/v1"``"""

    handler_cls = _OpenAIHandler

    def __init__(
        self,
        models: list[str],
        script: list[Reply] | None = None,
        api_key: str | None = None,
        streams_tool_calls: bool = True,
        responder=None,
        strict_messages: bool = False,
    ):
        super().__init__(models, script, responder)
        # True: as llama.cpp's server, a message with "content": null is a 500, not a tool-call turn
        self.strict_messages = strict_messages
        self.api_key = api_key
        # False: as llama.cpp's server with --chat_format chatml-function-calling, a streamed request
        # that offers tools gets "200 OK" and an empty body; the same request unstreamed works
        self.streams_tool_calls = streams_tool_calls

    @property
    def base_url(self) -> str:
        return self.url + "/v1"
