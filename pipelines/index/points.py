"""What the index asks of its engine and gets back, as small own types (no qdrant-client import).

Qdrant Edge, the default engine, takes these as they are (:mod:`pipelines.index.edge`); qdrant-client
(local mode, a server by URL) gets them translated by :func:`pipelines.index.qdrant_models.to_qdrant`.
Importing qdrant-client costs ~0.85 CPU s even after Gradio (its package imports both clients and
rebuilds every generated model), so a default start must not need it (bench/reports/startup.md).

Names and fields mirror qdrant-client's ``models``, so the translation is one-to-one, results from
either engine read the same (``.points``, ``.payload``, ``.score``, ``.count``, ``.hits``), and the Edge
adapter also accepts qdrant-client models (the benchmarks write those directly).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Fusion = Literal["rrf", "dbsf"]


@dataclass(frozen=True)
class SparseVector:
    indices: list[int]
    values: list[float]


Vector = list[float] | SparseVector


@dataclass(frozen=True)
class PointStruct:
    id: str
    vector: dict[str, Vector]
    payload: dict[str, Any]


@dataclass(frozen=True)
class MatchValue:
    value: str


@dataclass(frozen=True)
class MatchAny:
    any: list[str]


@dataclass(frozen=True)
class FieldCondition:
    key: str
    match: MatchValue | MatchAny


@dataclass(frozen=True)
class Filter:
    must: list[FieldCondition] = field(default_factory=list)
    should: list[FieldCondition] = field(default_factory=list)
    must_not: list[FieldCondition] = field(default_factory=list)


@dataclass(frozen=True)
class Prefetch:
    query: Vector
    using: str
    filter: Filter | None = None
    limit: int = 10


@dataclass(frozen=True)
class FusionQuery:
    fusion: Fusion


@dataclass(frozen=True)
class VectorParams:
    size: int
    distance: Literal["Cosine", "Dot", "Euclid", "Manhattan"] = "Cosine"


@dataclass(frozen=True)
class SparseVectorParams:
    modifier: Literal["idf"] | None = None


# --- what comes back (Edge builds these; qdrant-client's own results have the same fields) ----------------
@dataclass(frozen=True)
class Record:
    id: Any
    payload: dict[str, Any] | None


@dataclass(frozen=True)
class ScoredPoint:
    id: Any
    score: float
    payload: dict[str, Any] | None
    version: int = 0


@dataclass(frozen=True)
class QueryResponse:
    points: list[ScoredPoint]


@dataclass(frozen=True)
class CountResult:
    count: int


@dataclass(frozen=True)
class FacetValueHit:
    value: Any
    count: int


@dataclass(frozen=True)
class FacetResponse:
    hits: list[FacetValueHit]


@dataclass(frozen=True)
class CollectionParams:
    vectors: dict[str, VectorParams]
    sparse_vectors: dict[str, SparseVectorParams]


def value(x: Any) -> Any:
    """An enum's value (qdrant-client models use enums where these types use strings), else ``x``."""
    return getattr(x, "value", x)
