"""What one offline turn produces (``OfflineAgent.answer``): the answer, the request as understood, the turn's
tools (with their records and citations), the plan if any, and the tool events to stream."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.core.citations import Citations
from pipelines.core.events import ToolFinished, ToolStarted
from pipelines.core.models import Itinerary
from pipelines.intent.model import Intent
from pipelines.tools.turn_tools import TurnTools


@dataclass
class OfflineTurn:
    answer: str
    request: Intent | None
    tools: TurnTools
    citations: Citations = field(default_factory=Citations)
    itinerary: Itinerary | None = None
    events: list[ToolStarted | ToolFinished] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # places the traveller named that the corpus lacks
    unchanged: bool = False  # a follow-up edit that could not be made: the plan stays as it was
