"""Load the system prompt and answer templates from ``assets/prompts`` (not Python strings)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any

import yaml

from pipelines.core.errors import AiyoError

SYSTEM_FILE = "system.zh-TW.md"
OFFLINE_FILE = "offline.zh-TW.yaml"


class Prompts:
    def __init__(self, system: str, templates: dict[str, Any]):
        self._system = system
        self.templates = templates

    def system(self, **values: Any) -> str:
        return self._system.format(**values)

    def text(self, key: str, **values: Any) -> str:
        """Template ``key`` (dotted for nested keys) filled with values."""
        node: Any = self.templates
        for part in key.split("."):
            node = node[part]
        return str(node).format(**values)

    def pick(self, key: str, seed: str, **values: Any) -> str:
        """One of the variations under ``key``, chosen by a stable hash of ``seed``."""
        options = self.templates[key]
        digest = int(hashlib.sha1(seed.encode("utf-8")).hexdigest(), 16)
        return str(options[digest % len(options)]).format(**values)


@functools.lru_cache(maxsize=4)
def load_prompts(prompts_dir: Path) -> Prompts:
    folder = Path(prompts_dir)
    try:
        system = (folder / SYSTEM_FILE).read_text(encoding="utf-8")
        templates = yaml.safe_load((folder / OFFLINE_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise AiyoError(f"讀不到提示詞檔案（{folder}）：{err}") from err
    return Prompts(system, templates)
