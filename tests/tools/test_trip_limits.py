"""The model's plan_itinerary call held to what the traveller asked for (issue 10): dates, pace, days."""

from __future__ import annotations

import datetime as dt

from pipelines.core.models import DayPlan, Itinerary, Preferences
from pipelines.intent.parser import merge_intent, parse_request
from pipelines.tools.schemas import PlanArgs
from pipelines.tools.trip_limits import TripLimits

TODAY = dt.date(2025, 12, 1)
CITIES = ["台南", "台北"]


def said(preferences: dict) -> object:
    return PlanArgs.model_validate({"segments": ["x"], "days": 2, "preferences": preferences}).preferences


def test_what_the_model_leaves_out_is_the_trip_asked_for_not_the_schemas_default():
    limits = TripLimits.asked(parse_request("12/19 出發，台南兩天一夜輕鬆玩，想吃美食", CITIES, today=TODAY), None)
    prefs, notes = limits.preferences_for(said({}))
    assert prefs.pace == "relaxed" and prefs.start_date == dt.date(2025, 12, 19) and "美食" in prefs.interests
    assert notes == [] and limits.days == 2 and limits.cities == ("台南",)


def test_the_travellers_date_and_pace_win_and_the_model_is_told():
    limits = TripLimits.asked(parse_request("12/19 出發，台南兩天一夜輕鬆玩", CITIES, today=TODAY), None)
    prefs, notes = limits.preferences_for(said({"start_date": "2024-12-19", "pace": "packed", "interests": ["夜市"]}))
    assert prefs.start_date == dt.date(2025, 12, 19) and prefs.pace == "relaxed" and prefs.interests == ["夜市"]
    assert notes == ["使用者說的第一天是 2025-12-19，已照這天排。"]


def test_without_words_for_them_the_model_chooses():
    limits = TripLimits.asked(parse_request("台南兩天一夜", CITIES, today=TODAY), None)
    prefs, notes = limits.preferences_for(said({"start_date": "2025-12-24", "pace": "packed"}))
    assert prefs.start_date == dt.date(2025, 12, 24) and prefs.pace == "packed" and notes == []


def test_a_follow_up_keeps_the_plans_date_and_counts_its_new_length():
    plan = Itinerary(
        days=[DayPlan(day=1, city="台南"), DayPlan(day=2, city="台南")],
        preferences=Preferences(start_date=dt.date(2025, 12, 6), pace="relaxed"),
    )
    first = parse_request("這週六出發，台南兩天一夜", CITIES, today=TODAY)
    more = merge_intent(first, parse_request("再多一天", CITIES, today=TODAY))
    limits = TripLimits.asked(more, plan)
    prefs, _ = limits.preferences_for(said({}))
    assert limits.days == 3 and prefs.start_date == dt.date(2025, 12, 6) and prefs.pace == "relaxed"


def test_a_new_trip_takes_nothing_from_the_plan_before_it():
    plan = Itinerary(days=[DayPlan(day=1, city="台南")], preferences=Preferences(start_date=dt.date(2025, 12, 6)))
    limits = TripLimits.asked(parse_request("台北一日遊", CITIES, today=TODAY), plan)
    prefs, _ = limits.preferences_for(said({}))
    assert limits.days == 1 and prefs.start_date is None and limits.cities == ("台北",)
