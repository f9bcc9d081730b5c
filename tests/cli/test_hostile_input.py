"""Issue 12, finding 3 at the command line: argv is cleaned once (invisible characters, undecodable bytes)."""

from __future__ import annotations

import json

from tests.cli.test_plan_cli import cli  # noqa: F401 - the plan command over the fixture index


def test_plan_reads_a_city_with_a_zero_width_joiner_inside(cli, capsys):  # noqa: F811
    assert cli("--request", "花\u200d蓮兩天一夜", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["days"]) == 2 and {i["city"] for d in data["days"] for i in d["items"]} == {"花蓮"}


def test_plan_survives_undecodable_argv_bytes(cli, capsys):  # noqa: F811
    # Python hands undecodable argv bytes over as lone surrogates (surrogateescape): \xe5 → \udce5
    assert cli("--request", "\udce5台南一天\x05輕鬆玩", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["days"]) == 1 and {i["city"] for d in data["days"] for i in d["items"]} == {"台南"}
