"""`python -m pipelines <command>`: ingest, search, plan, chat (contracts in DESIGN.md).

``--json`` prints only JSON on stdout; errors go to stderr in zh-TW with a non-zero exit.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from pipelines.errors import AiyoError
from pipelines.settings import Settings, get_settings


def _print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    raise NotImplementedError("ingest: issue 2")


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    raise NotImplementedError("search: issue 2")


def cmd_plan(args: argparse.Namespace, settings: Settings) -> int:
    raise NotImplementedError("plan: issue 3")


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    raise NotImplementedError("chat: issue 4")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipelines", description="AIYO 愛遊 command line")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="build or update the segment index from the corpus")
    p.add_argument("--source", help="corpus folder (default: assets/corpus)")
    p.add_argument("--rebuild", action="store_true", help="drop the collection and ingest everything again")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(handler=cmd_ingest)

    p = sub.add_parser("search", help="hybrid search over video segments")
    p.add_argument("query")
    p.add_argument("--city")
    p.add_argument("--tags", help="comma-separated, e.g. 美食,夜市")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("plan", help="plan an itinerary")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--request", help="a zh-TW request, e.g. 台南兩天一夜輕鬆玩")
    src.add_argument("--segments", help="comma-separated segment ids")
    p.add_argument("--days", type=int)
    p.add_argument("--pace", choices=["relaxed", "normal", "packed"])
    p.add_argument("--start", help="start of day, HH:MM (default 09:00)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--ics", help="also write the plan as an .ics file here")
    p.add_argument("--csv", help="also write the plan as a .csv file here")
    p.set_defaults(handler=cmd_plan)

    p = sub.add_parser("chat", help="ask the travel agent")
    p.add_argument("message")
    p.add_argument("--backend", choices=["auto", "ollama", "openai", "offline"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_chat)
    return parser


def main(argv: list[str] | None = None, settings_factory: Callable[..., Settings] = get_settings) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args, settings_factory())
    except AiyoError as err:
        print(f"錯誤：{err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中斷。", file=sys.stderr)
        return 130
