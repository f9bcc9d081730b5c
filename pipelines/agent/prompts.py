"""Load the system prompts and answer templates from ``assets/prompts`` (not Python strings).

Two system prompts: the full one, and a compact one for small models on a CPU, where every prompt
token is prefill time. The offline agent's templates and the LLM turn's texts (under ``llm.``) are
read with :meth:`Prompts.text`.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any, Literal

import yaml

from pipelines.core.errors import AiyoError

SYSTEM_FILE = "system.zh-TW.md"
COMPACT_FILE = "system.compact.zh-TW.md"
TURN_FILE = "system.texts.zh-TW.yaml"
OFFLINE_FILE = "offline.zh-TW.yaml"

Profile = Literal["full", "compact"]


class Prompts:
    def __init__(self, system: str, templates: dict[str, Any], compact: str | None = None):
        self._system = {"full": system, "compact": compact or system}
        self.templates = templates

    def system(self, profile: Profile = "full", **values: Any) -> str:
        return self._system[profile].format(**values)

    def text(self, key: str, **values: Any) -> str:
        """Template ``key`` (dotted for nested keys) filled with values."""
        node: Any = self.templates
        for part in key.split("."):
            node = node[part]
        return str(node).format(**values)

    def pick(self, key: str, seed: str, **values: Any) -> str:
        """One of the variations under ``key``, chosen by a stable hash of ``seed`` (any string, even one
        with a lone surrogate from a broken client)."""
        options = self.templates[key]
        digest = int(hashlib.sha1(seed.encode("utf-8", "surrogatepass")).hexdigest(), 16)
        return str(options[digest % len(options)]).format(**values)


@functools.lru_cache(maxsize=4)
def load_prompts(prompts_dir: Path) -> Prompts:
    folder = Path(prompts_dir)
    try:
        system = (folder / SYSTEM_FILE).read_text(encoding="utf-8")
        compact = (folder / COMPACT_FILE).read_text(encoding="utf-8")
        templates = yaml.safe_load((folder / OFFLINE_FILE).read_text(encoding="utf-8"))
        templates["llm"] = yaml.safe_load((folder / TURN_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, TypeError) as err:
        raise AiyoError(f"讀不到提示詞檔案（{folder}）：{err}") from err
    return Prompts(system, templates, compact)
