"""One JSON line per agent turn in ``logs/turns-YYYY-MM-DD.jsonl``; no secrets.

The line says how the turn ended (``outcome``) and why: an LLM answer, one after a corrective retry,
the offline answer after a failure or an ungrounded answer (``problems``), or a skipped backend.
"""

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
    outcome: str = Field(
        default="llm",
        description="llm | llm_retry (grounded after a corrective retry) | fallback (offline after a failure or an "
        "ungrounded answer) | skipped (backend skipped after repeated failures) | offline | invalid_message",
    )
    problems: list[str] = Field(default_factory=list, description="why answers were not grounded, per attempt")
    removed_citations: list[int] = Field(default_factory=list, description="[n] removed: they pointed at nothing")
    cut_short: bool = Field(default=False, description="the answer shown stopped at the token limit (whole lines kept)")
    retrieval_first: bool = Field(default=False, description="the parsed request's tools ran before the LLM")
    retrieval_calls: int = Field(default=0, description="how many of tool_calls retrieval first made (the rest: model)")
    prompt_profile: str | None = None
    prompt_tokens_est: int | None = Field(default=None, description="estimated prompt tokens over the LLM calls")


def write_turn(logs_dir: Path, record: TurnRecord) -> Path | None:
    """Append the record; a logging failure is reported, never raised into the turn. Text that is not
    valid Unicode (a lone surrogate) is kept as a JSON escape, so the line records what was sent."""
    path = Path(logs_dir) / f"turns-{dt.date.today().isoformat()}.jsonl"
    try:
        data = redact_value(record.model_dump(mode="json"))  # keys, tokens and URL credentials masked
        data["input"] = data["input"][:_MAX_INPUT]
        line = json.dumps(data, ensure_ascii=False, default=str)
        with _lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8", errors="backslashreplace") as fh:
                fh.write(line + "\n")
    except Exception as err:  # noqa: BLE001 - the log must never fail a turn
        log.warning("could not write the turn log %s: %s", path, err)
        return None
    return path
