"""愛遊 AIYO web app: chat pane, segment results, player, map, itinerary table (layout in ``pipelines.web.page``).

``python app.py`` serves the page with /health, /ready, /api/info and /media on
GRADIO_SERVER_NAME:GRADIO_SERVER_PORT (default 0.0.0.0:7860); ``gradio app.py`` reloads ``demo``.
"""

from __future__ import annotations

from pipelines.core.settings import get_settings
from pipelines.web.runtime import AppRuntime

RUNTIME = AppRuntime(get_settings())  # first, so its start-up timings (/ready's startup_s) include the page's imports

from pipelines.web.handlers import Handlers, downloads  # noqa: E402
from pipelines.web.page import EXAMPLES, build_demo  # noqa: E402

__all__ = ["EXAMPLES", "RUNTIME", "Handlers", "build_demo", "demo", "downloads"]

RUNTIME.mark("page_imported")
demo = build_demo(RUNTIME)
RUNTIME.mark("page_built")

if __name__ == "__main__":
    from pipelines.web.server import serve

    serve(RUNTIME, demo)
