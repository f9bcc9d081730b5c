"""FastAPI around the Gradio page: /health, /ready, /api/info, /media (sample videos only), hardened launch.

What the HTTP edge lets through and adds (routes, sizes, CSP and other headers) is :mod:`pipelines.web.guard`;
credentials are kept out of what it shows and logs by :mod:`pipelines.core.redact`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.staticfiles import StaticFiles

from pipelines.core.models import LOCAL_MEDIA
from pipelines.core.redact import install_log_redaction, redact_url
from pipelines.core.settings import ROOT, Settings
from pipelines.web.gate import busy_message
from pipelines.web.guard import HttpGuard
from pipelines.web.runtime import AppRuntime

log = logging.getLogger(__name__)

PACKAGES = ["gradio", "fastapi", "llama-index-core", "qdrant-client", "pydantic"]
THEME = gr.themes.Soft(primary_hue="teal", secondary_hue="amber")
CSS_PATH = ROOT / "assets" / "ui" / "app.css"
SECRET_NAME = re.compile(r"key|token|secret|password", re.IGNORECASE)
BIND_FIELDS = ("server_name", "server_port")  # /api/info reports where the request was actually served instead


class MediaFiles(StaticFiles):
    """Only the sample videos (and subtitle tracks) in the media folder: no listings, no other files."""

    async def get_response(self, path: str, scope) -> Any:
        name = Path(path).name
        video = name[: -len(".vtt")] + ".mp4" if name.endswith(".vtt") else name
        if path != name or not LOCAL_MEDIA.fullmatch(video):
            raise HTTPException(status_code=404)
        return await super().get_response(path, scope)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def _shown_path(path: Path) -> str:
    """A folder as a visitor may see it: relative to the project, or only its name (no absolute paths)."""
    if str(path) == ":memory:" or not path.is_absolute():
        return str(path)
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return f"…/{path.name}"


def public_settings(settings: Settings) -> dict[str, Any]:
    """Settings as JSON minus secrets (API keys dropped, credentials masked in URLs) and absolute paths."""
    fields = type(settings).model_fields
    secret = {name for name, f in fields.items() if "SecretStr" in str(f.annotation) or SECRET_NAME.search(name)}
    data = settings.model_dump(mode="json", exclude=secret | set(BIND_FIELDS))
    for key in ("qdrant_url", "openai_base_url", "ollama_host"):
        data[key] = redact_url(data.get(key))
    for key in data:
        if isinstance(value := getattr(settings, key), Path):
            data[key] = _shown_path(value)
    return data


def served_at(request: Request) -> dict[str, Any]:
    """Scheme, host and port this request reached (behind a proxy: what the proxy forwarded)."""
    url = request.url
    return {"scheme": url.scheme, "host": url.hostname, "port": url.port or (443 if url.scheme == "https" else 80)}


def info(runtime: AppRuntime, served: dict[str, Any] | None = None) -> dict[str, Any]:
    settings, status = runtime.settings, runtime.status()
    return {
        "name": "愛遊 AIYO",
        "served": served,
        "versions": _versions(),
        "models": {
            "llm_backend": status["backend"],
            "llm_model": status["model"],
            "embed_backend": settings.embed_backend,
            "embed_model": settings.embed_model,
        },
        "settings": public_settings(settings),
    }


def create_app(runtime: AppRuntime, demo: gr.Blocks) -> FastAPI:
    settings = runtime.settings
    install_log_redaction()  # this process's log never shows a credential (httpx logs every request URL)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        runtime.start()
        yield
        runtime.close()

    app = FastAPI(title="愛遊 AIYO", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    # Our own CORS policy (no other origin unless configured) also stops Gradio adding its own, which
    # lets any localhost page on any port call the API with credentials.
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"])
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=settings.max_request_bytes)  # chunked bodies
    app.add_middleware(HttpGuard, max_body=settings.max_request_bytes, busy_message=busy_message)  # outermost

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready")
    def ready() -> JSONResponse:
        status = runtime.status()
        return JSONResponse(status, status_code=200 if status["ready"] else 503)

    @app.get("/api/info")
    def api_info(request: Request) -> dict[str, Any]:
        return info(runtime, served_at(request))

    app.mount("/media", MediaFiles(directory=settings.media_dir, check_dir=False), name="media")
    # the CSV/ICS downloads Gradio copies into its cache are deleted after a while (and on shutdown)
    demo.delete_cache = (settings.ui_cache_sweep_s, settings.ui_cache_max_age_s)
    return gr.mount_gradio_app(
        app,
        demo,
        path="/",
        app_kwargs={"docs_url": None, "redoc_url": None, "openapi_url": None},
        run_history=False,  # nothing of a visitor's is kept in the browser or offered to a bucket
        max_file_size=settings.ui_max_file_size,
        allowed_paths=[],  # files are served only from Gradio's own cache and /media above
        blocked_paths=[str(settings.qdrant_path), str(settings.logs_dir)],
        ssr_mode=False,
        footer_links=["api"],
        theme=THEME,
        css_paths=[CSS_PATH],
    )


def bind_address(settings: Settings) -> tuple[str, int]:
    """AIYO_SERVER_NAME/PORT if set, else GRADIO_SERVER_NAME/PORT (as Spaces set them), else 0.0.0.0:7860."""
    host = settings.server_name if "server_name" in settings.model_fields_set else None
    port = settings.server_port if "server_port" in settings.model_fields_set else None
    host = host or os.environ.get("GRADIO_SERVER_NAME") or settings.server_name
    port = port or int(os.environ.get("GRADIO_SERVER_PORT") or settings.server_port)
    return host, port


def serve(runtime: AppRuntime, demo: gr.Blocks) -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    host, port = bind_address(runtime.settings)
    log.info("愛遊 AIYO on http://%s:%d (health: /health, readiness: /ready)", host, port)
    app = create_app(runtime, demo)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True, timeout_graceful_shutdown=5)
