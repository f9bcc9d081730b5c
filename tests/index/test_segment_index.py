"""Hybrid search over the ingested fixture corpus: hits, filters, modes, look-ups and error messages."""

from __future__ import annotations

import pytest
from llama_index.core.schema import NodeWithScore

from pipelines.core.errors import InvalidQueryError, UnknownCityError, UnknownSegmentError
from pipelines.index.retriever import SegmentRetriever
from pipelines.tools import search_segments

CONTRACT = {"segment_id", "video_id", "title", "place", "city", "start_s", "end_s", "text", "tags", "score", "url"}


def test_hybrid_finds_paraphrased_place(segment_index):
    hits = segment_index.search("早餐想喝一碗現燙的牛肉清湯", limit=3)
    assert hits[0].segment_id == "tn-anping-01#02"
    assert set(hits[0].to_contract()) == CONTRACT
    assert hits[0].url == "/media/tn-anping-01.mp4#t=35,57"
    assert hits[0].score >= hits[1].score >= hits[2].score


@pytest.mark.parametrize("mode", ["dense", "sparse", "hybrid"])
def test_each_mode_finds_an_exact_alias(segment_index, mode):
    assert segment_index.search("燕子口", limit=3, mode=mode)[0].place == "太魯閣"


def test_city_filter_normalises(segment_index):
    hits = segment_index.search("古蹟", city="臺南市", limit=10)
    assert hits and {h.city for h in hits} == {"台南"}


def test_tags_filter_any_of(segment_index):
    hits = segment_index.search("晚上去哪裡", tags=["夜市", "夜景"], limit=10)
    assert {h.place for h in hits} == {"士林夜市", "台北101"}
    assert segment_index.search("晚上去哪裡", tags="夜市", limit=10)[0].place == "士林夜市"


def test_city_and_tags_together(segment_index):
    hits = segment_index.search("走走", city="台南", tags="文青", limit=10)
    assert {h.place for h in hits} == {"神農街", "林百貨"}


def test_unknown_city_lists_known_cities(segment_index):
    with pytest.raises(UnknownCityError) as err:
        segment_index.search("夜市", city="高雄市")
    assert str(err.value) == "找不到城市「高雄市」。目前資料涵蓋：台北、台南、花蓮。"
    assert err.value.known == ["台北", "台南", "花蓮"]


def test_unknown_tag_lists_known_tags(segment_index):
    with pytest.raises(InvalidQueryError, match="沒有這些標籤：food。可用的標籤：.*夜市"):
        segment_index.search("好吃的", tags=["food"])


@pytest.mark.parametrize("query", ["", "   ", None])
def test_empty_query(segment_index, query):
    with pytest.raises(InvalidQueryError, match="請輸入想找的內容"):
        segment_index.search(query)


def test_oversized_query(segment_index):
    with pytest.raises(InvalidQueryError, match=r"查詢太長（501 字），請縮短到 500 字以內"):
        segment_index.search("好" * 501)


@pytest.mark.parametrize("limit", [0, 51, -1, 2.5, True, "10"])
def test_limit_is_validated(segment_index, limit):
    with pytest.raises(InvalidQueryError, match="limit 必須是 1 到 50"):
        segment_index.search("夜市", limit=limit)


def test_unknown_mode(segment_index):
    with pytest.raises(InvalidQueryError, match="未知的搜尋模式"):
        segment_index.search("夜市", mode="bm25")


def test_sparse_query_without_tokens_returns_nothing(segment_index):
    assert segment_index.search("🙂🙂", mode="sparse") == []
    assert segment_index.search("🙂🙂", mode="hybrid", limit=2)  # dense still answers


def test_get_segments_keeps_order_and_reports_unknown(segment_index):
    ids = ["tp-night-01#02", "tn-anping-01#01", "tp-night-01#02"]
    assert [s.segment_id for s in segment_index.get_segments(ids)] == ids
    assert segment_index.get_segments([]) == []
    with pytest.raises(UnknownSegmentError) as err:
        segment_index.get_segments(["tn-anping-01#01", "nope#01", "gone#02"])
    assert err.value.ids == ["nope#01", "gone#02"]
    assert "找不到這些片段：nope#01、gone#02" in str(err.value)


def test_all_segments_cities_count(segment_index):
    segments = segment_index.all_segments()
    assert len(segments) == segment_index.count() == 9
    assert [s.segment_id for s in segments] == sorted(s.segment_id for s in segments)
    assert segment_index.cities() == ["台北", "台南", "花蓮"]
    assert "夜市" in segment_index.tags()


def test_search_segments_tool_delegates(segment_index):
    hits = search_segments(segment_index, "看日出的海灘", city="花蓮", limit=2)
    assert hits[0].place == "七星潭" and len(hits) <= 2


def test_llamaindex_retriever(segment_index):
    retriever = SegmentRetriever(segment_index, city="台北", limit=2)
    nodes = retriever.retrieve("101 觀景台夜景")
    assert all(isinstance(n, NodeWithScore) for n in nodes)
    assert nodes[0].node.node_id == "tp-night-01#02"
    assert nodes[0].node.metadata["url"] == "/media/tp-night-01.mp4#t=26,46"
    assert "url" not in nodes[0].node.get_content(metadata_mode="llm")


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (None, []),
        ("美食,夜市", ["美食", "夜市"]),
        ("美食、夜市 小吃", ["美食", "夜市", "小吃"]),
        (["夜市", "夜市"], ["夜市"]),
    ],
)
def test_split_tags(tags, expected):
    from pipelines.index.query import split_tags

    assert split_tags(tags) == expected


def test_city_must_be_text(segment_index):
    with pytest.raises(InvalidQueryError, match="city 必須是城市名稱文字"):
        segment_index.search("夜市", city=["台北"])


def test_a_repeated_query_is_embedded_once(make_settings):
    from qdrant_client import QdrantClient

    from pipelines.index.segment_index import SegmentIndex
    from tests.support.embedders import HashEmbedding

    for size, embedded in ((256, 2), (0, 4)):  # plus the dimension probe ingest makes
        embedder = HashEmbedding()
        index = SegmentIndex(QdrantClient(":memory:"), make_settings(query_cache_size=size), embedder=embedder)
        index.ingest(progress=False)
        first = index.search("夜市 小吃", limit=3)
        assert index.search(" 夜市 小吃 ", limit=3) == first  # the same words, stripped: the cached vector
        index.search("夜市 小吃", city="台北", limit=3)
        index.search("看日出", limit=3)
        assert len([q for q in embedder.queries if q != "維度"]) == embedded, (size, embedder.queries)
        index.client.close()
