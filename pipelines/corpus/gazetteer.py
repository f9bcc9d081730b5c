"""The places gazetteer (places.csv): loading and alias matching of place names in free text."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from pipelines.core.errors import CorpusError
from pipelines.core.models import Place
from pipelines.core.text import canonical_city, city_sort_key, normalise_text

log = logging.getLogger(__name__)

COLUMNS = ("place", "aliases", "city", "district", "lat", "lon", "tags", "visit_minutes", "best_time")
OPTIONAL_COLUMNS = ("area", "hours")  # older gazetteers lack them: empty means "no area", "open all day"


@dataclass(frozen=True, slots=True)
class AliasHit:
    start: int
    end: int
    alias: str
    place: Place


class Gazetteer:
    """Places by name, plus a leftmost-longest alias matcher over free text."""

    def __init__(self, places: list[Place]):
        self.places = places
        self.by_name = {p.place: p for p in places}
        # first character → (normalised alias, place), longest first, for a leftmost-longest scan
        self._index: dict[str, list[tuple[str, Place]]] = {}
        for place in places:
            for alias in {place.place, *place.aliases}:
                key = normalise_text(alias).strip()
                if key:
                    self._index.setdefault(key[0], []).append((key, place))
        for entries in self._index.values():
            entries.sort(key=lambda e: -len(e[0]))

    @property
    def cities(self) -> list[str]:
        return sorted({p.city for p in self.places}, key=city_sort_key)

    def find_all(self, text: str) -> list[AliasHit]:
        """Non-overlapping alias occurrences, scanning left to right and taking the longest at each spot."""
        norm = normalise_text(text)
        hits, i = [], 0
        while i < len(norm):
            for alias, place in self._index.get(norm[i], ()):
                if norm.startswith(alias, i):
                    hits.append(AliasHit(i, i + len(alias), alias, place))
                    i += len(alias)
                    break
            else:
                i += 1
        return hits

    def match(self, text: str) -> Place | None:
        """The place whose alias is the longest match in text (earliest on a tie), or None."""
        hits = self.find_all(text)
        if not hits:
            return None
        return max(hits, key=lambda h: (len(h.alias), -h.start)).place

    def dominant(self, text: str) -> Place | None:
        """The place mentioned most often in text (earliest first mention on a tie), or None."""
        counts: dict[str, tuple[int, int, Place]] = {}
        for hit in self.find_all(text):
            n, first, _ = counts.get(hit.place.place, (0, hit.start, hit.place))
            counts[hit.place.place] = (n + 1, first, hit.place)
        if not counts:
            return None
        return max(counts.values(), key=lambda c: (c[0], -c[1]))[2]


def load_gazetteer(path: Path) -> tuple[Gazetteer, list[CorpusError]]:
    """Read places.csv; a bad row is returned as a problem (file:line) and left out."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CorpusError(str(path), 0, "找不到地點表 places.csv") from None
    except UnicodeDecodeError:
        raise CorpusError(str(path), 0, "places.csv 不是 UTF-8 編碼") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CorpusError(str(path), 1, f"places.csv 缺少欄位：{', '.join(missing)}")
    places, problems, seen = [], [], set()
    for row in reader:
        line = reader.line_num
        try:
            place = _parse_row(row)
        except (ValidationError, ValueError) as err:
            problems.append(CorpusError(str(path), line, f"地點資料錯誤：{_first_error(err)}"))
            continue
        if place.place in seen:
            problems.append(CorpusError(str(path), line, f"地點「{place.place}」重複，只保留第一筆"))
            continue
        seen.add(place.place)
        places.append(place)
    return Gazetteer(places), problems


def _parse_row(row: dict[str, str]) -> Place:
    def split(value: str | None) -> list[str]:
        return [v.strip() for v in (value or "").split("|") if v.strip()]

    name = (row["place"] or "").strip()
    if not name:
        raise ValueError("place 欄位是空的")
    return Place(
        place=name,
        aliases=split(row["aliases"]),
        city=canonical_city(row["city"] or ""),
        district=(row["district"] or "").strip(),
        lat=float(row["lat"]),
        lon=float(row["lon"]),
        tags=split(row["tags"]),
        visit_minutes=int(row["visit_minutes"] or 60),
        best_time=(row["best_time"] or "any").strip() or "any",
        area=(row.get("area") or "").strip(),
        hours=(row.get("hours") or "").strip(),
    )


def _first_error(err: Exception) -> str:
    if isinstance(err, ValidationError):
        e = err.errors()[0]
        return f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}"
    return str(err)
