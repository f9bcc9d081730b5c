"""What the side panels show for a session: itinerary table, check badges, export files, the segment to play."""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.core.citations import cited_numbers
from pipelines.core.errors import AiyoError
from pipelines.core.models import Itinerary, ItineraryItem, Segment, SegmentHit
from pipelines.planner.exports import to_csv, to_dataframe, to_ics

log = logging.getLogger(__name__)

EXPORT_DIR = Path(tempfile.gettempdir()) / "aiyo-exports"
_SESSION_DIR = re.compile(r"[^A-Za-z0-9_-]")


@dataclass
class PageState:
    """What one browser session's page shows (the agent's own memory is the SessionState)."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    hits: list[SegmentHit] = field(default_factory=list, repr=False)


def itinerary_table(itinerary: Itinerary | None) -> pd.DataFrame:
    return to_dataframe(itinerary) if itinerary and itinerary.stops else pd.DataFrame()


def find_segment(segment_id: str, known: Sequence[Segment], index: Any) -> Segment | None:
    """The segment from segments already at hand, else from the index (None if it is gone)."""
    for seg in known:
        if seg.segment_id == segment_id:
            return seg
    if index is None:
        return None
    try:
        found = index.get_segments([segment_id])
    except AiyoError:
        return None
    return found[0] if found else None


def segments_by_id(itinerary: Itinerary, known: Sequence[Segment], index: Any) -> dict[str, Segment]:
    out = {}
    for item in itinerary.stops:
        seg = find_segment(item.segment_id, known, index)
        if seg is not None:
            out[item.segment_id] = seg
    return out


def export_files(
    itinerary: Itinerary | None, session_id: str, known: Sequence[Segment], index: Any
) -> tuple[str | None, str | None]:
    """CSV and ICS of the plan, written to a per-session temp folder (Gradio copies them to its cache)."""
    if not itinerary or not itinerary.stops:
        return None, None
    folder = EXPORT_DIR / (_SESSION_DIR.sub("", session_id) or "anon")
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, ics_path = folder / "aiyo-itinerary.csv", folder / "aiyo-itinerary.ics"
    csv_path.write_text(to_csv(itinerary), encoding="utf-8")  # to_csv starts with a BOM for Excel
    ics_path.write_bytes(to_ics(itinerary, segments_by_id(itinerary, known, index)))
    return str(csv_path), str(ics_path)


def cited_segment(answer: str, hits: Sequence[SegmentHit], itinerary: Itinerary | None) -> Segment | None:
    """What the player shows after a turn: the first segment the answer cites, else the first stop or hit."""
    for n in cited_numbers(answer):
        if 1 <= n <= len(hits):
            return hits[n - 1]
    first = itinerary.stops[:1] if itinerary else []
    if first:
        return next((h for h in hits if h.segment_id == first[0].segment_id), None) or (hits[0] if hits else None)
    return hits[0] if hits else None


def hit_for_row(row: Sequence[Any] | None, hits: Sequence[SegmentHit]) -> SegmentHit | None:
    """The hit of a clicked results row; its first cell is 「[n]」."""
    match = re.fullmatch(r"\[(\d+)\]", str(row[0]).strip()) if row else None
    n = int(match.group(1)) if match else 0
    return hits[n - 1] if 1 <= n <= len(hits) else None


def stop_for_row(row: Sequence[Any] | None, itinerary: Itinerary | None) -> ItineraryItem | None:
    """The itinerary item of a clicked table row: the one whose segment id is in the row (free days have none)."""
    cells = {str(cell) for cell in row or []}
    return next((item for item in itinerary.stops if item.segment_id in cells), None) if itinerary else None
