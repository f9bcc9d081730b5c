"""A SegmentSource without Qdrant: the tools and agents run on it as on the real index (tests only)."""

from __future__ import annotations

from collections.abc import Iterable

from pipelines.core.errors import InvalidQueryError, UnknownCityError, UnknownSegmentError
from pipelines.core.models import Segment, SegmentHit
from pipelines.core.text import canonical_city, city_sort_key, normalise_text


class FakeSource:
    """Segments in a list; search scores by shared character bigrams of query and place/title/tags/text."""

    def __init__(self, segments: Iterable[Segment]):
        self.segments = {s.segment_id: s for s in segments}
        self.searches: list[dict] = []  # every call, for assertions

    def search(
        self, query: str, city: str | None = None, tags: Iterable[str] | str | None = None, limit: int = 10
    ) -> list[SegmentHit]:
        self.searches.append({"query": query, "city": city, "tags": tags, "limit": limit})
        if not isinstance(query, str) or not query.strip():
            raise InvalidQueryError("請輸入想找的內容。")
        wanted = canonical_city(city) if city else None
        if wanted is not None and wanted not in self.cities():
            raise UnknownCityError(city, self.cities())
        tag_list = [tags] if isinstance(tags, str) else list(tags or [])
        unknown = [t for t in tag_list if t not in self.tags()]
        if unknown:
            raise InvalidQueryError(f"沒有這些標籤：{'、'.join(unknown)}。")
        grams = _bigrams(query)
        scored = []
        for seg in self.segments.values():
            if wanted and seg.city != wanted or tag_list and not set(tag_list) & set(seg.tags):
                continue
            text = normalise_text(" ".join([seg.place or "", seg.title, " ".join(seg.tags), seg.text]))
            score = sum(1 for g in grams if g in text)
            if score:
                scored.append((score, seg.segment_id))
        scored.sort(key=lambda x: (-x[0], x[1]))
        return [SegmentHit(**self.segments[sid].model_dump(), score=float(score)) for score, sid in scored[:limit]]

    def get_segments(self, ids: Iterable[str]) -> list[Segment]:
        ids = list(ids)
        missing = [i for i in dict.fromkeys(ids) if i not in self.segments]
        if missing:
            raise UnknownSegmentError(missing)
        return [self.segments[i] for i in ids]

    def cities(self) -> list[str]:
        return sorted({s.city for s in self.segments.values() if s.city}, key=city_sort_key)

    def tags(self) -> list[str]:
        return sorted({t for s in self.segments.values() for t in s.tags})


def _bigrams(text: str) -> set[str]:
    norm = "".join(normalise_text(text).split())
    return {norm[i : i + 2] for i in range(len(norm) - 1)} or {norm}
