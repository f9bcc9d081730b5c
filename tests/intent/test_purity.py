"""The intent package is pure: data in, data out; no clock, files, network or randomness (ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pipelines.intent

ALLOWED = {
    "__future__", "re", "math", "datetime", "unicodedata", "functools", "dataclasses", "typing", "collections.abc",
    "pydantic", "opencc", "cn2an",
}  # fmt: skip
ALLOWED_PREFIXES = ("pipelines.core.", "pipelines.intent")
CLOCK = ("today", "now", "utcnow", "time")


def _modules() -> list[Path]:
    return sorted(Path(pipelines.intent.__file__).parent.glob("*.py"))


def test_intent_imports_only_pure_things():
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert name in ALLOWED or name.startswith(ALLOWED_PREFIXES), f"{path.name} imports {name}"


def test_intent_never_reads_the_clock():
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in CLOCK:
                raise AssertionError(f"{path.name}:{node.lineno} reads the clock ({node.attr})")
