"""Title cards for the sample videos (used by make_media.py): place, city, chapter and a subtitle."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

SIZE = (426, 240)
FONT_DIR = Path("/usr/share/fonts/opentype/noto")  # Debian fonts-noto-cjk
PALETTE = [(22, 60, 92), (110, 44, 40), (36, 84, 60), (88, 56, 110), (120, 80, 24), (30, 90, 100)]


@dataclass(frozen=True)
class Card:
    video_title: str
    channel: str
    chapter: str
    place: str = ""
    city: str = ""
    district: str = ""
    subtitle: str = ""


@cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    path = FONT_DIR / ("NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc")
    if not path.exists():
        raise SystemExit(f"{path} is missing: apt-get install fonts-noto-cjk")
    for index in range(10):  # pick the Traditional Chinese face out of the collection
        face = ImageFont.truetype(str(path), size, index=index)
        if face.getname()[0] == "Noto Sans CJK TC":
            return face
    raise SystemExit(f"no Noto Sans CJK TC face in {path}")


def wrap(draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, width: int, lines: int) -> list[str]:
    """Greedy character wrap (Chinese has no spaces); the last line ends in … when cut."""
    out, buf = [], ""
    for ch in text:
        if draw.textlength(buf + ch, font=face) > width:
            out.append(buf)
            buf = ""
        buf += ch
    out.append(buf)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][:-1] + "…"
    return out


def centred(draw: ImageDraw.ImageDraw, y: int, text: str, face: ImageFont.FreeTypeFont, fill) -> None:
    draw.text((SIZE[0] // 2, y), text, font=face, fill=fill, anchor="mt")


def render_card(card: Card) -> Image.Image:
    key = card.city or card.channel
    bg = PALETTE[int(hashlib.md5(key.encode()).hexdigest(), 16) % len(PALETTE)]
    img = Image.new("RGB", SIZE, bg)
    draw = ImageDraw.Draw(img)
    draw.text((10, 8), wrap(draw, card.video_title, font(12), SIZE[0] - 20, 1)[0], font=font(12), fill=(210, 220, 230))
    if card.place:
        centred(draw, 44, card.place, font(34, bold=True), (255, 255, 255))
        where = " · ".join(x for x in (card.city, card.district) if x)
        centred(draw, 92, where, font(18), (255, 226, 150))
        if card.chapter != card.place:
            centred(draw, 118, wrap(draw, card.chapter, font(14), SIZE[0] - 40, 1)[0], font(14), (220, 230, 240))
    else:  # intro / outro
        for i, line in enumerate(wrap(draw, card.video_title, font(20, bold=True), SIZE[0] - 40, 2)):
            centred(draw, 50 + i * 28, line, font(20, bold=True), (255, 255, 255))
        centred(draw, 112, f"{card.chapter} · {card.channel}", font(14), (255, 226, 150))
    if card.subtitle:
        lines = wrap(draw, card.subtitle, font(16), SIZE[0] - 24, 2)
        top = SIZE[1] - 12 - 22 * len(lines)
        draw.rectangle((0, top - 6, SIZE[0], SIZE[1]), fill=(0, 0, 0))
        for i, line in enumerate(lines):
            centred(draw, top + i * 22, line, font(16), (255, 255, 255))
    return img
