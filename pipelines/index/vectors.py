"""Dense vectors shipped beside the corpus, so a fresh clone does not embed the sample corpus again.

``<corpus>/vectors.json`` names the embedder, a probe sentence with its vector, and one row per segment
(segment id, hash of the exact passage text embedded); ``<corpus>/vectors.npy`` holds the rows as
float16 (cosine rankings are unchanged at that precision, and the file stays small). Ingest takes a
shipped vector only when the embedder id matches, the embedder in this process gives the probe's
vector (so a mock in tests, or new weights under the same name, never mix vector spaces) and the
passage hash matches; everything else is embedded. ``python scripts/build_vectors.py`` regenerates
both files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipelines.index.embeddings import Embedder

log = logging.getLogger(__name__)

MANIFEST = "vectors.json"
ARRAY = "vectors.npy"
FORMAT = "aiyo-vectors-v1"
PROBE = "安平古堡看夕陽，再去巷子裡吃一碗現燙的牛肉湯。"
MIN_PROBE_COSINE = 0.999  # float16 rounding costs ~1e-7; another model or a mock is far below
REGENERATE = "python scripts/build_vectors.py"


def passage_hash(text: str) -> str:
    """Key of a shipped vector: the passage text itself, so any change to what is embedded misses."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass
class ShippedVectors:
    """The shipped rows of one embedder, by passage hash."""

    embedder: str
    probe: np.ndarray
    rows: dict[str, np.ndarray] = field(default_factory=dict)  # passage hash → float16 vector
    segments: dict[str, str] = field(default_factory=dict)  # segment id → passage hash

    @classmethod
    def load(cls, corpus_dir: Path) -> ShippedVectors | None:
        """The shipped vectors of a corpus folder, or None if it has none (or they are unreadable)."""
        manifest, array = Path(corpus_dir) / MANIFEST, Path(corpus_dir) / ARRAY
        if not manifest.exists() or not array.exists():
            return None
        try:
            meta = json.loads(manifest.read_text(encoding="utf-8"))
            matrix = np.load(array, allow_pickle=False)
            rows = meta["segments"]
            if meta.get("format") != FORMAT or matrix.shape != (len(rows), int(meta["dim"])):
                raise ValueError(f"{len(rows)} rows of {meta.get('dim')} expected, array is {matrix.shape}")
            if _digest(matrix) != meta.get("sha256"):  # the two files were not written together
                raise ValueError(f"{ARRAY} does not match {MANIFEST}")
            probe = np.asarray(meta["probe"]["vector"], dtype=np.float32)
        except (OSError, ValueError, KeyError, TypeError) as err:
            log.warning("ignoring the shipped vectors in %s (%s); everything will be embedded", corpus_dir, err)
            return None
        return cls(
            embedder=str(meta["embedder"]),
            probe=probe,
            rows={key: matrix[i] for i, (_sid, key) in enumerate(rows)},
            segments={sid: key for sid, key in rows},
        )

    def usable_with(self, embedder: Embedder, embedder_id: str) -> bool:
        """True when ``embedder`` is the model these vectors came from (same id and same probe vector)."""
        if embedder_id != self.embedder:
            return False
        probe = np.asarray(embedder.get_text_embedding(PROBE), dtype=np.float32)
        if probe.shape != self.probe.shape:
            return False
        cosine = float(probe @ self.probe / (np.linalg.norm(probe) * np.linalg.norm(self.probe) or 1.0))
        if cosine < MIN_PROBE_COSINE:
            log.warning("shipped vectors not used: the embedder's probe vector differs (cosine %.4f)", cosine)
        return cosine >= MIN_PROBE_COSINE

    def get(self, key: str) -> list[float] | None:
        row = self.rows.get(key)
        return None if row is None else row.astype(np.float32).tolist()


def out_of_date(corpus_dir: Path, texts: dict[str, str], embedder_id: str) -> tuple[list[str], list[str]]:
    """(segments whose passage has no shipped vector, shipped rows no current segment uses), by segment id."""
    shipped = ShippedVectors.load(corpus_dir)
    if shipped is None or shipped.embedder != embedder_id:
        return sorted(texts), []
    wanted = {sid: passage_hash(text) for sid, text in texts.items()}
    missing = sorted(sid for sid, key in wanted.items() if key not in shipped.rows)
    extra = sorted(sid for sid, key in shipped.segments.items() if wanted.get(sid) != key)
    return missing, extra


Row = tuple[str, str, Iterable[float]]  # segment id, passage hash, vector


def save(corpus_dir: Path, embedder_id: str, probe: Iterable[float], rows: list[Row]) -> None:
    """Write ``rows`` (segment id, passage hash, vector), sorted by segment id, as the shipped vectors."""
    rows = sorted(rows)
    matrix = np.asarray([list(v) for _sid, _key, v in rows], dtype=np.float16)
    meta = {
        "format": FORMAT,
        "embedder": embedder_id,
        "dim": int(matrix.shape[1]) if rows else 0,
        "dtype": "float16",
        "sha256": _digest(matrix),
        "regenerate": REGENERATE,
    }
    probe_json = json.dumps({"text": PROBE, "vector": [round(float(x), 6) for x in probe]}, ensure_ascii=False)
    # one segment a line, so a diff of the manifest shows which segments changed
    lines = ",\n".join(json.dumps([sid, key], ensure_ascii=False) for sid, key, _v in rows)
    head = json.dumps(meta, ensure_ascii=False, indent=1)[:-2]
    text = f'{head},\n "probe": {probe_json},\n "segments": [\n{lines}\n ]\n}}\n'
    folder = Path(corpus_dir)
    _replace(folder / ARRAY, lambda f: np.save(f, matrix, allow_pickle=False))
    _replace(folder / MANIFEST, lambda f: f.write(text.encode("utf-8")))


def _digest(matrix: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(matrix, dtype=np.float16).tobytes()).hexdigest()


def _replace(path: Path, write) -> None:
    """Write to a temporary file and rename it over ``path``: a crash leaves the old file or the new one."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        write(f)
    os.replace(tmp, path)
