"""The agent's two tools, search_segments and plan_itinerary: argument schemas, validation, results."""

from pipelines.tools.turn_tools import plan_itinerary, search_segments

__all__ = ["plan_itinerary", "search_segments"]
