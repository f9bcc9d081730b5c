"""`python -m pipelines <command>`: ingest, search, plan, chat (contracts in docs/ARCHITECTURE.md).

``--json`` prints only JSON on stdout; errors go to stderr in zh-TW with a non-zero exit.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from pipelines.core.citations import fmt_span
from pipelines.core.errors import AiyoError
from pipelines.core.redact import install_log_redaction
from pipelines.core.settings import Settings, get_settings
from pipelines.core.text import clean_input, shorten


def _print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.index import store
    from pipelines.index.ingest import ingest

    if args.source:
        settings = settings.model_copy(update={"corpus_dir": Path(args.source)})
    try:
        report = ingest(store.get_client(settings), settings, rebuild=args.rebuild)
    finally:
        store.close_client(settings)
    if args.json:
        _print_json(report.model_dump())
        return 0
    print(
        f"新增 {report.added}、更新 {report.updated}、刪除 {report.deleted}、未變 {report.unchanged}、"
        f"略過 {report.skipped}；索引共 {report.segments} 個片段（{report.seconds:.1f} 秒）"
    )
    if report.problems:
        print(f"有 {len(report.problems)} 個問題（已略過，其餘照常匯入）：", file=sys.stderr)
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.index.segment_index import open_index

    with open_index(settings) as index:
        hits = index.search(args.query, city=args.city, tags=args.tags, limit=args.limit)
    if args.json:
        _print_json([h.to_contract() for h in hits])
        return 0
    if not hits:
        print("沒有找到相關片段。")
    for rank, hit in enumerate(hits, 1):
        span = fmt_span(hit)
        print(f"{rank:>2}. {hit.place}（{hit.city}）{hit.title}  {span}  score={hit.score:.4f}  [{hit.segment_id}]")
        print(f"    {shorten(hit.text, 60)}")
        print(f"    {hit.url}")
    return 0


def cmd_plan(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.cli.plan import run_plan

    return run_plan(args, settings)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.cli.chat import run_chat

    return run_chat(args, settings)


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
    p.add_argument("--end", help="end of day, HH:MM (default 21:00)")
    p.add_argument("--date", help="date of day 1, YYYY-MM-DD (the .ics starts tomorrow without it)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--ics", help="also write the plan as an .ics file here")
    p.add_argument("--csv", help="also write the plan as a .csv file here")
    p.add_argument("--base-url", help="makes local /media/… links in the .ics absolute, e.g. http://localhost:7860")
    p.set_defaults(handler=cmd_plan)

    p = sub.add_parser("chat", help="ask the travel agent")
    p.add_argument("message")
    p.add_argument("--backend", choices=["auto", "ollama", "openai", "offline"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_chat)
    return parser


def main(argv: list[str] | None = None, settings_factory: Callable[..., Settings] = get_settings) -> int:
    args = build_parser().parse_args(argv)
    install_log_redaction()
    for name in ("message", "request", "query"):  # the edge: argv may hold lone surrogates (undecodable bytes)
        if isinstance(getattr(args, name, None), str):
            setattr(args, name, clean_input(getattr(args, name)))
    try:
        return args.handler(args, settings_factory())
    except AiyoError as err:
        print(f"錯誤：{err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已中斷。", file=sys.stderr)
        return 130
