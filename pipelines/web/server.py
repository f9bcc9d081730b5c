"""FastAPI around the Gradio page: /health, /ready, /api/info, /media (sample videos only), hardened launch."""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import gradio as gr
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

from pipelines.core.models import LOCAL_MEDIA
from pipelines.core.settings import ROOT, Settings
from pipelines.web.runtime import AppRuntime

log = logging.getLogger(__name__)

PACKAGES = ["gradio", "fastapi", "llama-index-core", "qdrant-client", "pydantic"]
THEME = gr.themes.Soft(primary_hue="teal", secondary_hue="amber")
CSS_PATH = ROOT / "assets" / "ui" / "app.css"
SECRET_NAME = re.compile(r"key|token|secret|password", re.IGNORECASE)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",  # YouTube embeds need the origin
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


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


def _without_credentials(url: str | None) -> str | None:
    if not url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def public_settings(settings: Settings) -> dict[str, Any]:
    """Settings as JSON minus secrets (API keys dropped, credentials stripped from URLs)."""
    fields = type(settings).model_fields
    secret = {name for name, f in fields.items() if "SecretStr" in str(f.annotation) or SECRET_NAME.search(name)}
    data = settings.model_dump(mode="json", exclude=secret)
    for key in ("qdrant_url", "openai_base_url", "ollama_host"):
        data[key] = _without_credentials(data.get(key))
    return data


def info(runtime: AppRuntime) -> dict[str, Any]:
    settings, status = runtime.settings, runtime.status()
    return {
        "name": "愛遊 AIYO",
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

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        runtime.start()
        yield
        runtime.close()

    app = FastAPI(title="愛遊 AIYO", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)

    @app.middleware("http")
    async def security_headers(request, call_next):
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready")
    def ready() -> JSONResponse:
        status = runtime.status()
        return JSONResponse(status, status_code=200 if status["ready"] else 503)

    @app.get("/api/info")
    def api_info() -> dict[str, Any]:
        return info(runtime)

    app.mount("/media", MediaFiles(directory=settings.media_dir, check_dir=False), name="media")
    return gr.mount_gradio_app(
        app,
        demo,
        path="/",
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
