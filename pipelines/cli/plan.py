"""`python -m pipelines plan`: plan from segment ids (or a zh-TW request), print it, export CSV/ICS."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from pipelines.core.errors import PlanningError
from pipelines.core.models import Itinerary, Preferences
from pipelines.core.settings import Settings
from pipelines.planner.exports import to_csv, to_dataframe, to_ics
from pipelines.tools import plan_itinerary

if TYPE_CHECKING:
    from pipelines.core.ports import SegmentSource


def run_plan(args: argparse.Namespace, settings: Settings, today: dt.date | None = None) -> int:
    from pipelines.index.segment_index import open_index

    with open_index(settings) as index:
        itinerary = _from_request(index, args, settings) if args.request else _from_segments(index, args)
        segments = {s.segment_id: s for s in index.get_segments(itinerary.segment_ids)}
    today = today or dt.date.today()
    if args.csv:
        csv_text = to_csv(itinerary, segments, today=today, base_url=args.base_url)
        Path(args.csv).write_text(csv_text, encoding="utf-8", newline="")
    if args.ics:
        Path(args.ics).write_bytes(to_ics(itinerary, segments, today=today, base_url=args.base_url))
    if args.json:
        json.dump(itinerary.to_contract(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print(itinerary)
    return 0


def _preferences(args: argparse.Namespace, base: Preferences | None = None) -> Preferences:
    values = (base or Preferences()).model_dump()
    for key, value in (("pace", args.pace), ("day_start", args.start), ("day_end", args.end)):
        if value:
            values[key] = value
    if args.date:
        try:
            values["start_date"] = dt.date.fromisoformat(args.date)
        except ValueError as err:
            raise PlanningError(f"日期格式要是 YYYY-MM-DD（收到：{args.date}）。") from err
    try:
        return Preferences.model_validate(values)
    except ValidationError as err:
        raise PlanningError("時間格式要是 HH:MM，例如 --start 09:00。") from err


def _from_segments(index: SegmentSource, args: argparse.Namespace) -> Itinerary:
    ids = [s.strip() for s in args.segments.split(",") if s.strip()]
    if not ids:
        raise PlanningError("請用 --segments 給至少一個片段 id（用逗號分隔）。")
    if args.days is None:
        raise PlanningError("請用 --days 指定天數（1–14）。")
    return plan_itinerary(index, ids, args.days, _preferences(args))


def _from_request(index: SegmentSource, args: argparse.Namespace, settings: Settings) -> Itinerary:
    """The offline agent turns the request into searches and a plan; CLI flags then override it."""
    from pipelines.agent.offline import OfflineAgent
    from pipelines.agent.prompts import load_prompts
    from pipelines.agent.session import SessionState

    turn = OfflineAgent(index, load_prompts(settings.prompts_dir)).answer(args.request, SessionState(), force_plan=True)
    if turn.itinerary is None:
        raise PlanningError(f"這個需求排不出行程：{turn.answer}")
    itinerary = turn.itinerary
    if any((args.days, args.pace, args.start, args.end, args.date)):
        ids = itinerary.segment_ids + itinerary.left_out
        prefs = _preferences(args, itinerary.preferences)
        itinerary = plan_itinerary(index, ids, args.days or len(itinerary.days), prefs)
    return itinerary


def _print(itinerary: Itinerary) -> None:
    frame = to_dataframe(itinerary)
    print(frame.to_string(index=False))
    print()
    for check in itinerary.checks:
        print(f"{'✔' if check.passed else '✘'} {check.name}：{check.detail}")
    if itinerary.notes:
        print()
        for note in itinerary.notes:
            print(f"・{note}")
