"""A Qdrant server that stops answering mid-session: a zh-TW message, never a traceback or a lost turn."""

import socket

import pytest
from llama_index.core.embeddings import MockEmbedding
from qdrant_client import QdrantClient

from pipelines.agent.session import SessionState
from pipelines.agent.travel_agent import build_agent, run_turn
from pipelines.core.errors import IndexUnavailableError
from pipelines.index.segment_index import SegmentIndex


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens here once the socket closes


@pytest.fixture
def index_whose_server_died(make_settings):
    """An index built while its Qdrant answered, then pointed at a server that is gone."""
    memory = QdrantClient(":memory:")
    index = SegmentIndex(memory, make_settings(), embedder=MockEmbedding(embed_dim=384))
    index.ingest(progress=False)
    url = f"http://127.0.0.1:{_closed_port()}"
    index.client = QdrantClient(url=url, timeout=2, check_compatibility=False)
    index.settings = index.settings.model_copy(update={"qdrant_url": url})
    yield index
    index.client.close()
    memory.close()


def test_search_and_lookup_say_the_index_is_unreachable(index_whose_server_died):
    with pytest.raises(IndexUnavailableError, match="向量資料庫 .* 暫時連不上") as err:
        index_whose_server_died.search("安平古堡看夕陽")
    assert isinstance(err.value.__cause__, Exception)
    with pytest.raises(IndexUnavailableError, match="暫時連不上"):
        index_whose_server_died.get_segments(["tn-anping-01#01"])


def test_offline_turn_tells_the_user_and_finishes(index_whose_server_died, agent_settings):
    agent = build_agent(agent_settings(llm_backend="offline"), index_whose_server_died)
    final = run_turn(agent, "幫我排台南兩天一夜的輕鬆行程", SessionState())
    assert final.backend == "offline"
    assert final.tool_calls and not final.tool_calls[0].ok
    assert "暫時連不上" in (final.tool_calls[0].error or "")
    assert "影片資料庫暫時連不上" in final.answer and "沒有台南" not in final.answer
    assert final.itinerary is None and final.hits == []


def test_a_kept_plan_survives_the_outage(index_whose_server_died, agent_settings, agent_index):
    settings = agent_settings(llm_backend="offline")
    session = SessionState()
    first = run_turn(build_agent(settings, agent_index), "台南一日遊", session)
    assert first.itinerary is not None
    final = run_turn(build_agent(settings, index_whose_server_died), "再多一天", session)
    assert "影片資料庫暫時連不上" in final.answer
    assert session.itinerary == first.itinerary  # nothing the traveller had is lost
