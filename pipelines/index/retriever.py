"""The segment index as a LlamaIndex retriever, so query engines and agents can use it as is."""

from __future__ import annotations

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.callbacks import CallbackManager
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from pipelines.index.query import Mode
from pipelines.index.segment_index import SegmentIndex


class SegmentRetriever(BaseRetriever):
    """Hybrid search results as ``NodeWithScore``; node id = segment_id, metadata = the hit contract."""

    def __init__(
        self,
        index: SegmentIndex,
        city: str | None = None,
        tags: list[str] | None = None,
        limit: int = 10,
        mode: Mode = "hybrid",
        callback_manager: CallbackManager | None = None,
    ):
        self.index, self.city, self.tags, self.limit, self.mode = index, city, tags, limit, mode
        super().__init__(callback_manager=callback_manager)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.index.search(
            query_bundle.query_str, city=self.city, tags=self.tags, limit=self.limit, mode=self.mode
        )
        nodes = []
        for hit in hits:
            meta = {k: v for k, v in hit.to_contract().items() if k not in ("text", "score")}
            node = TextNode(
                id_=hit.segment_id,
                text=hit.text,
                metadata=meta,
                # the LLM should see where and what, not ids and urls
                excluded_llm_metadata_keys=["segment_id", "video_id", "url", "start_s", "end_s"],
                excluded_embed_metadata_keys=list(meta),
            )
            nodes.append(NodeWithScore(node=node, score=hit.score))
        return nodes
