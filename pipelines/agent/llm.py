"""Choose and build the LLM backend: Ollama, an OpenAI-compatible server, or none (offline).

``auto`` probes Ollama (reachable and the model pulled), then the OpenAI-compatible URL if one is
set, else goes offline, and says why in zh-TW. Backend packages are imported lazily.
"""

from __future__ import annotations

import functools
import inspect
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from pipelines.core.errors import AiyoError, LLMUnavailableError
from pipelines.core.redact import host_port
from pipelines.core.settings import Settings

log = logging.getLogger(__name__)

Backend = Literal["ollama", "openai", "offline"]


class IncompleteReplyError(LLMUnavailableError):
    """The reply stream ended without the server marking it done (a crash it reported as data)."""


class BackendImportError(ImportError, LLMUnavailableError):
    """A backend package is not installed; the message names the pip package."""


class ReplyTooLargeError(LLMUnavailableError):
    """A reply or tool-call arguments beyond the size caps; the stream is given up, not parsed."""


class FirstTokenTimeout(LLMUnavailableError, TimeoutError):
    """The server accepted the request but streamed nothing for ``first_token_timeout_s``."""

    def __init__(self, seconds: float):
        super().__init__(f"語言模型 {seconds:g} 秒內沒有開始回答")
        self.seconds = seconds


@dataclass(frozen=True)
class Probe:
    ok: bool
    detail: str  # zh-TW, e.g. 「127.0.0.1:11434 無回應」
    info: dict[str, Any] | None = None


@dataclass(frozen=True)
class LLMChoice:
    backend: Backend
    model: str | None
    reason: str  # zh-TW: why this backend
    factory: Callable[[], Any] | None = None  # builds a LlamaIndex FunctionCallingLLM; None when offline
    probe: Callable[[], Probe] | None = None  # is the server answering? (after a skip, before trying again)
    thinking: bool = False  # the model may think on rounds without tools (never while it should call one)

    def new_llm(self) -> Any:
        """A fresh LLM: its async HTTP client binds to the running event loop, so one is made per turn."""
        if self.factory is None:
            raise LLMUnavailableError("離線模式沒有語言模型。")
        return self.factory()


def choose_llm(settings: Settings) -> LLMChoice:
    """The backend named by ``settings.llm_backend`` (``auto`` probes), with its LlamaIndex LLM."""
    match settings.llm_backend:
        case "offline":
            return LLMChoice("offline", None, "設定為離線模式（不使用語言模型）")
        case "ollama":
            reason = f"設定指定使用 Ollama（{settings.ollama_model}）"
            return _choice("ollama", settings, reason)
        case "openai":
            if not settings.openai_base_url:
                raise LLMUnavailableError("選了 openai 後端，但沒有設定 AIYO_OPENAI_BASE_URL。")
            return _choice("openai", settings, f"設定指定使用 OpenAI 相容伺服器（{settings.openai_model}）")
        case "auto":
            return _auto(settings)
    raise LLMUnavailableError(f"未知的 LLM 後端「{settings.llm_backend}」（可用 auto、ollama、openai、offline）。")


def _auto(settings: Settings) -> LLMChoice:
    ollama = probe_ollama(settings)
    if ollama.ok:
        try:
            return _choice("ollama", settings, f"Ollama 已就緒（{ollama.detail}）")
        except ImportError as err:
            ollama = Probe(False, str(err))
    why = [ollama.detail]
    if settings.openai_base_url:
        openai = probe_openai(settings)
        if openai.ok:
            try:
                return _choice("openai", settings, f"{ollama.detail}，改用 OpenAI 相容伺服器（{openai.detail}）")
            except ImportError as err:
                openai = Probe(False, str(err))
        why.append(openai.detail)
    return LLMChoice("offline", None, f"{'；'.join(why)}，改用離線模式")


def _choice(backend: Backend, settings: Settings, reason: str) -> LLMChoice:
    if backend == "ollama":
        make, probe, model = make_ollama, probe_ollama, settings.ollama_model
    else:
        make, probe, model = make_openai_like, probe_openai, settings.openai_model
    return LLMChoice(
        backend, model, reason, _factory(make, settings), functools.partial(probe, settings), settings.ollama_thinking
    )


def set_thinking(llm: Any, on: bool) -> None:
    """Thinking on or off for the next call of this (per-turn) LLM: Ollama's ``think``, or the chat
    template switch OpenAI-compatible servers pass to qwen3."""
    if hasattr(llm, "thinking"):
        llm.thinking = on
    body = getattr(llm, "additional_kwargs", {}).get("extra_body")
    if isinstance(body, dict) and "chat_template_kwargs" in body:
        body["chat_template_kwargs"]["enable_thinking"] = on


def probe_ollama(settings: Settings) -> Probe:
    """Is Ollama up, and is the model pulled (and able to call tools)?"""
    host, model = settings.ollama_host.rstrip("/"), settings.ollama_model
    where = _hostport(host)
    try:
        with httpx.Client(timeout=settings.llm_probe_timeout_s) as client:
            tags = client.get(f"{host}/api/tags")
            tags.raise_for_status()
            names = {m.get("name") or m.get("model") for m in tags.json().get("models", [])}
            if model not in names and f"{model}:latest" not in names:
                return Probe(False, f"Ollama（{where}）上沒有模型 {model}，請先執行 `ollama pull {model}`")
            show = client.post(f"{host}/api/show", json={"model": model})
            info = show.json() if show.status_code == 200 else {}
    except (httpx.HTTPError, ValueError) as err:
        log.info("ollama probe failed: %s", err)
        return Probe(False, f"找不到 Ollama（{where} 無回應）")
    caps = info.get("capabilities")
    if caps is not None and "tools" not in caps:
        return Probe(False, f"Ollama 的模型 {model} 不支援工具呼叫（請改用 qwen2.5:7b-instruct 或 qwen3:8b）", info)
    return Probe(True, f"{where}，模型 {model}", info)


def probe_openai(settings: Settings) -> Probe:
    """Does the OpenAI-compatible server answer /v1/models and list the model?"""
    base = (settings.openai_base_url or "").rstrip("/")
    where, model = _hostport(base), settings.openai_model
    headers = {"Authorization": f"Bearer {settings.openai_api_key.get_secret_value()}"}
    try:
        with httpx.Client(timeout=settings.llm_probe_timeout_s, headers=headers) as client:
            resp = client.get(f"{base}/models")
            resp.raise_for_status()
            ids = {m.get("id") for m in resp.json().get("data", [])}
    except httpx.HTTPStatusError as err:
        status = err.response.status_code
        if status in (401, 403):
            return Probe(False, f"OpenAI 相容伺服器（{where}）拒絕了 API 金鑰（AIYO_OPENAI_API_KEY）")
        return Probe(False, f"OpenAI 相容伺服器（{where}）回應錯誤 {status}")
    except (httpx.HTTPError, ValueError) as err:
        log.info("openai-compatible probe failed: %s", err)
        return Probe(False, f"OpenAI 相容伺服器（{where}）無回應")
    if ids and model not in ids:
        return Probe(False, f"OpenAI 相容伺服器（{where}）上沒有模型 {model}（可用：{'、'.join(sorted(ids)[:5])}）")
    return Probe(True, f"{where}，模型 {model}")


def make_ollama(settings: Settings):
    try:
        from llama_index.llms.ollama import Ollama
    except ImportError as err:
        raise BackendImportError(
            "Ollama 後端需要套件 llama-index-llms-ollama：pip install llama-index-llms-ollama"
        ) from err
    from ollama import AsyncClient

    async_client = AsyncClient(host=settings.ollama_host, timeout=settings.request_timeout_s, verify=_ssl_context())
    return Ollama(
        async_client=async_client,
        model=settings.ollama_model,
        base_url=settings.ollama_host,
        request_timeout=settings.request_timeout_s,
        # explicit: Ollama's small default context silently drops the front of the prompt
        context_window=settings.context_window,
        keep_alive=settings.ollama_keep_alive,
        thinking=settings.ollama_thinking,
        temperature=settings.llm_temperature,
        additional_kwargs={"num_predict": settings.max_tokens},
    )


def make_openai_like(settings: Settings):
    try:
        from llama_index.llms.openai_like import OpenAILike
    except ImportError as err:
        raise BackendImportError(
            "OpenAI 相容後端需要套件 llama-index-llms-openai-like：pip install llama-index-llms-openai-like"
        ) from err
    extra: dict[str, Any] = {"stream_options": {"include_usage": True}}  # token counts (dropped when not streaming)
    if "qwen3" in settings.openai_model.lower():
        extra["extra_body"] = {"chat_template_kwargs": {"enable_thinking": settings.ollama_thinking}}
    return OpenAILike(
        model=settings.openai_model,
        api_base=settings.openai_base_url,
        api_key=settings.openai_api_key.get_secret_value(),
        is_chat_model=True,
        is_function_calling_model=True,
        context_window=settings.context_window,
        max_tokens=settings.max_tokens,
        temperature=settings.llm_temperature,
        timeout=settings.request_timeout_s,
        max_retries=0,  # a failed call falls back to the offline agent instead of waiting on retries
        additional_kwargs=extra,
        async_http_client=httpx.AsyncClient(verify=_ssl_context(), timeout=settings.request_timeout_s),
    )


def describe_error(err: BaseException, choice: LLMChoice) -> str:
    """A zh-TW sentence for an LLM failure, naming `ollama pull` when the model is missing."""
    if isinstance(err, AiyoError):
        return str(err)
    if isinstance(err, UnicodeError):
        return "訊息裡有無法傳給語言模型的字元"
    text = str(err)
    status = getattr(err, "status_code", None)
    if choice.backend == "ollama" and (status == 404 or "not found" in text) and "model" in text:
        return f"Ollama 上找不到模型 {choice.model}，請先執行 `ollama pull {choice.model}`"
    if choice.backend == "openai" and status == 404:
        return f"OpenAI 相容伺服器上找不到模型 {choice.model}"
    if isinstance(err, TimeoutError) or "timeout" in type(err).__name__.lower() or "timed out" in text.lower():
        return "語言模型回應逾時"
    if isinstance(err, (ConnectionError, httpx.ConnectError)) or "connect" in type(err).__name__.lower():
        return "連不上語言模型伺服器"
    if isinstance(err, (httpx.RemoteProtocolError, httpx.ReadError)) or "incomplete" in text:
        return "和語言模型的連線中斷了"
    return "語言模型發生錯誤"


async def aclose_llm(llm: Any) -> None:
    """Close the LLM's async HTTP clients (Ollama's ``_async_client``, OpenAI's ``_aclient`` and the httpx
    client we gave it); closing twice is harmless. Best effort."""
    for attr in ("_async_client", "_aclient", "_async_http_client"):
        client = getattr(llm, attr, None)
        close = getattr(client, "aclose", None) or getattr(client, "close", None)
        if close is None or not inspect.iscoroutinefunction(close):
            continue
        try:
            await close()
        except Exception as err:  # closing must never fail a turn
            log.debug("closing %s failed: %s", attr, err)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every LLM client: loading the CA bundle costs ~100 ms, and an LLM (with its
    HTTP client) is made per turn because an async client belongs to one event loop."""
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:
        return ssl.create_default_context()


def _factory(make: Callable[[Settings], Any], settings: Settings) -> Callable[[], Any]:
    make(settings)  # fail now (missing package) rather than on the first turn
    return functools.partial(make, settings)


def _hostport(url: str) -> str:
    return host_port(url)  # never the URL's credentials: the reason shows in /ready and the page header
