"""The planning engines the bench compares, and a search cache so all see the same candidates.

- ``ortools``: today's planner (``pipelines.planner.plan.plan``, the OR-Tools routing model).
- ``main``: the same routing planner as main had it before the 花蓮 work (issue 9's detours), loaded
  from git at ``MAIN_COMMIT``: the "before" of this branch, in the same run.
- ``heuristic``: the hand-written engine the routing model replaced (nearest neighbour + 2-opt
  routing, a dynamic programme cutting the route into days), loaded from git at ``HEURISTIC_COMMIT``.

Engines from git are written into private packages, so the bench needs no copy of the old code and
the comparison stays runnable after the old modules are gone from the tree.

Both run inside the offline agent exactly as the product runs the planner: the bench swaps the
function ``pipelines.tools.turn_tools`` calls (``use_engine``), and times every call.
"""

from __future__ import annotations

import contextlib
import importlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.core.models import Itinerary, Preferences, Segment, SegmentHit

ROOT = Path(__file__).resolve().parents[1]
HEURISTIC_COMMIT = "7f76e8cd42b2d3729906681ade9a678f16bca699"  # main before issue 9: route.py + day_schedule.py
HEURISTIC_FILES = ("rules", "travel", "day_schedule", "route", "selection", "notes", "verifier", "plan")
HEURISTIC_PACKAGE = "_bench_heuristic_planner"
MAIN_COMMIT = "07708950a7a810f0e07e6df750183af00e6637b6"  # main before the detour work: every planner module
MAIN_PACKAGE = "_bench_main_planner"
ENGINES = ("heuristic", "main", "ortools")

PlanFn = Callable[[list[Segment], int, Preferences], Itinerary]


@dataclass
class Call:
    """One planner call made during a turn: its inputs (for replaying in the timing runs) and its time."""

    segments: list[Segment]
    days: int
    prefs: Preferences
    ms: float


@dataclass
class Timed:
    """A planning function that records every call."""

    fn: PlanFn
    calls: list[Call] = field(default_factory=list)

    def __call__(self, segments, days, prefs=None):
        began = time.perf_counter()
        try:
            return self.fn(segments, days, prefs)
        finally:
            ms = (time.perf_counter() - began) * 1000
            self.calls.append(Call(list(segments), days, prefs or Preferences(), ms))


def load_engine(name: str) -> PlanFn:
    if name == "ortools":
        from pipelines.planner.plan import plan

        return plan
    if name == "heuristic":
        return _from_git(HEURISTIC_COMMIT, HEURISTIC_FILES, HEURISTIC_PACKAGE)
    if name == "main":
        return _from_git(MAIN_COMMIT, _planner_files(MAIN_COMMIT), MAIN_PACKAGE)
    raise ValueError(f"unknown engine {name!r}; choose from {ENGINES}")


def _from_git(commit: str, files: Iterable[str], package: str) -> PlanFn:
    """An old planner package, written out from git with its imports pointed at the private package."""
    if package in sys.modules:
        return importlib.import_module(f"{package}.plan").plan
    folder = Path(tempfile.mkdtemp(prefix="aiyo-bench-")) / package
    folder.mkdir()
    (folder / "__init__.py").write_text(f'"""The planner at {commit[:10]}, for the bench only."""\n', encoding="utf-8")
    for name in files:
        source = _git_show(f"{commit}:pipelines/planner/{name}.py")
        (folder / f"{name}.py").write_text(source.replace("pipelines.planner", package), encoding="utf-8")
    sys.path.insert(0, str(folder.parent))
    return importlib.import_module(f"{package}.plan").plan


def _planner_files(commit: str) -> list[str]:
    names = _git(["ls-tree", "--name-only", f"{commit}:pipelines/planner"]).split()
    return [n.removesuffix(".py") for n in names if n.endswith(".py") and n != "__init__.py"]


def _git_show(ref: str) -> str:
    return _git(["show", ref])


def _git(args: list[str]) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True, encoding="utf-8"
        ).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        raise SystemExit(f"cannot read an old engine from git ({' '.join(args)}): {err}") from err


@contextlib.contextmanager
def use_engine(timed: Timed) -> Iterator[None]:
    """Route the plan_itinerary tool (and so the offline agent) through ``timed`` for the block."""
    from pipelines.tools import turn_tools

    original = turn_tools.plan
    turn_tools.plan = timed
    try:
        yield
    finally:
        turn_tools.plan = original


class CachedSource:
    """A SegmentSource that remembers every search: both engines get the very same candidates, and the
    second run costs planning time only (local-mode Qdrant scores sparse vectors in Python, ~0.4 s a query)."""

    def __init__(self, index):
        self.index = index
        self._searches: dict[tuple, list[SegmentHit]] = {}
        self._cities = list(index.cities())
        self._tags = list(index.tags())

    def search(self, query: str, city: str | None = None, tags: Iterable[str] | str | None = None, limit: int = 10):
        key = (query, city, tuple([tags] if isinstance(tags, str) else tags or ()), limit)
        if key not in self._searches:
            self._searches[key] = self.index.search(query, city=city, tags=tags, limit=limit)
        return [h.model_copy() for h in self._searches[key]]

    def get_segments(self, ids: Iterable[str]) -> list[Segment]:
        return self.index.get_segments(ids)

    def cities(self) -> list[str]:
        return list(self._cities)

    def tags(self) -> list[str]:
        return list(self._tags)

    def all_segments(self) -> list[Segment]:
        return self.index.all_segments()
