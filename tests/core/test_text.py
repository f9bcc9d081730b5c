"""Shared text rules: one canonical form per city, token estimates, shortening."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.core.text import CITY_ORDER, canonical_city, estimate_tokens, shorten


@pytest.mark.parametrize(
    ("raw", "city"),
    [("臺南市", "台南"), ("台南", "台南"), ("嘉義縣", "嘉義"), ("嘉義市", "嘉義"), (" 新北市 ", "新北"),
     ("臺東縣", "台東"), ("Taipei City", "台北"), ("kaohsiung", "高雄"), ("New Taipei", "新北"), ("澎湖縣", "澎湖"),
     ("府城", "台南"), ("港都", "高雄"), ("連江縣", "馬祖"), ("北市", "台北")],
)  # fmt: skip
def test_canonical_city(raw, city):
    assert canonical_city(raw) == city


def test_places_are_not_cities():
    """A place named instead of a city is the intent parser's business (墾丁 → 屏東), not spelling."""
    assert canonical_city("墾丁") == "墾丁" and canonical_city("安平") == "安平"


@given(st.sampled_from(CITY_ORDER), st.sampled_from(["", "市", "縣"]), st.booleans())
def test_canonical_city_round_trip(city, suffix, old_form):
    raw = (city.replace("台", "臺") if old_form else city) + suffix
    assert canonical_city(raw) == city


def test_estimate_tokens():
    assert estimate_tokens("台南安平") == 4 and estimate_tokens("abcdefgh") == 2


@given(st.text(max_size=80), st.integers(min_value=1, max_value=60))
def test_shorten_never_exceeds_the_limit(text, limit):
    out = shorten(text, limit)
    assert len(out) <= max(limit, 1)
    assert out == text if len(text) <= limit else out.endswith("…") and text.startswith(out[:-1])


def test_shorten_flat_joins_lines():
    assert shorten("安平\n古堡  很美", 20, flat=True) == "安平 古堡 很美"
