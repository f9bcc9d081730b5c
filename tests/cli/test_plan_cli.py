"""`python -m pipelines plan` (issue 3): segment ids or a request → JSON, table, CSV and ICS."""

from __future__ import annotations

import json

import pytest

import pipelines.index.segment_index
from pipelines.cli.main import main


class _Borrowed:
    """The session's index, handed out by ``open_index`` without being closed at the end."""

    def __init__(self, index):
        self.index = index

    def __enter__(self):
        return self.index

    def __exit__(self, *exc):
        return None


@pytest.fixture
def cli(agent_index, agent_settings, monkeypatch):
    monkeypatch.setattr(pipelines.index.segment_index, "open_index", lambda settings, **kw: _Borrowed(agent_index))
    settings = agent_settings()
    return lambda *argv: main(["plan", *argv], settings_factory=lambda: settings)


@pytest.fixture
def ids(agent_index):
    return [s.segment_id for s in agent_index.all_segments() if s.place][:5]


def test_plan_json_has_the_contract_shape(cli, ids, capsys):
    assert cli("--segments", ",".join(ids), "--days", "2", "--pace", "relaxed", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"days", "checks"}
    assert len(data["days"]) == 2
    assert {c["name"] for c in data["checks"]} >= {"天數正確", "時間順序與交通"}
    assert all(c["passed"] for c in data["checks"])


def test_plan_writes_csv_and_ics(cli, ids, tmp_path, capsys):
    csv, ics = tmp_path / "plan.csv", tmp_path / "plan.ics"
    code = cli("--segments", ",".join(ids), "--days", "1", "--date", "2026-05-01", "--csv", str(csv), "--ics", str(ics))
    assert code == 0
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"DTSTART;TZID=Asia/Taipei:20260501" in ics.read_bytes()
    out = capsys.readouterr().out
    assert "✔ 天數正確" in out


def test_plan_unknown_segment_is_a_zh_tw_error(cli, capsys):
    assert cli("--segments", "nope#01", "--days", "1") == 2
    assert "找不到這些片段：nope#01" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--days", "20"], "天數需介於 1 到 14 天"),
        ([], "請用 --days 指定天數"),
        (["--days", "1", "--start", "9am"], "時間格式要是 HH:MM"),
        (["--days", "1", "--date", "May 1"], "日期格式要是 YYYY-MM-DD"),
    ],
)
def test_plan_bad_arguments_are_zh_tw_errors(cli, ids, capsys, argv, message):
    assert cli("--segments", ",".join(ids), *argv) == 2
    assert message in capsys.readouterr().err


def test_plan_from_a_request(cli, capsys):
    assert cli("--request", "台南一天輕鬆玩", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["days"]) == 1
    assert data["days"][0]["items"]


def test_plan_from_a_request_with_flag_overrides(cli, capsys):
    assert cli("--request", "台南一天輕鬆玩", "--days", "2", "--json") == 0
    assert len(json.loads(capsys.readouterr().out)["days"]) == 2
