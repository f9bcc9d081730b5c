"""The plan on a map, as inline SVG: Taiwan's bundled outline, each day's stops as numbered pins in
the day's colour, the route between them, and a 「▶ 播放第 N 天」 button per day.

No tiles, fonts or scripts from elsewhere: it renders offline and under a strict CSP (colours are
classes in app.css, not inline styles). Pins carry only their stop key (``data-stop="1-2"``);
:data:`MAP_JS` sends it to the server, which looks the stop up in the session's own plan.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import lru_cache
from html import escape
from pathlib import Path

from pipelines.core.models import Itinerary, Segment
from pipelines.web.panels import numbered_stops

WIDTH, HEIGHT, PAD = 640, 400, 36
MIN_SPAN_DEG = 0.12  # about 13 km: a one-city plan still shows where its stops lie apart
DAY_CLASSES = 7  # .aiyo-d1 … .aiyo-d7 in app.css, then the colours repeat
EMPTY = '<div class="aiyo-map aiyo-map-empty"><p>🗺️ 排好行程後，這裡會顯示每一站的位置和路線。</p></div>'

MAP_JS = """
const pick = (el) => {
  const pin = el.closest('[data-stop]');
  if (pin) { trigger('select', {stop: pin.dataset.stop}); return; }
  const day = el.closest('[data-day]');
  if (day) { trigger('select', {day: Number(day.dataset.day)}); }
};
element.addEventListener('click', (e) => pick(e.target));
element.addEventListener('keydown', (e) => {
  if ((e.key === 'Enter' || e.key === ' ') && e.target.closest('g[data-stop]')) { e.preventDefault(); pick(e.target); }
});
"""


@lru_cache(maxsize=4)
def load_outline(path: Path) -> tuple[tuple[tuple[float, float], ...], ...]:
    """Rings of (lon, lat) from the bundled outline file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(tuple((float(x), float(y)) for x, y in ring) for ring in data["rings"])


class _Projection:
    """Equirectangular around the pins' middle latitude, fitted into the SVG box with padding."""

    def __init__(self, points: list[tuple[float, float]]):
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        self.k = math.cos(math.radians((min(lats) + max(lats)) / 2))
        span_x = max((max(lons) - min(lons)) * self.k, MIN_SPAN_DEG)
        span_y = max(max(lats) - min(lats), MIN_SPAN_DEG)
        self.scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)
        self.cx, self.cy = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        x = WIDTH / 2 + (lon - self.cx) * self.k * self.scale
        y = HEIGHT / 2 - (lat - self.cy) * self.scale
        return round(x, 1), round(y, 1)


def _outline_path(project: _Projection, outline) -> str:
    parts = []
    for ring in outline:
        pts = [project(lon, lat) for lon, lat in ring]
        parts.append("M" + "L".join(f"{x},{y}" for x, y in pts) + "Z")
    return "".join(parts)


def _spread(xy: tuple[float, float], taken: dict[tuple[float, float], int]) -> tuple[float, float]:
    """Pins at the same spot (one place visited twice) fan out so each stays clickable."""
    key = (round(xy[0] / 8), round(xy[1] / 8))
    n = taken.get(key, 0)
    taken[key] = n + 1
    if n == 0:
        return xy
    angle = n * 2.4
    return round(xy[0] + 14 * math.cos(angle), 1), round(xy[1] + 14 * math.sin(angle), 1)


def map_html(
    itinerary: Itinerary | None, segments: Mapping[str, Segment], outline_path: Path, now: str | None = None
) -> str:
    """The map of a plan (or a hint when there is none); ``now`` rings the stop that is playing."""
    located = []
    for key, day, item in numbered_stops(itinerary):
        seg = segments.get(item.segment_id)
        if seg is not None and seg.lat is not None and seg.lon is not None:
            located.append((key, day, item.place, seg.lon, seg.lat))
    if not itinerary or not located:
        return (
            EMPTY
            if not itinerary or not itinerary.stops
            else EMPTY.replace("排好行程後，這裡會顯示", "這個行程沒有座標，無法顯示")
        )
    project = _Projection([(lon, lat) for *_, lon, lat in located])
    taken: dict[tuple[float, float], int] = {}
    pins, routes = [], {}
    for key, day, place, lon, lat in located:
        x, y = _spread(project(lon, lat), taken)
        routes.setdefault(day, []).append(f"{x},{y}")
        cls = f"aiyo-pin aiyo-d{(day - 1) % DAY_CLASSES + 1}" + (" aiyo-now" if key == now else "")
        n = key.split("-")[1]
        label = escape(f"第 {day} 天第 {n} 站：{place}")
        pins.append(
            f'<g class="{cls}" data-stop="{key}" role="button" tabindex="0" aria-label="{label}"><title>{label}</title>'
            f'<circle cx="{x}" cy="{y}" r="12"/><text x="{x}" y="{y}" dy="0.35em">{n}</text></g>'
        )
    lines = "".join(
        f'<polyline class="aiyo-route aiyo-d{(day - 1) % DAY_CLASSES + 1}" points="{" ".join(pts)}"/>'
        for day, pts in routes.items()
        if len(pts) > 1
    )
    svg = (
        f'<svg class="aiyo-map-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="行程地圖">'
        f'<rect class="aiyo-sea" width="{WIDTH}" height="{HEIGHT}"/>'
        f'<path class="aiyo-land" d="{_outline_path(project, load_outline(outline_path))}"/>'
        f"{lines}{''.join(pins)}</svg>"
    )
    return f'<div class="aiyo-map">{_legend(itinerary)}{svg}</div>'


def _legend(itinerary: Itinerary) -> str:
    buttons = []
    for day in itinerary.days:
        if not day.items:
            continue
        cls = f"aiyo-day aiyo-d{(day.day - 1) % DAY_CLASSES + 1}"
        city = f" · {escape(day.city)}" if day.city else ""
        buttons.append(f'<button type="button" class="{cls}" data-day="{day.day}">▶ 播放第 {day.day} 天{city}</button>')
    return f'<div class="aiyo-legend">{"".join(buttons)}</div>'
