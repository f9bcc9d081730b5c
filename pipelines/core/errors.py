"""Errors raised where a problem is detected; each carries a zh-TW message for the user."""

from __future__ import annotations


class AiyoError(Exception):
    """Base class: ``str(err)`` is a zh-TW message a user can act on."""


class InvalidQueryError(AiyoError, ValueError):
    """Empty, oversized or otherwise unusable input."""


class UnknownCityError(AiyoError, ValueError):
    def __init__(self, city: str, known: list[str]):
        self.city, self.known = city, known
        super().__init__(f"找不到城市「{city}」。目前資料涵蓋：{'、'.join(known)}。")


class UnknownSegmentError(AiyoError, KeyError):
    def __init__(self, ids: list[str]):
        self.ids = ids
        super().__init__(f"找不到這些片段：{'、'.join(ids)}。請先用 search_segments 搜尋，再用回傳的 segment_id。")

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


class PlanningError(AiyoError, ValueError):
    """A request the planner cannot satisfy (bad days, no segments...)."""


class IndexUnavailableError(AiyoError, RuntimeError):
    """The vector index is locked by another process, or the Qdrant server is unreachable."""


class FolderInUseError(IndexUnavailableError):
    """An embedded engine's folder is open in another process (local mode and Edge lock it)."""

    def __init__(self, where: str):
        self.where = where
        super().__init__(
            f"索引資料夾 {where} 正被另一個程式使用（Qdrant 本機模式一次只允許一個程序開啟）。"
            "請先關閉另一個 AIYO（例如執行中的 app.py 或 ingest）再試，"
            "或設定 AIYO_QDRANT_URL 改用可多程序共用的 Qdrant 伺服器。"
        )


class LLMUnavailableError(AiyoError, RuntimeError):
    """The LLM backend is down, timed out, or lacks the model."""


class CorpusError(AiyoError, ValueError):
    """A corpus file that cannot be used; ``file:line`` says where (line 0: the whole file)."""

    def __init__(self, file: str, line: int, reason: str):
        self.file, self.line, self.reason = file, line, reason
        super().__init__(f"{file}:{line}: {reason}")


class TranscriptError(CorpusError):
    """A transcript with bad timestamps, a wrong encoding or broken JSON."""


class EmbedderUnavailableError(AiyoError, RuntimeError):
    """The dense embedder cannot be loaded or reached (missing package, Ollama down...)."""
