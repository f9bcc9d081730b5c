"""The agent's small parts: text tool calls, memory budget, backend choice, turn log, prompts, the `chat` command."""

from __future__ import annotations

import json

import pytest

from pipelines.agent.llm import choose_llm, describe_error, probe_ollama
from pipelines.agent.prompts import load_prompts
from pipelines.agent.session import ChatTurn, SessionState, fit_history
from pipelines.agent.text_tool_calls import may_be_tool_call, parse_text_tool_calls
from pipelines.agent.turnlog import TurnRecord, write_turn
from pipelines.cli.main import main
from pipelines.core.citations import fmt_clock
from pipelines.core.events import ToolCallRecord
from pipelines.core.text import estimate_tokens
from tests.fakes.fake_ollama import FakeOllama
from tests.support.agent_helpers import OLLAMA_MODEL

NAMES = {"search_segments", "plan_itinerary"}


@pytest.mark.parametrize(
    "text",
    [
        '<tool_call>{"name": "search_segments", "arguments": {"query": "台南"}}</tool_call>',
        '```json\n{"name": "search_segments", "arguments": {"query": "台南"}}\n```',
        '{"name": "search_segments", "parameters": {"query": "台南"}}',
        '[{"function": {"name": "search_segments", "arguments": "{\\"query\\": \\"台南\\"}"}}]',
        '{"tool_calls": [{"function": {"name": "search_segments", "arguments": {"query": "台南"}}}]}',
    ],
)
def test_text_tool_call_shapes(text):
    assert parse_text_tool_calls(text, NAMES) == [("search_segments", {"query": "台南"})]
    assert may_be_tool_call(text[:3])


@pytest.mark.parametrize(
    "text",
    ["台南很好玩 [1]", '{"name": "rm_rf", "arguments": {}}', '{"name": "search_segments", "arguments": "{bad"}', "{"],
)
def test_not_tool_calls(text):
    assert parse_text_tool_calls(text, NAMES) == []


def test_answers_stream_at_once_unless_they_look_like_json():
    assert not may_be_tool_call("台南") and not may_be_tool_call("[1] 安平古堡")
    assert may_be_tool_call("  ") and may_be_tool_call("``") and may_be_tool_call("<tool")


def test_history_budget_drops_oldest_turns_in_pairs():
    turns = [ChatTurn(role=r, content=f"{'台' * 100}{i}") for i in range(10) for r in ("user", "assistant")]
    kept = fit_history(turns, budget_tokens=450)
    assert kept[0].role == "user" and kept[-1] == turns[-1] and len(kept) == 4
    session = SessionState()
    for i in range(20):
        session.remember(f"問題{i}" * 50, f"回答{i}" * 50, budget_tokens=600)
    assert sum(estimate_tokens(t.content) + 4 for t in session.history) <= 600
    assert session.history[-1].content.startswith("回答19") and session.history[0].role == "user"


def test_clock_format():
    assert fmt_clock(72) == "01:12" and fmt_clock(3725) == "1:02:05"


def test_backend_choice(agent_settings):
    with FakeOllama([OLLAMA_MODEL]) as server:
        choice = choose_llm(agent_settings(ollama_host=server.url))
        assert choice.backend == "ollama" and choice.model == OLLAMA_MODEL and server.url[7:] in choice.reason
        llm = choice.new_llm()
        assert llm.context_window == 8192 and llm.request_timeout == 120 and llm.keep_alive == "30m"
        assert llm.thinking is False
        assert probe_ollama(agent_settings(ollama_host=server.url, ollama_model="qwen2.5")).ok is False
    offline = choose_llm(agent_settings(ollama_host="http://127.0.0.1:9"))
    assert offline.backend == "offline" and offline.reason == "找不到 Ollama（127.0.0.1:9 無回應），改用離線模式"
    assert choose_llm(agent_settings(llm_backend="offline")).backend == "offline"


def test_describe_error_names_the_pull_command(agent_settings):
    import ollama

    choice = choose_llm(agent_settings(llm_backend="ollama"))
    err = ollama.ResponseError('{"error":"model \\"qwen2.5:7b-instruct\\" not found, try pulling it first"}', 404)
    assert (
        describe_error(err, choice)
        == "Ollama 上找不到模型 qwen2.5:7b-instruct，請先執行 `ollama pull qwen2.5:7b-instruct`"
    )
    assert describe_error(TimeoutError(), choice) == "語言模型回應逾時"


def test_turn_log_redacts_secrets(tmp_path):
    record = TurnRecord(
        session_id="s1",
        input="my key is sk-abcdefghijklmnopqrstuv",
        backend="openai",
        tool_calls=[ToolCallRecord(name="search_segments", arguments={"query": "Bearer abc.def"}, ok=True)],
        error="api_key=hunter2",
    )
    path = write_turn(tmp_path, record)
    text = path.read_text(encoding="utf-8")
    assert "sk-abc" not in text and "hunter2" not in text and "abc.def" not in text
    assert json.loads(text)["session_id"] == "s1"


def test_prompts_live_in_assets(agent_settings):
    prompts = load_prompts(agent_settings().prompts_dir)
    system = prompts.system(max_tool_rounds=4, max_days=14, cities="台南")
    assert "繁體中文" in system and "[2] 安平古堡 01:12–02:40" in system and "台南" in system
    assert prompts.pick("plan_intro", "x", where="台南", length="一日遊", pace="") == prompts.pick(
        "plan_intro", "x", where="台南", length="一日遊", pace=""
    )


def test_chat_command_json_and_stream(agent_settings, agent_index, monkeypatch, capsys):
    import pipelines.index.segment_index

    monkeypatch.setattr(pipelines.index.segment_index, "open_index", lambda settings: agent_index)
    settings = agent_settings(ollama_host="http://127.0.0.1:9")
    assert main(["chat", "台南一日遊", "--backend", "offline", "--json"], settings_factory=lambda: settings) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"answer", "backend", "tool_calls", "segments", "itinerary"}
    assert out["backend"] == "offline" and out["itinerary"]["days"] and out["segments"][0]["url"]
    assert main(["chat", "台南一日遊"], settings_factory=lambda: settings) == 0
    streamed = capsys.readouterr()
    assert "離線模式" in streamed.out and "search_segments" in streamed.err and "無回應" in streamed.err
    assert main(["chat", " ", "--json"], settings_factory=lambda: settings) == 2
    assert capsys.readouterr().out == ""


# --- issue 10: small models, model text, broken input ------------------------------------------------
def test_a_lone_surrogate_neither_breaks_the_prompts_nor_the_turn_log(agent_settings, agent_index, tmp_path):
    from pipelines.agent.session import SessionState
    from pipelines.agent.travel_agent import build_agent, run_turn

    prompts = load_prompts(agent_settings().prompts_dir)
    assert prompts.pick("plan_intro", "\ud800台南一日遊", where="台南", length="一日遊", pace="")
    path = write_turn(tmp_path, TurnRecord(session_id="s", input="\ud800台南一日遊", backend="offline"))
    assert json.loads(path.read_text(encoding="utf-8"))["input"] == "\ud800台南一日遊"  # recorded as sent
    agent = build_agent(agent_settings(llm_backend="offline"), agent_index)
    final = run_turn(agent, "\ud800台南一日遊", SessionState())
    assert final.itinerary is not None
    line = json.loads(next(agent.settings.logs_dir.glob("turns-*.jsonl")).read_text(encoding="utf-8"))
    assert line["input"] == "台南一日遊" and line["outcome"] == "offline"  # the agent's edge cleaned it


@pytest.mark.parametrize(
    ("model", "window", "profile"),
    [
        ("qwen2.5-coder-1.5b-instruct-q4", 8192, "compact"),
        ("gemma-3-270m", 8192, "compact"),
        ("llama3.2:3b", 8192, "compact"),
        ("qwen2.5:7b-instruct", 8192, "full"),
        ("Qwen/Qwen2.5-7B-Instruct", 8192, "full"),
        ("qwen2.5:7b-instruct", 4096, "compact"),  # a small window on a big model: prefill is the cost
        ("local", 8192, "full"),
    ],
)
def test_the_prompt_profile_follows_the_model_and_the_window(agent_settings, model, window, profile):
    from pipelines.agent.context import choose_profile

    assert choose_profile(agent_settings(context_window=window), model) == profile
    assert choose_profile(agent_settings(prompt_profile="full", context_window=4096), model) == "full"


def test_the_compact_profile_is_much_shorter(agent_settings, agent_index):
    from pipelines.tools.turn_tools import TurnTools

    prompts = load_prompts(agent_settings().prompts_dir)
    values = {"max_tool_rounds": 4, "max_days": 14, "cities": "台南、台北"}
    full, compact = prompts.system("full", **values), prompts.system("compact", **values)
    assert estimate_tokens(compact) < estimate_tokens(full) / 2 and "[1]" in compact and "台南、台北" in compact

    def schema_tokens(tools) -> int:
        return sum(estimate_tokens(json.dumps(t.metadata.to_openai_tool(), ensure_ascii=False)) for t in tools)

    tools = TurnTools(agent_index)
    assert schema_tokens(tools.function_tools(compact=True)) < schema_tokens(tools.function_tools()) / 2


def test_think_blocks_are_removed_even_when_split_across_chunks():
    from pipelines.agent.text_tool_calls import ThinkFilter, strip_think

    f = ThinkFilter()
    pieces = ["好的<th", "ink>想一下：台南市立大劇院？", "不對</thi", "nk>推薦", "安平古堡", "<", "b>"]
    out = "".join(f.feed(p) for p in pieces) + f.flush()
    assert out == "好的推薦安平古堡<b>"
    assert strip_think("想很久</think>推薦赤崁樓") == "推薦赤崁樓"  # the opening tag was in the prompt
    assert strip_think("<think>一直想") == ""


@pytest.mark.parametrize(
    "text",
    [
        '<tools>{"name": "search_segments", "arguments": {"query": "台南"}}</tools>',
        '好的，我來查：{"name": "search_segments", "arguments": {"query": "台南"}}',
        '<think>先搜尋</think><tool_call>{"name": "search_segments", "arguments": {"query": "台南"}}</tool_call>',
    ],
)
def test_more_text_tool_call_shapes(text):
    assert parse_text_tool_calls(text, NAMES) == [("search_segments", {"query": "台南"})]


def test_arguments_keep_numbers_too_long_for_int_as_text():
    from pipelines.agent.text_tool_calls import BrokenArguments, parse_arguments

    assert parse_arguments('{"limit": ' + "9" * 5000 + "}") == {"limit": "9" * 5000}
    assert parse_arguments({"query": "台南"}) == {"query": "台南"} and parse_arguments("") == {}
    for broken in ('{"query": "台', "[1, 2]", "null"):
        with pytest.raises(BrokenArguments):
            parse_arguments(broken)
