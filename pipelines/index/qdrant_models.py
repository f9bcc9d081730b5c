"""The index's own request types (:mod:`pipelines.index.points`) as qdrant-client models, for local mode and servers.

Imported only when a qdrant-client client is in use, so a default (Edge) start never imports qdrant-client.
"""

from __future__ import annotations

from typing import Any

from qdrant_client import models as qm

from pipelines.index import points as p


def to_qdrant(obj: Any) -> Any:
    """``obj`` (one of the point/filter/query/params types, or a list or dict of them) as qdrant-client models."""
    match obj:
        case p.SparseVector():
            return qm.SparseVector(indices=list(obj.indices), values=list(obj.values))
        case p.PointStruct():
            return qm.PointStruct(id=obj.id, vector=to_qdrant(obj.vector), payload=obj.payload)
        case p.MatchValue():
            return qm.MatchValue(value=obj.value)
        case p.MatchAny():
            return qm.MatchAny(any=list(obj.any))
        case p.FieldCondition():
            return qm.FieldCondition(key=obj.key, match=to_qdrant(obj.match))
        case p.Filter():
            must, should, must_not = (to_qdrant(c) or None for c in (obj.must, obj.should, obj.must_not))
            return qm.Filter(must=must, should=should, must_not=must_not)
        case p.Prefetch():
            flt = to_qdrant(obj.filter)
            return qm.Prefetch(query=to_qdrant(obj.query), using=obj.using, filter=flt, limit=obj.limit)
        case p.FusionQuery():
            return qm.FusionQuery(fusion=qm.Fusion(obj.fusion))
        case p.VectorParams():
            return qm.VectorParams(size=obj.size, distance=qm.Distance(obj.distance))
        case p.SparseVectorParams():
            return qm.SparseVectorParams(modifier=qm.Modifier(obj.modifier) if obj.modifier else None)
        case dict():
            return {k: to_qdrant(v) for k, v in obj.items()}
        case list() if obj and not isinstance(obj[0], int | float):
            return [to_qdrant(x) for x in obj]
        case _:  # None, a dense vector, ids, strings
            return obj
