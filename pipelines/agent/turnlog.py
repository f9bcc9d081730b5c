"""One JSON line per agent turn in ``logs/turns-YYYY-MM-DD.jsonl``; no secrets."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from pathlib import Path

from pydantic import BaseModel, Field

from pipelines.core.events import ToolCallRecord
from pipelines.core.redact import redact_value

log = logging.getLogger(__name__)

_MAX_INPUT = 2000
_lock = threading.Lock()


class TurnRecord(BaseModel):
    ts: str = Field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"))
    session_id: str
    input: str
    backend: str
    model: str | None = None
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    llm_rounds: int = 0
    ttft_ms: float | None = None
    total_ms: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None
    fallback: bool = False


def write_turn(logs_dir: Path, record: TurnRecord) -> Path | None:
    """Append the record; a logging failure is reported, never raised into the turn."""
    data = redact_value(record.model_dump(mode="json"))  # keys, tokens and URL credentials masked
    data["input"] = data["input"][:_MAX_INPUT]
    line = json.dumps(data, ensure_ascii=False, default=str)
    path = Path(logs_dir) / f"turns-{dt.date.today().isoformat()}.jsonl"
    try:
        with _lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
    except OSError as err:
        log.warning("could not write the turn log %s: %s", path, err)
        return None
    return path
